import { Inject, Injectable } from '@nestjs/common';
import { ClearmlApiError } from '@cleargate/clearml';
import { MessageContext } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ClearmlAdapter } from '../clearml/clearml.adapter';
import { WORKER_CONFIG, WorkerConfig } from '../config';
import { buildCloneRequest, RunRequest, TemplateTask } from './clone-request';
import { classifyFailure, RetryLaterError, UnknownQueueError } from './failures';
import { LookupCache } from './lookup-cache';
import { RunEvents, runDurationMs } from './run-events';

/** Seconds from the request to the outcome; retries can stretch a run over many minutes. */
const RUN_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const RUN_OUTCOMES = ['queued', 'failed'] as const;

/** What a delivery got done before it failed: a failed run still names the clone it made. */
interface Progress {
  clearmlTaskId?: string;
}

interface Enqueued {
  clearmlTaskId: string;
  /** How the task got to ClearML's queue in this delivery. */
  path: 'cloned' | 'enqueued_existing_clone' | 'found_queued';
}

/**
 * Starts one run in ClearML, exactly once per run id whatever happens to deliveries:
 *
 * 1. look for a clone carrying the run's tag (left by an earlier delivery): if it is already
 *    queued or further along, only report; if it is still a draft, only enqueue it;
 * 2. otherwise read the template task (cached), resolve the queue (cached; an unknown queue
 *    fails the run before anything is created), and make ONE `tasks.clone` with the merged
 *    hyperparameters, the cleared container and the run's tags;
 * 3. `tasks.enqueue` it by queue id.
 *
 * Steady state: one read and two writes per run. Transient failures are rethrown for the
 * consumer to redeliver with backoff (after publishing `retrying`); permanent ones fail the run.
 */
@Injectable()
export class EnqueueRunService {
  private readonly templates: LookupCache<TemplateTask>;
  private readonly queues: LookupCache<string>;
  private readonly runs;
  private readonly retries;
  private readonly durations;
  private readonly inFlight;

  constructor(
    private readonly clearml: ClearmlAdapter,
    private readonly events: RunEvents,
    @Inject(WORKER_CONFIG) config: WorkerConfig,
    metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.templates = new LookupCache({ max: config.TEMPLATE_CACHE_MAX, ttlMs: config.TEMPLATE_CACHE_TTL_MS });
    this.queues = new LookupCache({ max: 10_000, ttlMs: config.QUEUE_CACHE_TTL_MS });
    // One outcome per run (queued or failed), so sum() is the number of runs; retries are counted
    // apart, and runs given up also show in dead_letters_total{consumer="enqueue-worker"}.
    this.runs = metrics.counter('runs_total', 'Runs by outcome: queued in ClearML or failed', ['outcome']);
    for (const outcome of RUN_OUTCOMES) this.runs.inc({ outcome }, 0);
    this.retries = metrics.counter('run_retries_total', 'Run attempts that failed transiently and will be retried');
    this.retries.inc(0);
    this.durations = metrics.histogram(
      'run_duration_seconds',
      'Time from the run request to its outcome (queued in ClearML or failed)',
      ['outcome'],
      RUN_DURATION_BUCKETS,
    );
    this.inFlight = metrics.gauge('in_flight_runs', 'Runs being worked on by this process');
  }

  /** Resolves when the run's outcome is stored (ack); throws when the delivery should be retried (nak) or given up. */
  async handle(run: RunRequest, ctx: MessageContext): Promise<void> {
    this.inFlight.inc();
    const log = this.logger.child({ run_id: run.run_id, delivery: ctx.deliveryCount });
    try {
      const progress: Progress = {};
      let result: Enqueued;
      try {
        result = await this.start(run, ctx, progress);
      } catch (err) {
        await this.onFailure(run, ctx, err, progress, log);
        return;
      }
      await this.events.finished(run, {
        outcome: 'queued',
        clearmlTaskId: result.clearmlTaskId,
        attempts: ctx.deliveryCount,
        error: null,
        correlationId: ctx.correlationId,
      });
      this.count('queued', run);
      log.info({ clearml_task_id: result.clearmlTaskId, queue: run.queue, path: result.path }, 'run queued in ClearML');
    } finally {
      this.inFlight.dec();
    }
  }

  private async start(run: RunRequest, ctx: MessageContext, progress: Progress): Promise<Enqueued> {
    const [existing] = await this.clearml.findRunClones(run.run_id);
    if (existing && existing.status !== 'created') return { clearmlTaskId: existing.id, path: 'found_queued' };
    if (existing) {
      progress.clearmlTaskId = existing.id;
      await this.enqueue(run, existing.id, await this.queueId(run.queue), ctx);
      return { clearmlTaskId: existing.id, path: 'enqueued_existing_clone' };
    }
    const template = await this.templates.get(run.clearml_task_id, () => this.clearml.getTemplate(run.clearml_task_id));
    // Resolved before cloning, so an unknown queue leaves no orphan clone behind.
    const queueId = await this.queueId(run.queue);
    ctx.working();
    let taskId: string;
    try {
      taskId = await this.clearml.clone(buildCloneRequest(run, template));
    } catch (err) {
      if (err instanceof ClearmlApiError && err.name === 'invalid_task_id') this.templates.delete(run.clearml_task_id);
      throw err;
    }
    progress.clearmlTaskId = taskId;
    await this.enqueue(run, taskId, queueId, ctx);
    return { clearmlTaskId: taskId, path: 'cloned' };
  }

  private async enqueue(run: RunRequest, taskId: string, queueId: string, ctx: MessageContext): Promise<void> {
    ctx.working();
    try {
      await this.clearml.enqueue(taskId, queueId);
    } catch (err) {
      if (err instanceof ClearmlApiError && err.name === 'invalid_queue_id') {
        // The queue was deleted (maybe recreated) since it was cached: resolve it again on redelivery.
        this.queues.delete(run.queue);
        throw new RetryLaterError(`queue "${run.queue}" changed in ClearML since it was resolved`);
      }
      throw err;
    }
  }

  private queueId(name: string): Promise<string> {
    return this.queues.get(name, async () => {
      const id = await this.clearml.findQueueId(name);
      if (!id) throw new UnknownQueueError(name);
      return id;
    });
  }

  private async onFailure(run: RunRequest, ctx: MessageContext, err: unknown, progress: Progress, log: Logger): Promise<void> {
    const failure = classifyFailure(err);
    if (failure.retry && !ctx.lastAttempt) {
      log.warn({ err, attempts: ctx.deliveryCount }, 'run attempt failed, will retry');
      await this.events.retrying(run, ctx.deliveryCount, failure.message);
      this.retries.inc();
      throw err;
    }
    const message = failure.retry ? `gave up after ${ctx.deliveryCount} attempts: ${failure.message}` : failure.message;
    await this.events.finished(run, {
      outcome: 'failed',
      clearmlTaskId: progress.clearmlTaskId ?? null,
      attempts: ctx.deliveryCount,
      error: message,
      errorCode: failure.retry ? 'upstream_error' : failure.code,
      correlationId: ctx.correlationId,
    });
    this.count('failed', run);
    if (failure.retry) {
      log.error({ err, attempts: ctx.deliveryCount }, 'run given up; moving it to the dead-letter subject');
      // On the last delivery the consumer moves the message to the dead-letter subject, for replay.
      throw new Error(message);
    }
    log.warn({ error: message, error_code: failure.code }, 'run failed');
  }

  private count(outcome: 'queued' | 'failed', run: RunRequest): void {
    this.runs.inc({ outcome });
    this.durations.observe({ outcome }, runDurationMs(run, new Date()) / 1000);
  }
}
