import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  MessagePayload,
  Run,
  RunListFilter,
  RUN_STATUSES,
  RunStatus,
  runStatusChanged,
  runStatusRank,
  TERMINAL_RUN_STATUSES,
} from '@cleargate/contracts';
import { applyCursor, callerCondition, pageResult } from '../database/paging';
import { RunEntity } from './run.entity';

export function toRun(r: RunEntity): Run {
  return {
    run_id: r.id,
    task_id: r.taskPublicId,
    template_name: r.templateName,
    caller: r.caller,
    caller_subject: r.callerSubject,
    params: r.params,
    queue: r.queue,
    status: r.status,
    clearml_task_id: r.clearmlTaskId,
    error: r.error,
    error_code: r.errorCode,
    attempts: r.attempts,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    queued_at: r.queuedAt?.toISOString() ?? null,
    started_at: r.startedAt?.toISOString() ?? null,
    finished_at: r.finishedAt?.toISOString() ?? null,
    worker: r.worker,
    gpu_seconds: r.gpuSeconds,
  };
}

/** The run order of libs/contracts (runStatusRank), as SQL: one definition of "forward". */
const RANK_SQL = (column: string) =>
  `CASE ${column} ${RUN_STATUSES.map((status) => `WHEN '${status}' THEN ${runStatusRank(status)}`).join(' ')} END`;
const FINAL_RANK = runStatusRank(TERMINAL_RUN_STATUSES[0]!);
const TERMINAL_SQL = TERMINAL_RUN_STATUSES.map((status) => `'${status}'`).join(', ');
const ACTIVE_SQL = RUN_STATUSES.filter((status) => !TERMINAL_RUN_STATUSES.includes(status))
  .map((status) => `'${status}'`)
  .join(', ');

@Injectable()
export class RunsRepository {
  private readonly runs: Repository<RunEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.runs = dataSource.getRepository(RunEntity);
  }

  /**
   * Stores runs in one statement, each only if its template is still enabled and unchanged since
   * it was read (`updated_at` equal to the version read with it), so runs checked against a
   * cached template are never stored against a template that has changed since. Returns the ids
   * stored.
   */
  async insertGuarded(rows: { run: RunEntity; templateVersion: string }[]): Promise<Set<string>> {
    const column = <T>(pick: (run: RunEntity) => T) => rows.map(({ run }) => pick(run));
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    const stored: { id: string }[] = await this.dataSource.query(
      `INSERT INTO runs (id, template_id, task_public_id, template_name, caller, caller_subject, params, queue, status, route,
                         clearml_task_id, error, error_code, attempts, correlation_id, created_at, updated_at, queued_at, started_at, finished_at)
       SELECT v.id, v.template_id, v.task_public_id, v.template_name, v.caller, v.caller_subject, v.params::jsonb, v.queue, v.status,
              v.route, v.clearml_task_id, v.error, v.error_code, v.attempts, v.correlation_id, v.created_at, v.updated_at, v.queued_at,
              v.started_at, v.finished_at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::text[], $13::text[], $14::int[], $15::text[], $16::timestamptz[],
                     $17::timestamptz[], $18::timestamptz[], $19::timestamptz[], $20::timestamptz[], $21::timestamptz[])
           AS v(id, template_id, task_public_id, template_name, caller, caller_subject, params, queue, status, route, clearml_task_id,
                error, error_code, attempts, correlation_id, created_at, updated_at, queued_at, started_at, finished_at, template_version)
         JOIN task_templates t ON t.id = v.template_id AND t.enabled AND t.updated_at = v.template_version
       RETURNING runs.id`,
      [
        column((r) => r.id),
        column((r) => r.templateId),
        column((r) => r.taskPublicId),
        column((r) => r.templateName),
        column((r) => r.caller),
        column((r) => r.callerSubject),
        column((r) => JSON.stringify(r.params)),
        column((r) => r.queue),
        column((r) => r.status),
        column((r) => r.route),
        column((r) => r.clearmlTaskId),
        column((r) => r.error),
        column((r) => r.errorCode),
        column((r) => r.attempts),
        column((r) => r.correlationId),
        column((r) => iso(r.createdAt)),
        column((r) => iso(r.updatedAt)),
        column((r) => iso(r.queuedAt)),
        column((r) => iso(r.startedAt)),
        column((r) => iso(r.finishedAt)),
        rows.map((r) => r.templateVersion),
      ],
    );
    return new Set(stored.map((r) => r.id));
  }

  /** Takes back a run that was never handed to the enqueue worker (still `accepted`). */
  async withdraw(id: string): Promise<void> {
    await this.runs.delete({ id, status: 'accepted' });
  }

  /**
   * Stores a run once the caller's quotas allow it, all in one transaction under a lock of the
   * caller's own: two requests of one caller never both take the last run of the day. `check`
   * gets the caller's runs requested since `dayStart` and those not finished (of one task when
   * `templateId` is given, for a task's own limits) and throws when over.
   */
  async insertWithin(
    run: RunEntity,
    scope: { dayStart: Date; templateIdForDay: string | null; templateIdForActive: string | null },
    check: (counts: { today: number; active: number }) => void,
  ): Promise<RunEntity> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('cleargate.runs.' || $1))`, [run.caller]);
      const [today] = (await tx.query(
        `SELECT count(*) AS n FROM runs WHERE caller = $1 AND created_at >= $2 AND ($3::uuid IS NULL OR template_id = $3)`,
        [run.caller, scope.dayStart, scope.templateIdForDay],
      )) as { n: string }[];
      const [active] = (await tx.query(
        `SELECT count(*) AS n FROM runs WHERE caller = $1 AND status IN (${ACTIVE_SQL}) AND ($2::uuid IS NULL OR template_id = $2)`,
        [run.caller, scope.templateIdForActive],
      )) as { n: string }[];
      check({ today: Number(today!.n), active: Number(active!.n) });
      await tx.getRepository(RunEntity).insert(run as QueryDeepPartialEntity<RunEntity>);
      return run;
    });
  }

  /** A caller's runs that are not finished, oldest first. */
  activeOf(caller: string): Promise<RunEntity[]> {
    return this.runs
      .createQueryBuilder('r')
      .where('r.caller = :caller', { caller })
      .andWhere(`r.status IN (${ACTIVE_SQL})`)
      .orderBy('r.created_at', 'ASC')
      .getMany();
  }

  findById(id: string): Promise<RunEntity | null> {
    return this.runs.findOneBy({ id });
  }

  async list(filter: RunListFilter & { caller_subject?: string }, page: { limit: number; cursor?: string }) {
    const qb = this.runs.createQueryBuilder('r');
    callerCondition(qb, 'r', filter);
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.task_id) qb.andWhere('r.task_public_id = :taskId', { taskId: filter.task_id });
    const rows = await applyCursor(qb, 'r', 'createdAt', page.cursor, page.limit).getMany();
    return pageResult(rows, page.limit, toRun, (r) => [r.createdAt, r.id]);
  }

  /**
   * Applies a status event unless it would move the run backwards: a later status always wins,
   * the same non-final status refreshes its details (attempts, error), a final status is final —
   * except a run that failed before ClearML ever took it (the worker gave up) and was then
   * replayed from the dead letters: ClearML accepting it brings it back.
   * Returns whether the run changed.
   */
  /** Applies a status event unless it would move the run backwards; the run as it now is, or null when nothing changed. */
  async applyStatus(event: MessagePayload<typeof runStatusChanged>): Promise<RunEntity | null> {
    const result: unknown[] = await this.dataSource.query(
      `UPDATE runs SET
         status = $2,
         clearml_task_id = COALESCE($3, clearml_task_id),
         queue = COALESCE($4, queue),
         error = CASE WHEN $2 IN ('queued', 'in_progress', 'completed') THEN NULL ELSE COALESCE($5, error) END,
         error_code = CASE WHEN $2 IN ('queued', 'in_progress', 'completed') THEN NULL ELSE COALESCE($6, error_code) END,
         attempts = GREATEST(attempts, COALESCE($7, attempts)),
         updated_at = now(),
         queued_at = CASE WHEN $2 = 'queued' THEN COALESCE(queued_at, $8::timestamptz) ELSE queued_at END,
         started_at = CASE WHEN $2 = 'in_progress' THEN COALESCE(started_at, $8::timestamptz) ELSE started_at END,
         finished_at = CASE WHEN $2 IN (${TERMINAL_SQL}) THEN COALESCE(finished_at, $8::timestamptz) ELSE NULL END,
         worker = COALESCE($9, worker),
         gpu_seconds = COALESCE($10, gpu_seconds)
       WHERE id = $1
         AND (${RANK_SQL('$2')} > ${RANK_SQL('status')} OR (${RANK_SQL('$2')} = ${RANK_SQL('status')} AND ${RANK_SQL('status')} < ${FINAL_RANK})
              OR (status = 'failed' AND clearml_task_id IS NULL AND $3::varchar IS NOT NULL AND ${RANK_SQL('$2')} >= ${runStatusRank('queued')}))
       RETURNING id`,
      [
        event.run_id,
        event.status,
        event.clearml_task_id ?? null,
        event.queue ?? null,
        event.error ?? null,
        event.error_code ?? null,
        event.attempts ?? null,
        event.at,
        event.worker ?? null,
        event.gpu_seconds ?? null,
      ],
    );
    if (returned(result).length > 0) return this.findById(event.run_id);
    // Not a step forward. The events of one run are applied concurrently, so `queued` may come
    // after `in_progress` (or `in_progress` after `completed`): the time it carries still counts
    // (the run's wait and running time) when the run does not have it yet.
    if (event.status !== 'queued' && event.status !== 'in_progress') return null;
    const column = event.status === 'queued' ? 'queued_at' : 'started_at';
    const backfilled: unknown[] = await this.dataSource.query(
      `UPDATE runs SET ${column} = $2::timestamptz, updated_at = now() WHERE id = $1 AND ${column} IS NULL RETURNING id`,
      [event.run_id, event.at],
    );
    return returned(backfilled).length > 0 ? this.findById(event.run_id) : null;
  }

  /** How many runs are in each status (every status, zero when none). */
  async countByStatus(): Promise<Record<RunStatus, number>> {
    const rows: { status: RunStatus; n: string }[] = await this.dataSource.query(`SELECT status, count(*) AS n FROM runs GROUP BY status`);
    const counts = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  /** Runs still waiting for the worker, oldest first: their enqueue message is republished. */
  pendingOlderThan(cutoff: Date, limit: number): Promise<RunEntity[]> {
    return this.runs
      .createQueryBuilder('r')
      .where(`r.status = 'accepted'`)
      .andWhere('r.created_at < :cutoff', { cutoff })
      .orderBy('r.created_at', 'ASC')
      .take(limit)
      .getMany();
  }
}

/** The rows of an UPDATE … RETURNING: the postgres driver answers [rows, affected]. */
function returned(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}
