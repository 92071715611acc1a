import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Msg, Subscription } from 'nats';
import {
  AppError,
  Caller,
  callerSchema,
  decodeInvokeFrame,
  encodeInvokeFrame,
  ErrorBody,
  InvokeReplyMeta,
  InvokeRequestMeta,
  invokeRequestMetaSchema,
  mayUse,
  ONDEMAND_INVOKE_SUBJECT,
  OndemandOutcome,
  RESPONSE_EXCERPT_MAX,
} from '@cleargate/contracts';
import { NatsService } from '@cleargate/messaging';
import { InjectLogger, LATENCY_BUCKETS_SECONDS, Logger, Metrics, sanitizeCorrelationId } from '@cleargate/observability';
import { CallLogBatcher } from '../calllogs/call-log-batcher';
import { ROUTER_CONFIG, RouterConfig } from '../config';
import { Resolution, RoutingCache } from '../routing/routing-cache';
import { PredictionCounter } from '../predictions/prediction-counter';
import { UpstreamClient, UpstreamFailure, UpstreamResponse } from '../upstream/upstream-client';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** prom-client children of one endpoint label, looked up once instead of hashing labels per call. */
interface EndpointMetrics {
  machine: string;
  endpoint: string;
  outcomes: Map<string, { inc(): void }>;
  total: { observe(v: number): void };
  upstream: { observe(v: number): void };
  requestBytes: { inc(v: number): void };
  responseBytes: { inc(v: number): void };
}

interface Outcome {
  status: number;
  outcome: OndemandOutcome;
  contentType: string | undefined;
  body: Uint8Array;
  error: string | null;
  upstreamMs: number | null;
  isErrorEnvelope: boolean;
}

/**
 * The hot path: takes an invocation from the gateway (queue group, so router replicas share
 * the load), resolves the route from memory, checks the caller may use the endpoint, calls
 * the serving machine and replies with its answer. Upstream 2xx/4xx pass through with their
 * body; 5xx → 502, timeout → 504, unreachable or open circuit → 503. Every call leaves one
 * call-log record.
 */
@Injectable()
export class InvokeHandler implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription?: Subscription;
  private inflight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly requests;
  private readonly totalDuration;
  private readonly upstreamDuration;
  private readonly requestBytes;
  private readonly responseBytes;
  private readonly inflightGauge;
  private readonly byEndpoint = new Map<string, EndpointMetrics>();

  constructor(
    private readonly nats: NatsService,
    private readonly routes: RoutingCache,
    private readonly upstream: UpstreamClient,
    private readonly calllogs: CallLogBatcher,
    private readonly predictions: PredictionCounter,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    // Labelled by machine and endpoint name (both registered by admins, so bounded): the same
    // endpoint name on two machines stays two series.
    const labels = ['machine', 'endpoint'] as const;
    this.requests = metrics.counter('requests_total', 'On-demand invocations, by machine, endpoint and outcome', [...labels, 'outcome']);
    this.totalDuration = metrics.histogram(
      'request_duration_seconds',
      'Time from receiving an invocation to replying',
      labels,
      LATENCY_BUCKETS_SECONDS,
    );
    this.upstreamDuration = metrics.histogram(
      'upstream_duration_seconds',
      'Time spent waiting for the serving machine',
      labels,
      LATENCY_BUCKETS_SECONDS,
    );
    this.requestBytes = metrics.counter('request_bytes_total', 'Bytes of model input forwarded', labels);
    this.responseBytes = metrics.counter('response_bytes_total', 'Bytes of model answers relayed', labels);
    this.inflightGauge = metrics.gauge('in_flight_requests', 'Invocations being handled now');
    routes.onMachineChange((machine) => upstream.forget(machine));
  }

  onApplicationBootstrap(): void {
    this.subscription = this.nats.connection.subscribe(this.nats.subject(ONDEMAND_INVOKE_SUBJECT), {
      queue: 'cleargate.ondemand-router',
      callback: (err, msg) => {
        if (err) return this.logger.error({ err }, 'invoke subscription error');
        void this.handle(msg);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    // drain() lets the invocations already received finish before the connection closes.
    await this.subscription?.drain();
  }

  private async handle(msg: Msg): Promise<void> {
    const started = performance.now();
    await this.acquire();
    let meta: InvokeRequestMeta | null = null;
    let caller: Caller | null = null;
    let correlationId: string | undefined;
    let requestBytes = msg.data.length;
    let resolved: Resolution = { machine: null, endpoint: null };
    let result: Outcome;
    try {
      let payload: Uint8Array;
      try {
        ({ meta, payload } = decodeInvokeFrame(msg.data, invokeRequestMetaSchema));
      } catch (err) {
        throw new AppError('invalid_argument', (err as Error).message);
      }
      requestBytes = payload.length;
      // The correlation id travels explicitly, not through AsyncLocalStorage (see libs/observability).
      correlationId = sanitizeCorrelationId(meta.correlation_id);
      caller = parseCaller(meta.caller);
      resolved = await this.routes.resolve(meta.machine_id, meta.endpoint);
      const { machine, endpoint } = resolved;
      if (!machine || !endpoint || !machine.enabled || !endpoint.enabled) {
        throw new AppError('not_found', `no enabled endpoint "${meta.endpoint}" on machine ${meta.machine_id}`);
      }
      if (!mayUse(caller, endpoint)) throw new AppError('forbidden', `endpoint "${meta.endpoint}" is not shared with you`);
      const answer = await this.upstream.invoke({
        machine,
        endpoint,
        body: payload,
        contentType: meta.content_type,
        accept: meta.accept,
        correlationId,
      });
      result = fromUpstream(answer, machine.name);
      if (result.outcome === 'ok' && endpoint.count_predictions)
        this.predictions.observe(machine, endpoint, answer.contentType, answer.body);
    } catch (err) {
      result = fromError(err);
      if (result.status >= 500 && !(err instanceof UpstreamFailure))
        this.logger.error({ err, correlation_id: correlationId }, 'invocation failed');
    } finally {
      this.release();
    }

    if (msg.reply) {
      const replyMeta: InvokeReplyMeta = { status: result.status };
      if (result.contentType) replyMeta.content_type = result.contentType;
      if (result.isErrorEnvelope) replyMeta.error = true;
      msg.respond(encodeInvokeFrame(replyMeta, result.body));
    }

    const durationMs = performance.now() - started;
    correlationId ??= randomUUID(); // the frame could not be read
    const endpointName = meta?.endpoint ?? '';
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug(
        { correlation_id: correlationId, endpoint: endpointName, status: result.status, outcome: result.outcome, duration_ms: durationMs },
        'invocation handled',
      );
    }
    const m = this.metricsFor(resolved.machine?.name ?? '(unresolved)', resolved.endpoint?.name ?? '(unresolved)');
    let outcomeCounter = m.outcomes.get(result.outcome);
    if (!outcomeCounter) m.outcomes.set(result.outcome, (outcomeCounter = this.requests.labels(m.machine, m.endpoint, result.outcome)));
    outcomeCounter.inc();
    m.total.observe(durationMs / 1000);
    if (result.upstreamMs !== null) m.upstream.observe(result.upstreamMs / 1000);
    m.requestBytes.inc(requestBytes);
    m.responseBytes.inc(result.body.length);
    this.calllogs.add({
      id: randomUUID(),
      at: new Date().toISOString(),
      correlation_id: correlationId,
      caller: caller?.username ?? '(unknown)',
      machine_id: meta?.machine_id ?? '',
      machine_name: resolved.machine?.name ?? null,
      endpoint: endpointName,
      route: meta?.route ?? 'v1',
      status_code: result.status,
      outcome: result.outcome,
      duration_ms: Math.round(durationMs * 1000) / 1000,
      upstream_ms: result.upstreamMs === null ? null : Math.round(result.upstreamMs * 1000) / 1000,
      request_bytes: requestBytes,
      response_bytes: result.body.length,
      error: result.error,
      response_excerpt: this.config.CALLLOG_RESPONSE_EXCERPT && !result.isErrorEnvelope ? excerpt(result) : null,
    });
  }

  private metricsFor(machine: string, endpoint: string): EndpointMetrics {
    const key = `${machine}\u0000${endpoint}`;
    let m = this.byEndpoint.get(key);
    if (!m) {
      m = {
        machine,
        endpoint,
        outcomes: new Map(),
        total: this.totalDuration.labels(machine, endpoint),
        upstream: this.upstreamDuration.labels(machine, endpoint),
        requestBytes: this.requestBytes.labels(machine, endpoint),
        responseBytes: this.responseBytes.labels(machine, endpoint),
      };
      // Renamed or deleted endpoints leave their series; the map stays bounded by what was registered.
      if (this.byEndpoint.size > 10_000) this.byEndpoint.clear();
      this.byEndpoint.set(key, m);
    }
    return m;
  }

  private acquire(): Promise<void> {
    this.inflight++;
    this.inflightGauge.inc();
    if (this.inflight <= this.config.INVOKE_CONCURRENCY) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    this.inflight--;
    this.inflightGauge.dec();
    this.waiting.shift()?.();
  }
}

/** One token's calls all carry the same caller text: parse and validate each distinct one once. */
const callers = new Map<string, Caller>();

function parseCaller(json: string): Caller {
  let caller = callers.get(json);
  if (caller) return caller;
  try {
    caller = callerSchema.parse(JSON.parse(json));
  } catch {
    throw new AppError('unauthenticated', 'the invocation carries no valid caller identity');
  }
  if (callers.size >= 10_000) callers.clear();
  callers.set(json, caller);
  return caller;
}

function fromUpstream(answer: UpstreamResponse, machine: string): Outcome {
  if (answer.status >= 500) {
    const text = decoder.decode(answer.body.subarray(0, 500));
    return envelope(
      502,
      'upstream_error',
      {
        code: 'upstream_error',
        message: `the serving machine ${machine} answered ${answer.status}`,
        details: { upstream_status: answer.status, upstream_body: text },
      },
      answer.upstreamMs,
    );
  }
  return {
    status: answer.status,
    outcome: answer.status >= 400 ? 'client_error' : 'ok',
    contentType: answer.contentType,
    body: answer.body,
    error: answer.status >= 400 ? `upstream answered ${answer.status}` : null,
    upstreamMs: answer.upstreamMs,
    isErrorEnvelope: false,
  };
}

function fromError(err: unknown): Outcome {
  if (err instanceof UpstreamFailure) {
    switch (err.kind) {
      case 'timeout':
        return envelope(504, 'timeout', { code: 'upstream_timeout', message: err.message }, err.upstreamMs);
      case 'circuit_open':
        return envelope(503, 'circuit_open', { code: 'circuit_open', message: err.message }, null);
      case 'refused':
        return envelope(503, 'unavailable', { code: 'unavailable', message: err.message }, err.upstreamMs);
      default:
        return envelope(502, 'upstream_error', { code: 'upstream_error', message: err.message }, err.upstreamMs);
    }
  }
  const app = err instanceof AppError ? err : new AppError('internal', 'internal error');
  const outcome: OndemandOutcome =
    app.code === 'not_found'
      ? 'not_found'
      : app.code === 'forbidden'
        ? 'forbidden'
        : app.httpStatus >= 500
          ? 'unavailable'
          : 'client_error';
  return envelope(app.httpStatus, outcome, app.toBody(), null);
}

function envelope(status: number, outcome: OndemandOutcome, error: ErrorBody, upstreamMs: number | null): Outcome {
  return {
    status,
    outcome,
    contentType: 'application/json',
    body: encoder.encode(JSON.stringify(error)),
    error: error.message.slice(0, 1000),
    upstreamMs,
    isErrorEnvelope: true,
  };
}

function excerpt(result: Outcome): string | null {
  const type = result.contentType ?? '';
  if (!/json|text|xml/.test(type) || !result.body.length) return null;
  return decoder.decode(result.body.subarray(0, RESPONSE_EXCERPT_MAX)).slice(0, RESPONSE_EXCERPT_MAX);
}
