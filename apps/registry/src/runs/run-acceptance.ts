import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';
import { TaskTemplateEntity } from '../tasks/task-template.entity';
import { TasksRepository } from '../tasks/tasks.repository';
import { RunEntity } from './run.entity';
import { RunsRepository } from './runs.repository';

export interface VersionedTemplate {
  template: TaskTemplateEntity;
  /** The template's `updated_at` as PostgreSQL's text (exact), see RunsRepository.insertGuarded. */
  version: string;
  /** Read earlier and kept (true), or read from the database for this call. */
  kept: boolean;
}

/**
 * What accepting a run costs the database, kept to one statement shared by the runs accepted
 * together:
 * - templates are read once and kept (by public id and id) for TEMPLATE_CACHE_MS; a run checked
 *   against a kept template is stored only if the template is still enabled and unchanged (see
 *   RunsRepository.insertGuarded), so a template changed meanwhile, on any replica, is read again
 *   and the run checked again, never accepted against its old settings;
 * - runs are stored in batches: one INSERT for the runs that arrived while the previous ones
 *   were being written (at most RUN_INSERT_BATCH each, RUN_INSERT_CONCURRENCY statements at a
 *   time). A run is answered once its own batch is committed, as before one at a time.
 */
@Injectable()
export class RunAcceptance {
  private readonly templates: LRUCache<string, VersionedTemplate>;
  private waiting: { row: { run: RunEntity; templateVersion: string }; done: (stored: boolean | Error) => void }[] = [];
  private writing = 0;

  constructor(
    private readonly tasks: TasksRepository,
    private readonly runs: RunsRepository,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {
    this.templates = new LRUCache({ max: 10_000, ttl: Math.max(1, config.TEMPLATE_CACHE_MS) });
  }

  /** The template a run names (public id or id), from the cache unless `fresh`; null if there is none. */
  async template(ref: string, fresh = false): Promise<VersionedTemplate | null> {
    if (!fresh && this.config.TEMPLATE_CACHE_MS > 0) {
      const kept = this.templates.get(ref);
      if (kept) return { ...kept, kept: true };
    }
    const read = await this.tasks.findVersionedByRef(ref);
    this.forget(ref);
    if (!read) return null;
    const found = { ...read, kept: false };
    if (this.config.TEMPLATE_CACHE_MS > 0) {
      this.templates.set(found.template.publicId, found);
      this.templates.set(found.template.id, found);
    }
    return found;
  }

  /** Drops a kept template (after its run was refused by the guard, or it changed here). */
  forget(ref: string): void {
    const kept = this.templates.get(ref);
    this.templates.delete(ref);
    if (kept) {
      this.templates.delete(kept.template.publicId);
      this.templates.delete(kept.template.id);
    }
  }

  /** Stores the run unless its template changed since `version` was read: true once committed, false if not stored. */
  store(run: RunEntity, templateVersion: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ row: { run, templateVersion }, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      this.write();
    });
  }

  private write(): void {
    while (this.waiting.length > 0 && this.writing < this.config.RUN_INSERT_CONCURRENCY) {
      const batch = this.waiting.splice(0, this.config.RUN_INSERT_BATCH);
      this.writing++;
      this.runs
        .insertGuarded(batch.map((b) => b.row))
        .then(
          (stored) => {
            for (const b of batch) b.done(stored.has(b.row.run.id));
          },
          (err: Error) => {
            for (const b of batch) b.done(err);
          },
        )
        .finally(() => {
          this.writing--;
          this.write();
        });
    }
  }
}
