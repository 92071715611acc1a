import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  AppError,
  Caller,
  decodeInvokeFrame,
  ErrorBody,
  OndemandOutcome,
  OPENAI_INVOKE_SUBJECT,
  OPENAI_UPSTREAM_PATHS,
  openaiModelIds,
  openaiModels,
  OpenaiRequestMeta,
  openaiRequestMetaSchema,
  OpenaiRoute,
  queueGroup,
  resolveOpenaiModel,
  RESPONSE_EXCERPT_MAX,
  RpcParsed,
  usableOpenaiRoutes,
} from '@cleargate/contracts';
import { NatsService, RpcHandler, serveStreams, StreamRequest, StreamServer } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics, sanitizeCorrelationId } from '@cleargate/observability';
import { CallLogBatcher } from '../calllogs/call-log-batcher';
import { ROUTER_CONFIG, RouterConfig } from '../config';
import { InvokeMetrics } from '../invoke/invoke-metrics';
import { callerOf } from '../invoke/invocation';
import { RoutingCache } from '../routing/routing-cache';
import { UpstreamClient, UpstreamFailure, UpstreamStream } from '../upstream/upstream-client';
import { OpenaiMetrics } from './openai-metrics';
import { JsonTail, SseRelay, TokenUsage } from './sse-relay';

/** Largest upstream error body kept to pass on (an error answer is small; the rest is cut). */
const ERROR_BODY_MAX = 16 * 1024;

/** One LLM call as it goes: what the call log and the metrics need at its end. */
interface LlmCall {
  started: number;
  meta: OpenaiRequestMeta | null;
  caller: Caller | null;
  route: OpenaiRoute | null;
  requestBytes: number;
  status: number;
  outcome: OndemandOutcome;
  error: string | null;
  upstreamMs: number | null;
  responseBytes: number;
  excerpt: string;
  usage: TokenUsage | null;
}

/**
 * The OpenAI-compatible calls: a request frame from the gateway names the operation and the
 * model; the router resolves the model among the LLM endpoints the caller may use, asks the
 * machine with the model's upstream name (and for usage in streams), and relays the answer as
 * stream frames as it comes, pausing the machine when the caller runs out of credit and aborting
 * it when the caller goes away. Tokens come from the answer's `usage`: the last chunk of a stream
 * (stripped again when the caller did not ask for it) or the end of a JSON answer.
 */
@Injectable()
export class OpenaiHandler implements OnApplicationBootstrap, OnModuleDestroy {
  private server?: StreamServer;
  private readonly metrics: InvokeMetrics;
  private readonly llm: OpenaiMetrics;

  constructor(
    private readonly nats: NatsService,
    private readonly routes: RoutingCache,
    private readonly upstream: UpstreamClient,
    private readonly calllogs: CallLogBatcher,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.metrics = new InvokeMetrics(metrics);
    this.llm = new OpenaiMetrics(metrics);
  }

  onApplicationBootstrap(): void {
    this.server = serveStreams(
      this.nats,
      OPENAI_INVOKE_SUBJECT,
      queueGroup('ondemand-router'),
      (frame) => decodeInvokeFrame(frame, openaiRequestMetaSchema).meta.window,
      (request) => this.handle(request),
      { stallMs: this.config.STREAM_STALL_MS },
      this.logger,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.drain();
    this.server?.close();
  }

  /** GET /openai/v1/models: the LLM endpoints the caller may use, under the names `model` takes. */
  @RpcHandler(openaiModels)
  models({ caller }: RpcParsed<typeof openaiModels>) {
    const usable = usableOpenaiRoutes(this.routes.openaiRoutes(), caller);
    return {
      object: 'list' as const,
      data: openaiModelIds(usable).map(({ id, route }) => ({
        id,
        object: 'model' as const,
        created: route.endpoint.created_at ? Math.floor(Date.parse(route.endpoint.created_at) / 1000) : 0,
        owned_by: route.endpoint.owner,
        machine: route.machine.name,
        machine_id: route.machine.machine_id,
        endpoint: route.endpoint.name,
      })),
    };
  }

  private handle(request: StreamRequest): void {
    const call: LlmCall = {
      started: performance.now(),
      meta: null,
      caller: null,
      route: null,
      requestBytes: request.data.length,
      status: 200,
      outcome: 'ok',
      error: null,
      upstreamMs: null,
      responseBytes: 0,
      excerpt: '',
      usage: null,
    };
    let body: Uint8Array;
    try {
      const decoded = decodeInvokeFrame(request.data, openaiRequestMetaSchema);
      call.meta = decoded.meta;
      call.requestBytes = decoded.payload.length;
      call.caller = callerOf(decoded.meta);
      call.route = this.resolve(decoded.meta, call.caller);
      body = upstreamBody(decoded.payload, call.route, decoded.meta);
    } catch (err) {
      this.refuse(request, call, err);
      this.record(call);
      return;
    }
    // The machine's request goes out first: it is what the first token waits for.
    void this.relay(request, call, body);
    request.accept(call.route.endpoint.timeout_ms);
  }

  /** The model named, among the enabled LLM endpoints the caller may use. */
  private resolve(meta: OpenaiRequestMeta, caller: Caller): OpenaiRoute {
    const usable = usableOpenaiRoutes(this.routes.openaiRoutes(), caller);
    const found = resolveOpenaiModel(meta.model, usable);
    if ('route' in found) return found.route;
    if ('ambiguous' in found) {
      throw new AppError(
        'invalid_argument',
        `The model \`${meta.model}\` is served by several machines: name one of ${found.ambiguous.map((m) => `\`${m}\``).join(', ')}.`,
        { issues: [{ path: 'model', message: 'ambiguous' }], openai_code: 'model_ambiguous' },
      );
    }
    throw new AppError('not_found', `The model \`${meta.model}\` does not exist or you do not have access to it.`, {
      openai_code: 'model_not_found',
    });
  }

  private async relay(request: StreamRequest, call: LlmCall, body: Uint8Array): Promise<void> {
    const { meta, route } = call as { meta: OpenaiRequestMeta; route: OpenaiRoute };
    const machine = route.machine.name;
    const endpoint = route.endpoint.name;
    this.llm.streams.inc();
    let handle: UpstreamStream | undefined;
    let events: SseRelay | null = null;
    const json = new JsonTail();
    let errorBody: Buffer[] | null = null;
    let errorSize = 0;
    let firstData = true;
    const finished = new Promise<void>((resolve) => {
      request.onCancel((reason) => {
        handle?.abort();
        call.outcome = 'cancelled';
        call.error = reason === 'stalled' ? 'the caller took nothing for too long' : 'the caller went away';
        resolve();
      });
      request.onDrain(() => handle?.resume());
      this.upstream
        .stream(
          {
            machine: route.machine,
            path: OPENAI_UPSTREAM_PATHS[meta.operation],
            body,
            correlationId: meta.correlation_id ?? randomUUID(),
            idleTimeoutMs: route.endpoint.timeout_ms,
          },
          {
            onStart: (status, contentType, stream) => {
              handle = stream;
              call.upstreamMs = performance.now() - call.started;
              if (request.cancelled) return stream.abort();
              if (status >= 400) {
                errorBody = [];
                call.status = status >= 500 ? 502 : status;
                call.outcome = status >= 500 ? 'upstream_error' : 'client_error';
                (call as { contentType?: string }).contentType = contentType;
                return;
              }
              call.status = status;
              const isEvents = (contentType ?? '').startsWith('text/event-stream');
              if (isEvents) events = new SseRelay(!meta.include_usage);
              request.head({ status, ...(contentType ? { content_type: contentType } : {}), ...(isEvents ? { events: true } : {}) });
            },
            onData: (chunk) => {
              if (errorBody) {
                if (errorSize < ERROR_BODY_MAX) errorBody.push(chunk.subarray(0, ERROR_BODY_MAX - errorSize));
                errorSize += chunk.length;
                return true;
              }
              if (firstData) {
                firstData = false;
                this.llm.firstToken(machine, endpoint, (performance.now() - call.started) / 1000);
              }
              const out = events ? events.push(chunk) : chunk;
              if (!events) json.push(chunk);
              if (!out.length) return true;
              call.responseBytes += out.length;
              if (call.excerpt.length < RESPONSE_EXCERPT_MAX) call.excerpt += out.toString('utf8', 0, RESPONSE_EXCERPT_MAX);
              return request.write(out);
            },
            onEnd: () => {
              if (errorBody) {
                this.upstreamRefusal(request, call, Buffer.concat(errorBody));
                return resolve();
              }
              const relay = events as SseRelay | null;
              if (relay) {
                const rest = relay.flush();
                if (rest.length) {
                  call.responseBytes += rest.length;
                  request.write(rest);
                }
                call.usage = relay.usage;
                if (relay.error) {
                  call.outcome = 'upstream_error';
                  call.error = `the model sent an error event: ${relay.error}`;
                } else if (!relay.done) {
                  // A stream that ends without [DONE] was cut short: the caller hears so.
                  return resolve(
                    this.failMidStream(request, call, new UpstreamFailure('reset', `${machine} ended the stream without [DONE]`)),
                  );
                }
              } else call.usage = json.usage();
              request.end(call.usage ? { usage: call.usage } : {});
              resolve();
            },
            onError: (err) => resolve(this.failMidStream(request, call, err)),
          },
        )
        .catch((err: unknown) => {
          this.refuse(request, call, err);
          resolve();
        });
    });
    await finished;
    this.llm.streams.dec();
    this.record(call);
  }

  /** The machine answered 4xx/5xx: its error, in OpenAI's shape, with the status the caller should see. */
  private upstreamRefusal(request: StreamRequest, call: LlmCall, raw: Buffer): void {
    const text = raw.toString('utf8');
    const upstream = call.outcome === 'upstream_error' ? 502 : call.status;
    let message = text.slice(0, 500);
    let passThrough: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown; detail?: unknown; object?: unknown };
      if (parsed.error && typeof parsed.error === 'object') {
        message = String(parsed.error.message ?? message);
        if (upstream < 500) passThrough = text; // already OpenAI's shape (vLLM)
      } else if (parsed.object === 'error' && typeof parsed.message === 'string')
        message = parsed.message; // older vLLM
      else if (parsed.detail !== undefined) message = typeof parsed.detail === 'string' ? parsed.detail : JSON.stringify(parsed.detail); // FastAPI
    } catch {
      // not JSON: the text itself
    }
    const error: ErrorBody =
      upstream >= 500
        ? {
            code: 'upstream_error',
            message: `the serving machine ${call.route!.machine.name} answered ${call.status === 502 ? '5xx' : call.status}: ${message}`,
          }
        : { code: upstream === 404 ? 'not_found' : 'invalid_argument', message };
    call.error = error.message.slice(0, 1000);
    request.fail({
      status: upstream,
      error,
      ...(passThrough ? { body: passThrough.slice(0, 65_536), content_type: 'application/json' } : {}),
    });
  }

  /** Before the answer started: a refusal (bad frame, unknown model) or the machine not answering. */
  private refuse(request: StreamRequest, call: LlmCall, err: unknown): void {
    let status: number;
    let error: ErrorBody;
    if (err instanceof UpstreamFailure) {
      status = err.kind === 'timeout' ? 504 : err.kind === 'refused' || err.kind === 'circuit_open' ? 503 : 502;
      error = {
        code:
          err.kind === 'timeout'
            ? 'upstream_timeout'
            : err.kind === 'circuit_open'
              ? 'circuit_open'
              : err.kind === 'refused'
                ? 'unavailable'
                : 'upstream_error',
        message: err.message,
      };
      call.outcome =
        err.kind === 'timeout'
          ? 'timeout'
          : err.kind === 'circuit_open'
            ? 'circuit_open'
            : err.kind === 'refused'
              ? 'unavailable'
              : 'upstream_error';
      call.upstreamMs = err.upstreamMs;
    } else {
      const app = err instanceof AppError ? err : new AppError('invalid_argument', (err as Error)?.message ?? String(err));
      if (!(err instanceof AppError)) this.logger.warn({ err }, 'an OpenAI request frame could not be read');
      status = app.httpStatus;
      error = app.toBody();
      call.outcome =
        app.code === 'not_found' ? 'not_found' : app.code === 'forbidden' ? 'forbidden' : status >= 500 ? 'unavailable' : 'client_error';
    }
    call.status = status;
    call.error = error.message.slice(0, 1000);
    request.fail({ status, error });
  }

  /** After the answer started: the caller gets an error event and the end of the stream. */
  private failMidStream(request: StreamRequest, call: LlmCall, err: UpstreamFailure): void {
    if (request.cancelled) return;
    call.outcome = err.kind === 'timeout' ? 'timeout' : 'upstream_error';
    call.error = err.message.slice(0, 1000);
    request.fail({
      status: err.kind === 'timeout' ? 504 : 502,
      error: { code: err.kind === 'timeout' ? 'upstream_timeout' : 'upstream_error', message: err.message },
    });
  }

  private record(call: LlmCall): void {
    const durationMs = performance.now() - call.started;
    const machine = call.route?.machine.name ?? '(unresolved)';
    const endpoint = call.route?.endpoint.name ?? '(unresolved)';
    this.metrics.observe(machine, endpoint, call.outcome, durationMs, call.upstreamMs, call.requestBytes, call.responseBytes);
    if (call.usage && call.route) this.llm.usage(machine, endpoint, call.usage);
    this.calllogs.add({
      id: randomUUID(),
      at: new Date().toISOString(),
      correlation_id: sanitizeCorrelationId(call.meta?.correlation_id),
      caller: call.caller?.username ?? '(unknown)',
      machine_id: call.route?.machine.machine_id ?? '',
      machine_name: call.route?.machine.name ?? null,
      endpoint: call.route?.endpoint.name ?? (call.meta?.model ?? '').slice(0, 128),
      route: 'openai',
      status_code: call.status,
      outcome: call.outcome,
      duration_ms: Math.round(durationMs * 1000) / 1000,
      upstream_ms: call.upstreamMs === null ? null : Math.round(call.upstreamMs * 1000) / 1000,
      request_bytes: call.requestBytes,
      response_bytes: call.responseBytes,
      error: call.error,
      response_excerpt: this.config.CALLLOG_RESPONSE_EXCERPT && call.excerpt ? call.excerpt.slice(0, RESPONSE_EXCERPT_MAX) : null,
      prompt_tokens: call.usage?.prompt_tokens ?? null,
      completion_tokens: call.usage?.completion_tokens ?? null,
    });
  }
}

/**
 * The body the machine gets: the caller's, with `model` set to the endpoint's name (what the
 * machine serves it under) and, for a stream, `stream_options.include_usage` so that tokens
 * can be counted.
 */
export function upstreamBody(payload: Uint8Array, route: OpenaiRoute, meta: OpenaiRequestMeta): Uint8Array {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    throw new AppError('invalid_argument', 'the request body is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new AppError('invalid_argument', 'the request body must be a JSON object');
  json.model = route.endpoint.name;
  if (meta.stream) {
    const options = json.stream_options && typeof json.stream_options === 'object' ? json.stream_options : {};
    json.stream_options = { ...options, include_usage: true };
  }
  return Buffer.from(JSON.stringify(json));
}
