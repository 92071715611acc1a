import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClearmlApiError, ClearmlClient, createServiceClearmlClient, TasksCloneRequest } from '@cleargate/clearml';
import { runTag } from '@cleargate/contracts';
import { HealthRegistry, InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { WORKER_CONFIG, WorkerConfig } from '../config';
import { exactMatchRegex, TemplateTask } from '../runs/clone-request';

/** A task found by its run tag: enough to tell whether it still has to be enqueued. */
export interface RunClone {
  id: string;
  status: string;
  queue: string | null;
}

/**
 * Every ClearML call of the worker, on one typed REST client (token cache, pooled
 * connections, per-call retries that never repeat a write the server may have applied).
 * Each HTTP request is counted by endpoint and outcome.
 */
@Injectable()
export class ClearmlAdapter implements OnApplicationShutdown {
  private readonly client: ClearmlClient;

  constructor(@Inject(WORKER_CONFIG) config: WorkerConfig, metrics: Metrics, @InjectLogger() logger: Logger, health: HealthRegistry) {
    this.client = createServiceClearmlClient(
      config,
      {
        timeoutMs: config.CLEARML_TIMEOUT_MS,
        connections: config.CLEARML_CONNECTIONS,
        retry: { maxAttempts: config.CLEARML_RETRY_ATTEMPTS },
      },
      { metrics, logger },
    );
    // server.info needs a token, so readiness also proves the credentials work.
    health.register('clearml', async () => {
      await this.client.server.info();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  /** The clones carrying the run's tag, most advanced first (there is one unless someone copied the tag). */
  async findRunClones(runId: string): Promise<RunClone[]> {
    const { tasks } = await this.client.tasks.getAll({
      system_tags: [runTag(runId)],
      only_fields: ['id', 'status', 'execution.queue'],
      search_hidden: true,
    });
    return tasks
      .map((t) => ({ id: t.id, status: t.status ?? 'unknown', queue: t.execution?.queue ?? null }))
      .sort((a, b) => Number(a.status === 'created') - Number(b.status === 'created') || (a.id < b.id ? -1 : 1));
  }

  async getTemplate(taskId: string): Promise<TemplateTask> {
    const task = await this.client.tasks.getById(taskId);
    return { id: task.id, name: task.name, project: task.project, hyperparams: task.hyperparams ?? {} };
  }

  async clone(request: TasksCloneRequest): Promise<string> {
    const { id } = await this.client.tasks.clone(request);
    return id;
  }

  /**
   * A queue's id by exact name, as the SDK's `get_queue_id` does after its id lookup. Never
   * `tasks.enqueue` with `queue_name`: that creates a missing queue nobody serves.
   */
  async findQueueId(name: string): Promise<string | undefined> {
    const { queues } = await this.client.queues.getAll({ name: exactMatchRegex(name), only_fields: ['id', 'name'] });
    return queues.find((q) => q.name === name)?.id ?? queues[0]?.id;
  }

  /**
   * Stops a clone (ClearML dequeues a queued one; a running one is left to its agent). `force`
   * for a draft, which the status rules would not let stop otherwise.
   */
  async stop(taskId: string, reason: string, force: boolean): Promise<void> {
    await this.client.tasks.stop({ task: taskId, force, status_reason: reason.slice(0, 500), status_message: 'stopped by ClearGate' });
  }

  /** Enqueues a task; `task_already_queued` counts as done (an earlier delivery got there first). */
  async enqueue(taskId: string, queueId: string): Promise<void> {
    try {
      await this.client.tasks.enqueue({ task: taskId, queue: queueId });
    } catch (err) {
      if (err instanceof ClearmlApiError && err.name === 'task_already_queued') return;
      throw err;
    }
  }
}
