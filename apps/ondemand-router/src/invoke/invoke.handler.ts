import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError, Caller, InvokeRequestMeta, mayUse, ONDEMAND_INVOKE_SUBJECT, queueGroup } from '@cleargate/contracts';
import { FrameRequest, NatsService, serveFrames, SubscriptionHandle } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { InFlightCaps } from '../caps/in-flight-caps';
import { CallLogBatcher } from '../calllogs/call-log-batcher';
import { ROUTER_CONFIG, RouterConfig } from '../config';
import { PredictionCounter } from '../predictions/prediction-counter';
import { Resolution, RoutingCache } from '../routing/routing-cache';
import { UpstreamClient, UpstreamFailure } from '../upstream/upstream-client';
import { InvokeMetrics } from './invoke-metrics';
import {
  callerOf,
  decodeInvocation,
  Invocation,
  Outcome,
  outcomeOfAnswer,
  outcomeOfError,
  replyFrame,
  responseExcerpt,
} from './invocation';

/**
 * The hot path: takes an invocation from the gateway (queue group, so router replicas share
 * the load) and runs it through four steps:
 *
 * 1. decode the frame (target, caller, model input; invocation.ts);
 * 2. route and authorise: resolve the endpoint from memory (RoutingCache), check the caller may use it
 *    and that its machine and endpoint are under their in-flight caps (InFlightCaps);
 * 3. call the serving machine and map its answer or failure to what the caller sees
 *    (2xx/4xx pass through, 5xx → 502, timeout → 504, unreachable or open circuit → 503);
 * 4. reply, then record: metrics and one call-log record per call.
 */
@Injectable()
export class InvokeHandler implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription?: SubscriptionHandle;
  private inflight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly metrics: InvokeMetrics;

  constructor(
    private readonly nats: NatsService,
    private readonly routes: RoutingCache,
    private readonly upstream: UpstreamClient,
    private readonly calllogs: CallLogBatcher,
    private readonly predictions: PredictionCounter,
    private readonly caps: InFlightCaps,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.metrics = new InvokeMetrics(metrics);
    routes.onMachineChange((machine) => upstream.forget(machine));
  }

  onApplicationBootstrap(): void {
    this.subscription = serveFrames(
      this.nats,
      ONDEMAND_INVOKE_SUBJECT,
      queueGroup('ondemand-router'),
      (request) => void this.handle(request),
      this.logger,
    );
  }

  async onModuleDestroy(): Promise<void> {
    // Stop taking invocations, let every one in hand answer and leave its call-log record, then
    // hand the records to JetStream: all before the NATS connection drains and closes.
    await this.subscription?.drain();
    if (this.active) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.calllogs.flush();
  }

  /** Invocations received and not yet answered and recorded. */
  private active = 0;
  private idle?: () => void;

  private async handle(request: FrameRequest): Promise<void> {
    this.active++;
    try {
      await this.invoke(request);
    } finally {
      if (--this.active === 0) this.idle?.();
    }
  }

  private async invoke(request: FrameRequest): Promise<void> {
    const started = performance.now();
    await this.acquire();
    let invocation: Invocation | null = null;
    let caller: Caller | null = null;
    let resolved: Resolution = { machine: null, endpoint: null };
    let result: Outcome;
    try {
      invocation = decodeInvocation(request.data);
      caller = callerOf(invocation.meta);
      resolved = await this.routes.resolve(invocation.meta.machine_id, invocation.meta.endpoint);
      authorise(invocation.meta, caller, resolved);
      const slot = this.caps.acquire(resolved.machine!, resolved.endpoint!);
      try {
        result = await this.call(invocation, resolved);
      } finally {
        slot.release();
      }
    } catch (err) {
      result = outcomeOfError(err);
      if (result.status >= 500 && !(err instanceof UpstreamFailure))
        this.logger.error({ err, correlation_id: invocation?.correlationId }, 'invocation failed');
    } finally {
      this.release();
    }
    request.respond(replyFrame(result));
    this.record(invocation, caller, resolved, result, performance.now() - started, request.data.length);
  }

  /** Step 3: the serving machine's answer, counted by the prediction counter when asked. */
  private async call(invocation: Invocation, { machine, endpoint }: Resolution): Promise<Outcome> {
    const answer = await this.upstream.invoke({
      machine: machine!,
      endpoint: endpoint!,
      body: invocation.payload,
      contentType: invocation.meta.content_type,
      accept: invocation.meta.accept,
      correlationId: invocation.correlationId,
    });
    const result = outcomeOfAnswer(answer, machine!.name);
    if (result.outcome === 'ok' && endpoint!.count_predictions)
      this.predictions.observe(machine!, endpoint!, answer.contentType, answer.body);
    return result;
  }

  /** Step 4: metrics and the call-log record, after the reply has gone. */
  private record(
    invocation: Invocation | null,
    caller: Caller | null,
    resolved: Resolution,
    result: Outcome,
    durationMs: number,
    frameBytes: number,
  ): void {
    const meta = invocation?.meta;
    const correlationId = invocation?.correlationId ?? randomUUID(); // the frame could not be read
    const requestBytes = invocation?.payload.length ?? frameBytes;
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug(
        {
          correlation_id: correlationId,
          endpoint: meta?.endpoint,
          status: result.status,
          outcome: result.outcome,
          duration_ms: durationMs,
        },
        'invocation handled',
      );
    }
    this.metrics.record(
      resolved.machine?.name ?? '(unresolved)',
      resolved.endpoint?.name ?? '(unresolved)',
      result,
      durationMs,
      requestBytes,
    );
    this.calllogs.add({
      id: randomUUID(),
      at: new Date().toISOString(),
      correlation_id: correlationId,
      caller: caller?.username ?? '(unknown)',
      machine_id: meta?.machine_id ?? '',
      machine_name: resolved.machine?.name ?? null,
      endpoint: meta?.endpoint ?? '',
      route: meta?.route ?? 'v1',
      status_code: result.status,
      outcome: result.outcome,
      duration_ms: Math.round(durationMs * 1000) / 1000,
      upstream_ms: result.upstreamMs === null ? null : Math.round(result.upstreamMs * 1000) / 1000,
      request_bytes: requestBytes,
      response_bytes: result.body.length,
      error: result.error,
      response_excerpt: this.config.CALLLOG_RESPONSE_EXCERPT ? responseExcerpt(result) : null,
      prompt_tokens: null,
      completion_tokens: null,
      caller_subject: caller?.subject ?? null,
    });
  }

  private acquire(): Promise<void> {
    this.inflight++;
    this.metrics.inFlight.inc();
    if (this.inflight <= this.config.INVOKE_CONCURRENCY) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    this.inflight--;
    this.metrics.inFlight.dec();
    this.waiting.shift()?.();
  }
}

/** Step 2: the endpoint must exist, be enabled on an enabled machine and be shared with the caller. */
function authorise(meta: InvokeRequestMeta, caller: Caller, { machine, endpoint }: Resolution): void {
  if (!machine || !endpoint || !machine.enabled || !endpoint.enabled) {
    throw new AppError('not_found', `no enabled endpoint "${meta.endpoint}" on machine ${meta.machine_id}`);
  }
  if (!mayUse(caller, endpoint)) throw new AppError('forbidden', `endpoint "${meta.endpoint}" is not shared with you`);
}
