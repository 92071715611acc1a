import { LRUCache } from 'lru-cache';
import { Inject, Injectable } from '@nestjs/common';
import { ClearmlTaskStatus } from '@cleargate/contracts';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ChangeHandler } from '../alerts/change-handler';
import { ClearmlAdapter } from '../clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from '../config';

/**
 * Tasks running longer than their queue's limit (MONITOR_RUNAWAY_LIMITS, `*` for the rest)
 * raise one alert and, with MONITOR_RUNAWAY_STOP, are stopped with a reason. Running time is
 * measured on the server's clock (its Date header) against the task's `started`.
 */
@Injectable()
export class RunawayGuard {
  /** Task runs (id and start) already reported, so each is reported once. */
  private readonly handled = new LRUCache<string, true>({ max: 10_000 });
  private readonly stopped;

  constructor(
    private readonly clearml: ClearmlAdapter,
    private readonly changes: ChangeHandler,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.stopped = metrics.counter('runaway_stopped_total', 'Tasks stopped for running past their queue’s limit');
  }

  async check(): Promise<void> {
    const limits = this.config.MONITOR_RUNAWAY_LIMITS;
    if (!Object.keys(limits).length) return;
    const tasks = await this.clearml.running(this.config.MONITOR_PAGE_SIZE);
    const now = this.clearml.serverNow();
    if (now === undefined) return;
    for (const task of tasks) {
      const started = Date.parse(String(task.started ?? ''));
      if (Number.isNaN(started)) continue;
      const queueId = (task.execution?.queue as string | null | undefined) ?? null;
      const queueName = await this.clearml.queueName(queueId);
      const limit = (queueName !== null ? limits[queueName] : undefined) ?? limits['*'];
      if (limit === undefined) continue;
      const runningSeconds = Math.floor((now - started) / 1000);
      const key = `${task.id}:${task.started}`;
      if (runningSeconds <= limit || this.handled.has(key)) continue;
      this.handled.set(key, true);
      const reason = `ClearGate runaway guard: running ${runningSeconds}s, over the ${limit}s limit of queue ${queueName ?? '(none)'}`;
      const name = String(task.name ?? task.id);
      const alert = await this.changes.taskAlert(
        {
          task_id: task.id,
          name,
          status: 'in_progress' as ClearmlTaskStatus,
          status_changed: new Date(started).toISOString(),
          status_reason: reason,
          status_message: null,
          project_id: task.project ?? null,
          project_name: await this.clearml.projectName(task.project),
          queue_id: queueId,
          queue_name: queueName,
          user: task.user ?? null,
          system_tags: (task.system_tags as string[] | undefined) ?? [],
          last_iteration: typeof task.last_iteration === 'number' ? task.last_iteration : null,
          run_id: null,
        },
        'runaway',
        'warning',
        {
          kind: 'runaway',
          alertId: `runaway:${task.id}:${new Date(started).toISOString()}`,
          title: `Task ${name} has been running for ${Math.round(runningSeconds / 60)} min (limit ${Math.round(limit / 60)} min)`,
          runningSeconds,
        },
      );
      await this.changes.raise(alert);
      if (this.config.MONITOR_RUNAWAY_STOP) {
        try {
          await this.clearml.stop(task.id, reason);
          this.stopped.inc();
          this.logger.warn({ task: task.id, running_seconds: runningSeconds, limit }, 'runaway task stopped');
        } catch (err) {
          this.logger.warn({ err, task: task.id }, 'could not stop a runaway task');
        }
      }
    }
  }
}
