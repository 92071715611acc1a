import { LRUCache } from 'lru-cache';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  ClearmlClient,
  createServiceClearmlClient,
  ClearmlTask,
  lastConsoleLines,
  WorkersGetStatsRequest,
  taskLogUrl,
  webHostFromApiHost,
} from '@cleargate/clearml';
import { HealthRegistry, InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { MONITOR_CONFIG, MonitorConfig } from '../config';

/** Fields a change needs; everything else stays on the server. */
export const TASK_FIELDS = [
  'id',
  'name',
  'status',
  'status_changed',
  'status_reason',
  'status_message',
  'project',
  'execution.queue',
  'user',
  'system_tags',
  'last_iteration',
  'started',
  'last_worker',
];

const NAME_TTL_MS = 5 * 60_000;

/**
 * All of the monitor's ClearML I/O: task pages, console lines, names of projects and queues
 * (cached), links to the web UI, stopping runaway tasks, and the server's clock.
 */
@Injectable()
export class ClearmlAdapter implements OnApplicationShutdown {
  private readonly client: ClearmlClient;
  private readonly webHost: string | undefined;
  private apiVersion?: string;
  /** Project names by id, refetched after NAME_TTL_MS; the last known name serves while ClearML fails. */
  private readonly projects = new LRUCache<string, { name: string | null }>({
    max: 10_000,
    ttl: NAME_TTL_MS,
    allowStaleOnFetchRejection: true,
    fetchMethod: async (projectId) => ({ name: (await this.client.projects.getById(projectId)).name ?? null }),
  });
  private queues = new Map<string, string>();
  private queuesAt = 0;

  constructor(@Inject(MONITOR_CONFIG) config: MonitorConfig, @InjectLogger() logger: Logger, metrics: Metrics, health: HealthRegistry) {
    this.client = createServiceClearmlClient(
      config,
      {
        timeoutMs: config.CLEARML_TIMEOUT_MS,
        // The poll loop is the retry: keep single calls short.
        retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 },
      },
      { metrics, logger },
    );
    this.webHost = config.CLEARML_WEB_HOST ?? webHostFromApiHost(config.CLEARML_API_HOST);
    health.register('clearml', async () => {
      await this.client.debug.ping();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  /** One page of tasks whose status changed at or after `cursor` (server time), oldest first. */
  async changesSince(cursor: string, page: number, pageSize: number): Promise<ClearmlTask[]> {
    const { tasks } = await this.client.tasks.getAll({
      status_changed: [`>=${cursor}`],
      order_by: ['status_changed'],
      page,
      page_size: pageSize,
      only_fields: TASK_FIELDS,
    });
    return tasks;
  }

  /** The server's latest status change and the tasks that changed at that instant: where a fresh monitor starts. */
  async latestChange(): Promise<{ at: string; tasks: ClearmlTask[] } | null> {
    const { tasks } = await this.client.tasks.getAll({
      order_by: ['-status_changed'],
      page: 0,
      page_size: 1,
      only_fields: ['status_changed'],
    });
    const at = tasks[0]?.status_changed as string | undefined;
    if (!at) return null;
    return { at, tasks: await this.changesSince(at, 0, 500) };
  }

  async running(pageSize: number): Promise<ClearmlTask[]> {
    const out: ClearmlTask[] = [];
    for await (const task of this.client.tasks.iterateAll({ status: ['in_progress'], only_fields: TASK_FIELDS }, { pageSize }))
      out.push(task);
    return out;
  }

  async activeTasks(pageSize: number): Promise<ClearmlTask[]> {
    const out: ClearmlTask[] = [];
    for await (const task of this.client.tasks.iterateAll(
      { status: ['queued', 'in_progress'], only_fields: ['id', 'status', 'execution.queue'] },
      { pageSize },
    )) {
      out.push(task);
    }
    return out;
  }

  async consoleLines(taskId: string, lines: number): Promise<string[]> {
    if (lines <= 0) return [];
    const { events } = await this.client.events.getTaskLog({ task: taskId, batch_size: lines, navigate_earlier: true });
    return lastConsoleLines(events, lines);
  }

  async projectName(projectId: string | null | undefined): Promise<string | null> {
    if (!projectId) return null;
    try {
      return (await this.projects.fetch(projectId))?.name ?? null;
    } catch {
      return null;
    }
  }

  async queueName(queueId: string | null | undefined): Promise<string | null> {
    if (!queueId) return null;
    if (!this.queues.has(queueId) || Date.now() - this.queuesAt > NAME_TTL_MS) await this.refreshQueues().catch(() => undefined);
    return this.queues.get(queueId) ?? null;
  }

  async queuesWithEntries() {
    const { queues } = await this.client.queues.getAll({ only_fields: ['id', 'name', 'entries'] });
    return queues;
  }

  async workers() {
    return (await this.client.workers.getAll()).workers;
  }

  /** Machine statistics of some workers (at most 10 per call: the server's aggregation returns 10 workers and 10 metrics). */
  workerStats(request: WorkersGetStatsRequest) {
    return this.client.workers.getStats(request);
  }

  async stop(taskId: string, reason: string): Promise<void> {
    await this.client.tasks.stop({ task: taskId, force: false, status_reason: reason, status_message: 'stopped by ClearGate' });
  }

  async logUrl(projectId: string | null, taskId: string): Promise<string | null> {
    if (!this.webHost) return null;
    if (this.apiVersion === undefined) {
      this.apiVersion = await this.client.server.info().then(
        (i) => i.api_version ?? '',
        () => '',
      );
    }
    return taskLogUrl(this.webHost, projectId, taskId, this.apiVersion || undefined);
  }

  serverNow(): number | undefined {
    return this.client.serverNow();
  }

  private async refreshQueues(): Promise<void> {
    const { queues } = await this.client.queues.getAll({ only_fields: ['id', 'name'] });
    this.queues = new Map(queues.map((q) => [q.id, q.name ?? q.id]));
    this.queuesAt = Date.now();
  }
}
