import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  AppError,
  CallRoute,
  Caller,
  EnqueueCallRecord,
  mayUse,
  queueAllowed,
  readableBy,
  MessagePayload,
  Run,
  RunListFilter,
  runRequested,
  RunStatus,
} from '@cleargate/contracts';
import { awaitStreams, MessagePublisher, NatsService, StreamFullError } from '@cleargate/messaging';
import { Clock, currentCorrelationId, InjectClock, InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { CallLogsRepository } from '../calllogs/calllogs.repository';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';
import { PolicyService } from '../policy/policy.service';
import { ParamsValidator } from '../tasks/params-validator';
import { TaskTemplateEntity } from '../tasks/task-template.entity';
import { RunAcceptance, VersionedTemplate } from './run-acceptance';
import { RunEntity } from './run.entity';
import { RunStatusFollower } from './run-status.follower';
import { RunsRepository, toRun } from './runs.repository';

const RUN_REFUSAL_REASONS = ['runs_per_day', 'concurrent_runs', 'queue_not_allowed', 'suspended'] as const;

/** Seconds a caller over its concurrent runs is told to wait: runs end when they end. */
const RUN_SLOT_RETRY_AFTER_S = 30;

function rateLimited(message: string, reason: string, retryAfterSeconds: number): AppError {
  return new AppError('rate_limited', message, { reason, retry_after_s: retryAfterSeconds });
}

export interface CreateRun {
  task_id: string;
  queue?: string | null | undefined;
  params: Record<string, unknown>;
  route: CallRoute;
}

/**
 * The run lifecycle: create, read, list. A run is stored first and then published to the
 * enqueue work queue with its id as message id; a sweeper republishes runs still waiting after a
 * minute, so a run accepted while NATS hiccuped is not lost (JetStream drops the duplicate
 * publishes and the worker is idempotent per run id). Status events move runs forward in
 * RunStatusFollower, which also wakes the long-polls of `get`.
 */
@Injectable()
export class RunsService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly created;
  private readonly refusals;

  constructor(
    private readonly runs: RunsRepository,
    private readonly calllogs: CallLogsRepository,
    private readonly params: ParamsValidator,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsService,
    private readonly follower: RunStatusFollower,
    private readonly policy: PolicyService,
    private readonly acceptance: RunAcceptance,
    metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @InjectClock() private readonly clock: Clock,
  ) {
    this.created = metrics.counter('runs_created_total', 'Runs accepted or refused at creation, by outcome', ['outcome']);
    this.refusals = metrics.counter('limit_refusals_total', 'Runs refused by a limit, a queue not allowed or a suspension, by reason', [
      'reason',
    ]);
    for (const reason of RUN_REFUSAL_REASONS) this.refusals.inc({ reason }, 0);
  }

  async onModuleInit(): Promise<void> {
    await awaitStreams(this.nats, ['enqueue'], this.logger);
    this.sweeper = setInterval(() => void this.republishPending(), this.config.RUN_REPUBLISH_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  async create(caller: Caller, input: CreateRun): Promise<Run> {
    const started = performance.now();
    const refuse = async (template: TaskTemplateEntity | null, refusal: AppError): Promise<never> => {
      await this.recordRefusal(caller, input, template, refusal, performance.now() - started);
      throw refusal;
    };
    await this.policy.assertNotSuspended(caller.username).catch(async (err: unknown) => {
      if (err instanceof AppError) await refuse(null, err);
      throw err;
    });
    // A kept template first. A run it refuses is checked again against the stored template, and
    // one it accepts is stored only if the template has not changed since (else read and checked again).
    for (let attempt = 0; ; attempt++) {
      const found = await this.acceptance.template(input.task_id, attempt > 0);
      const template = found?.template ?? null;
      const refusal = this.refusal(caller, input, template);
      if (refusal && found?.kept) continue;
      if (refusal) return refuse(template, refusal);
      const run = this.newRun(caller, input, template!);
      const quotas = this.policy.runLimits(caller, template!.publicId);
      if (quotas.limits.runs_per_day === null && quotas.limits.max_concurrent_runs === null) {
        if (await this.acceptance.store(run, found!.version)) return this.accepted(caller, input, run, template!, started);
        this.acceptance.forget(input.task_id);
        if (attempt >= 2) throw new AppError('conflict', 'the task changed while the run was being accepted; try again');
        continue;
      }
      // Run quotas count the caller's runs under a lock of theirs, one run at a time; checked
      // against the stored template, never a kept one.
      if (found!.kept) continue;
      try {
        await this.storeWithinQuotas(run, template!, quotas);
      } catch (err) {
        if (err instanceof AppError) return refuse(template, err);
        throw err;
      }
      return this.accepted(caller, input, run, template!, started);
    }
  }

  /** Why the caller may not run the template on this queue with these params, or null. */
  private refusal(caller: Caller, input: CreateRun, template: TaskTemplateEntity | null): AppError | null {
    try {
      if (!template || !template.enabled) return AppError.notFound('task', input.task_id);
      if (
        !mayUse(caller, {
          owner: template.owner,
          owner_subject: template.ownerSubject,
          visibility: template.visibility,
          shared_with: template.sharedWith,
        })
      ) {
        return new AppError('forbidden', 'this task is not shared with you');
      }
      // Checked before anything is stored or published: a refused queue never reaches ClearML.
      const queue = input.queue ?? template.defaultQueue;
      if (!queueAllowed({ default_queue: template.defaultQueue, allowed_queues: template.allowedQueues }, queue)) {
        return new AppError('forbidden', `queue "${queue}" is not allowed for this task`, {
          reason: 'queue_not_allowed',
          allowed_queues: [template.defaultQueue, ...template.allowedQueues],
        });
      }
      if (template.paramsSchema)
        this.params.validate(`${template.id}:${template.updatedAt.getTime()}`, template.paramsSchema, input.params);
      return null;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }

  private newRun(caller: Caller, input: CreateRun, template: TaskTemplateEntity): RunEntity {
    const now = new Date(this.clock.now());
    return Object.assign(new RunEntity(), {
      id: randomUUID(),
      templateId: template.id,
      taskPublicId: template.publicId,
      templateName: template.name,
      caller: caller.username,
      callerSubject: caller.subject,
      params: input.params,
      queue: input.queue ?? template.defaultQueue,
      status: 'accepted' as const,
      route: input.route,
      clearmlTaskId: null,
      error: null,
      errorCode: null,
      attempts: 0,
      correlationId: currentCorrelationId() ?? randomUUID(),
      createdAt: now,
      updatedAt: now,
      queuedAt: null,
      startedAt: null,
      finishedAt: null,
      worker: null,
      gpuSeconds: null,
    });
  }

  /** The run is stored: hand it to the enqueue worker through JetStream. */
  private async accepted(caller: Caller, input: CreateRun, run: RunEntity, template: TaskTemplateEntity, started: number): Promise<Run> {
    try {
      await this.publish(run, template);
    } catch (err) {
      if (err instanceof StreamFullError) {
        // JetStream refused it for good (the queue is full): the caller is told, and no run is
        // left behind that was accepted but never queued.
        await this.runs.withdraw(run.id);
        const refusal = new AppError('unavailable', 'the run queue is full; try again later');
        await this.recordRefusal(caller, input, template, refusal, performance.now() - started);
        this.logger.error({ err: err.message, run_id: run.id }, 'run refused: the ENQUEUE stream is full');
        throw refusal;
      }
      // NATS away or slow: the run is stored, and the sweeper publishes it once NATS is back.
      this.logger.warn({ err, run_id: run.id }, 'could not publish the run yet; the sweeper will');
    }
    this.created.inc({ outcome: 'accepted' });
    return toRun(run);
  }

  /** Stores the run once the caller's run quotas allow it, or throws 429. */
  private async storeWithinQuotas(
    run: RunEntity,
    template: TaskTemplateEntity,
    { limits, scoped }: ReturnType<PolicyService['runLimits']>,
  ): Promise<RunEntity> {
    const now = run.createdAt;
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    return this.runs.insertWithin(
      run,
      {
        dayStart,
        templateIdForDay: scoped.runs_per_day ? template.id : null,
        templateIdForActive: scoped.max_concurrent_runs ? template.id : null,
      },
      ({ today, active }) => {
        if (limits.runs_per_day !== null && today >= limits.runs_per_day) {
          const retryAfter = Math.max(1, Math.ceil((dayStart.getTime() + 86_400_000 - Date.now()) / 1000));
          throw rateLimited(
            `you have started ${today} run(s) today, your limit is ${limits.runs_per_day} per day`,
            'runs_per_day',
            retryAfter,
          );
        }
        if (limits.max_concurrent_runs !== null && active >= limits.max_concurrent_runs) {
          throw rateLimited(
            `you have ${active} run(s) not finished, your limit is ${limits.max_concurrent_runs} at once`,
            'concurrent_runs',
            RUN_SLOT_RETRY_AFTER_S,
          );
        }
      },
    );
  }

  /** Long-poll: returns once the status is not in `untilNot` (default: the current one) or after `waitMs`. */
  async get(caller: Caller, runId: string, waitMs: number, untilNot?: RunStatus[]): Promise<Run> {
    if (waitMs <= 0) return toRun(await this.visible(caller, runId));
    const watch = this.follower.watch(runId, waitMs);
    let run: RunEntity;
    try {
      run = await this.visible(caller, runId);
    } catch (err) {
      watch.cancel();
      throw err;
    }
    const waitingFor = untilNot ?? [run.status];
    if (!waitingFor.includes(run.status)) {
      watch.cancel();
      return toRun(run);
    }
    // At the deadline the stored run answers, whatever was (or was not) heard.
    return (await watch.until(waitingFor)) ?? toRun((await this.runs.findById(runId)) ?? run);
  }

  list(caller: Caller, page: { limit: number; cursor?: string }, filter: RunListFilter) {
    return this.runs.list(readableBy(caller, filter), page);
  }

  private async visible(caller: Caller, runId: string): Promise<RunEntity> {
    const run = await this.runs.findById(runId);
    // A run is its caller's by subject; one stored before subjects were kept, by user name.
    const own = run && (run.callerSubject ? run.callerSubject === caller.subject : run.caller === caller.username);
    if (!run || (!caller.admin && !own)) throw AppError.notFound('run', runId);
    return run;
  }

  private publish(run: RunEntity, template: Pick<TaskTemplateEntity, 'clearmlTaskId' | 'name' | 'paramsSection' | 'publicId'>) {
    const payload: MessagePayload<typeof runRequested> = {
      run_id: run.id,
      task_id: template.publicId,
      clearml_task_id: template.clearmlTaskId,
      template_name: template.name,
      params_section: template.paramsSection,
      queue: run.queue,
      params: run.params,
      caller: run.caller,
      caller_subject: run.callerSubject,
      route: run.route,
      requested_at: run.createdAt.toISOString(),
    };
    return this.publisher.publish(runRequested, payload, { msgId: run.id, headers: { 'x-correlation-id': run.correlationId } });
  }

  private async republishPending(): Promise<void> {
    try {
      const pending = await this.runs.pendingOlderThan(new Date(this.clock.now() - this.config.RUN_REPUBLISH_AFTER_MS), 500);
      const templates = new Map<string, VersionedTemplate | null>();
      for (const run of pending) {
        if (!templates.has(run.templateId)) templates.set(run.templateId, await this.acceptance.template(run.templateId));
      }
      // The page's publishes go out together and their acknowledgements are awaited together.
      await Promise.all(
        pending.map(async (run) => {
          const found = templates.get(run.templateId);
          if (found) await this.publish(run, found.template);
        }),
      );
      if (pending.length) this.logger.info({ runs: pending.length }, 'republished runs still waiting for the enqueue worker');
    } catch (err) {
      this.logger.warn({ err }, 'republishing pending runs failed; will retry');
    }
  }

  private async recordRefusal(caller: Caller, input: CreateRun, template: TaskTemplateEntity | null, err: AppError, durationMs: number) {
    const record: EnqueueCallRecord = {
      id: randomUUID(),
      at: new Date(this.clock.now()).toISOString(),
      correlation_id: currentCorrelationId() ?? randomUUID(),
      caller: caller.username,
      caller_subject: caller.subject,
      task_id: input.task_id,
      template_name: template?.name ?? null,
      run_id: null,
      clearml_task_id: null,
      queue: input.queue ?? template?.defaultQueue ?? null,
      route: input.route,
      outcome: 'rejected',
      duration_ms: durationMs,
      attempts: 0,
      error: `${err.code}: ${err.message}`.slice(0, 2000),
    };
    this.created.inc({ outcome: err.code });
    const reason = (err.details as { reason?: string } | undefined)?.reason;
    if (reason && (RUN_REFUSAL_REASONS as readonly string[]).includes(reason)) this.refusals.inc({ reason });
    await this.calllogs.insertEnqueue([record]).catch((e) => this.logger.warn({ err: e }, 'could not log a refused run'));
  }
}
