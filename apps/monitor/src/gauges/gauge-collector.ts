import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '@cleargate/observability';
import { ClearmlAdapter } from '../clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from '../config';

/**
 * ClearML gauges, collected by the leader only (a standby clears its own, so sums over
 * replicas stay right): active tasks by status and queue, queue lengths, the age of the oldest
 * queued entry (server clock) and workers per queue.
 */
@Injectable()
export class GaugeCollector {
  private readonly tasks;
  private readonly queueLength;
  private readonly oldest;
  private readonly workers;

  constructor(
    private readonly clearml: ClearmlAdapter,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    metrics: Metrics,
  ) {
    this.tasks = metrics.gauge('tasks', 'Queued and running ClearML tasks, by status and queue', ['status', 'queue']);
    this.queueLength = metrics.gauge('queue_length', 'Tasks waiting in each ClearML queue', ['queue']);
    this.oldest = metrics.gauge('queue_oldest_age_seconds', 'Age of the oldest entry of each ClearML queue', ['queue']);
    this.workers = metrics.gauge('workers', 'ClearML workers listening on each queue', ['queue']);
  }

  async collect(): Promise<void> {
    const [tasks, queues, workers] = await Promise.all([
      this.clearml.activeTasks(this.config.MONITOR_PAGE_SIZE),
      this.clearml.queuesWithEntries(),
      this.clearml.workers(),
    ]);
    const now = this.clearml.serverNow() ?? Date.now();
    const counts = new Map<string, number>();
    for (const t of tasks) {
      const queue = (await this.clearml.queueName(t.execution?.queue as string | undefined)) ?? '(none)';
      const key = `${t.status}\u0000${queue}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.clear();
    // Every known queue gets a value, so "nothing running" is 0 rather than no data.
    for (const q of queues) for (const status of ['queued', 'in_progress']) this.tasks.set({ status, queue: q.name ?? q.id }, 0);
    for (const [key, n] of counts) {
      const [status, queue] = key.split('\u0000');
      this.tasks.set({ status: status!, queue: queue! }, n);
    }
    for (const q of queues) {
      const name = q.name ?? q.id;
      const entries = q.entries ?? [];
      this.queueLength.set({ queue: name }, entries.length);
      const added = entries.map((e) => Date.parse(String(e.added ?? ''))).filter((v) => !Number.isNaN(v));
      this.oldest.set({ queue: name }, added.length ? Math.max(0, (now - Math.min(...added)) / 1000) : 0);
      this.workers.set({ queue: name }, 0);
    }
    for (const w of workers) {
      for (const q of w.queues ?? []) {
        const name = q.name ?? (await this.clearml.queueName(q.id)) ?? q.id;
        this.workers.inc({ queue: name });
      }
    }
  }

  clear(): void {
    this.tasks.reset();
    this.queueLength.reset();
    this.oldest.reset();
    this.workers.reset();
  }
}
