import { Inject, Injectable } from '@nestjs/common';
import { ClearmlTask } from '@cleargate/clearml';
import {
  Alert,
  alertRaised,
  CLEARML_TASK_STATUSES,
  ClearmlTaskStatus,
  MessagePayload,
  RunStatus,
  runIdOfTags,
  runStatusChanged,
  taskStatusChanged,
} from '@cleargate/contracts';
import { MessagePublisher } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ClearmlAdapter } from '../clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from '../config';
import { gpuCount } from '../gauges/worker-stats';
import { defaultSeverity, matchRule } from './alert-rules';

/** Around a run, the window in which its worker's statistics tell its GPUs (agents report every few seconds). */
const GPU_WINDOW_BEFORE_S = 120;
const GPU_WINDOW_AFTER_S = 60;

/** ClearML status → the run status ClearGate shows; `created` (reset to draft) says nothing. */
const RUN_STATUS: Partial<Record<ClearmlTaskStatus, RunStatus>> = {
  queued: 'queued',
  in_progress: 'in_progress',
  completed: 'completed',
  published: 'completed',
  publishing: 'completed',
  closed: 'completed',
  failed: 'failed',
  stopped: 'stopped',
};

/**
 * What one observed status change leads to: a task-status event, the run kept in step when
 * the task is a ClearGate clone, and an alert when a rule matches. Every message has a
 * deterministic id, so handling the same change twice stores and delivers it once.
 */
@Injectable()
export class ChangeHandler {
  private readonly changes;
  private readonly alerts;

  constructor(
    private readonly clearml: ClearmlAdapter,
    private readonly publisher: MessagePublisher,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.changes = metrics.counter('task_changes_total', 'Task status changes seen, by status', ['status']);
    this.alerts = metrics.counter('alerts_total', 'Alerts raised, by kind', ['kind']);
    for (const kind of ['task_status', 'runaway', 'clearml_unreachable', 'clearml_recovered']) this.alerts.inc({ kind }, 0);
  }

  async handle(task: ClearmlTask): Promise<void> {
    const status = (CLEARML_TASK_STATUSES as readonly string[]).includes(String(task.status))
      ? (task.status as ClearmlTaskStatus)
      : 'unknown';
    const statusChanged = new Date(String(task.status_changed)).toISOString();
    const systemTags = (task.system_tags as string[] | undefined) ?? [];
    const runId = runIdOfTags(systemTags);
    const queueId = (task.execution?.queue as string | null | undefined) ?? null;
    const [projectName, queueName] = await Promise.all([this.clearml.projectName(task.project), this.clearml.queueName(queueId)]);
    const change: MessagePayload<typeof taskStatusChanged> = {
      task_id: task.id,
      name: String(task.name ?? task.id),
      status,
      status_changed: statusChanged,
      status_reason: (task.status_reason as string | null | undefined) ?? null,
      status_message: (task.status_message as string | null | undefined) ?? null,
      project_id: task.project ?? null,
      project_name: projectName,
      queue_id: queueId,
      queue_name: queueName,
      user: task.user ?? null,
      system_tags: systemTags,
      last_iteration: typeof task.last_iteration === 'number' ? task.last_iteration : null,
      run_id: runId && /^[0-9a-f-]{36}$/.test(runId) ? runId : null,
    };
    const changeId = `${task.id}:${status}:${statusChanged}`;
    await this.publisher.publish(taskStatusChanged, change, { msgId: changeId });
    this.changes.inc({ status });

    const runStatus = RUN_STATUS[status];
    if (change.run_id && runStatus) {
      const worker = typeof task.last_worker === 'string' && task.last_worker ? task.last_worker : null;
      const finished = runStatus === 'completed' || runStatus === 'failed' || runStatus === 'stopped';
      const gpuSeconds = finished && worker ? await this.gpuSeconds(worker, task.started as string | undefined, statusChanged) : null;
      await this.publisher.publish(
        runStatusChanged,
        {
          run_id: change.run_id,
          status: runStatus,
          clearml_task_id: task.id,
          ...(runStatus === 'failed' || runStatus === 'stopped' ? { error: change.status_reason ?? `task ${status}` } : {}),
          at: statusChanged,
          source: 'monitor',
          ...(worker && runStatus !== 'queued' ? { worker } : {}),
          ...(gpuSeconds !== null ? { gpu_seconds: gpuSeconds } : {}),
        },
        { msgId: `run:${changeId}` },
      );
    }

    const rule = matchRule(this.config.MONITOR_ALERT_RULES, {
      id: task.id,
      name: change.name,
      status,
      projectName,
      queueName,
      user: change.user,
      systemTags,
      lastIteration: change.last_iteration,
    });
    if (rule) await this.raise(await this.taskAlert(change, rule.name, rule.severity ?? defaultSeverity(status)));
  }

  /**
   * A finished run's GPU time: its running time (ClearML's `started` to the final status change)
   * × the GPU cards its worker reports (the gpu_usage variants of `workers.get_stats` around the
   * run). Null when the worker reported no statistics or ClearML cannot say.
   */
  private async gpuSeconds(worker: string, started: string | undefined, finished: string): Promise<number | null> {
    const from = started ? Date.parse(started) : NaN;
    const to = Date.parse(finished);
    if (Number.isNaN(from) || Number.isNaN(to) || to < from) return null;
    try {
      const stats = await this.clearml.workerStats({
        worker_ids: [worker],
        from_date: Math.floor(from / 1000) - GPU_WINDOW_BEFORE_S,
        to_date: Math.ceil(to / 1000) + GPU_WINDOW_AFTER_S,
        interval: 3600,
        items: [
          { key: 'gpu_usage', aggregation: 'avg' },
          { key: 'memory_used', aggregation: 'avg' },
        ],
        split_by_variant: true,
      });
      const { reported, gpus } = gpuCount(stats, worker);
      return reported ? Math.round(((to - from) / 1000) * gpus * 1000) / 1000 : null;
    } catch (err) {
      this.logger.warn({ err, worker }, 'could not read the worker’s statistics for a run’s GPU time');
      return null;
    }
  }

  async taskAlert(
    change: MessagePayload<typeof taskStatusChanged>,
    rule: string,
    severity: Alert['severity'],
    extra: { kind?: Alert['kind']; alertId?: string; title?: string; runningSeconds?: number | null } = {},
  ): Promise<Alert> {
    const [consoleLines, logUrl] = await Promise.all([
      this.clearml.consoleLines(change.task_id, this.config.MONITOR_CONSOLE_LINES).catch((err) => {
        this.logger.warn({ err, task: change.task_id }, 'could not read the console log');
        return [] as string[];
      }),
      this.clearml.logUrl(change.project_id, change.task_id).catch(() => null),
    ]);
    return {
      alert_id: extra.alertId ?? `task:${change.task_id}:${change.status}:${change.status_changed}`,
      kind: extra.kind ?? 'task_status',
      severity,
      title: extra.title ?? `Task ${change.name} ${change.status}`,
      at: change.status_changed,
      task: {
        id: change.task_id,
        name: change.name,
        status: change.status,
        project: change.project_name,
        queue: change.queue_name,
        user: change.user,
        status_reason: change.status_reason,
        log_url: logUrl,
        run_id: change.run_id,
        running_seconds: extra.runningSeconds ?? null,
      },
      console_lines: consoleLines,
      details: null,
      labels: {
        kind: extra.kind ?? 'task_status',
        status: change.status,
        project: change.project_name ?? '',
        queue: change.queue_name ?? '',
        rule,
      },
      links: [],
    };
  }

  async raise(alert: Alert): Promise<void> {
    const { duplicate } = await this.publisher.publish(alertRaised, alert, { msgId: alert.alert_id });
    if (!duplicate) this.alerts.inc({ kind: alert.kind });
    this.logger.info({ alert_id: alert.alert_id, duplicate }, 'alert raised');
  }
}
