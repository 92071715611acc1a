import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  AppError,
  Caller,
  encodeInvokeFrame,
  OPENAI_INVOKE_SUBJECT,
  openaiModels,
  openaiModelNameSchema,
  OpenaiRequestMeta,
  StreamError,
  toOpenaiError,
} from '@cleargate/contracts';
import { NatsService, RpcClient, StreamCall } from '@cleargate/messaging';
import type { Logger } from '@cleargate/observability';
import { AuthService, bearerToken } from '../auth/auth.service';
import { CallLimiter, Release } from '../limits/call-limiter';
import { TokenQuota } from '../limits/token-quota';
import { GatewayConfig } from '../config';
import { CorsPolicy } from '../http/cors';
import { toAppError } from '../http/error.filter';
import { requestIdFrom } from '../http/fastify-setup';
import { HttpMetrics, RouteMetrics } from '../http/http-metrics';
import { readRequestBody } from '../http/request-body';
import { parseInput } from '../http/validation';
import { MODEL_PATH, MODELS_PREFIX, OPENAI_ROUTES, OpenaiRoute } from './openai.routes';

const PREFIX = '/openai/';
const JSON_TYPE = 'application/json';
const DONE = Buffer.from('data: [DONE]\n\n');

interface Served {
  route: OpenaiRoute;
  metrics: RouteMetrics;
}

/**
 * The OpenAI-compatible API, served from node:http before Fastify like the on-demand routes
 * (see ondemand.http.ts): a streamed answer needs the raw response, and the time to the first
 * token is the figure these routes are judged by. The Snap4City access token is the bearer, so
 * the official SDKs work with `base_url` = `<gateway>/openai/v1` and `api_key` = the token;
 * errors are in OpenAI's shape. The answer is relayed frame by frame from the router: written
 * as it comes, the router paused (by withholding credit) while the client reads slower than the
 * model writes, and cancelled when the client goes away.
 */
export class OpenaiHttp {
  private readonly callerRole;
  private readonly routes = new Map<string, Served>();
  private readonly subject: string;
  private readonly callerJson = new WeakMap<Caller, string>();

  constructor(
    private readonly auth: AuthService,
    private readonly nats: NatsService,
    private readonly rpc: RpcClient,
    private readonly limiter: CallLimiter,
    private readonly quota: TokenQuota,
    metrics: HttpMetrics,
    private readonly logger: Logger,
    private readonly config: GatewayConfig,
    private readonly cors: CorsPolicy,
  ) {
    this.callerRole = auth.roleFor('caller');
    this.subject = nats.subject(OPENAI_INVOKE_SUBJECT);
    for (const route of OPENAI_ROUTES) this.routes.set(route.path, { route, metrics: metrics.route(route.method, route.path) });
  }

  /** Serves the request if its path is under /openai/ and returns true; false leaves it to Fastify (CORS preflights). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return false;
    // A browser's CORS preflight is answered by the gateway's CORS policy (in Fastify); any other
    // OPTIONS is a method these routes do not take.
    if (req.method === 'OPTIONS' && this.cors.enabled && req.headers['access-control-request-method']) return false;
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const normal = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const served = this.routes.get(normal) ?? (normal.startsWith(MODELS_PREFIX) ? this.routes.get(MODEL_PATH) : undefined);
    const started = performance.now();
    const requestId = requestIdFrom(req.headers);
    if (!served) {
      this.fail(req, res, requestId, new AppError('not_found', `no OpenAI route ${path}`), undefined, started);
      return true;
    }
    if (req.method !== served.route.method) {
      res.setHeader('allow', served.route.method);
      this.fail(
        req,
        res,
        requestId,
        new AppError('method_not_allowed', `${req.method} is not allowed on ${path}`),
        served.metrics,
        started,
      );
      return true;
    }
    if (served.route.operation) void this.invoke(req, res, served, requestId, started);
    else void this.models(req, res, served, normal, requestId, started);
    return true;
  }

  /** `GET /openai/v1/models`, or one of them (MODEL_PATH). */
  private async models(
    req: IncomingMessage,
    res: ServerResponse,
    served: Served,
    path: string,
    requestId: string,
    started: number,
  ): Promise<void> {
    try {
      const caller = await this.auth.authenticate(bearerToken(req.headers.authorization), this.callerRole);
      const id = served.route.path === MODEL_PATH ? modelIdOf(path) : null;
      const list = await this.rpc.request(openaiModels, { caller });
      // `machine` and `endpoint` say where each model lives; OpenAI's clients ignore fields they do not know.
      let answer: unknown = list;
      if (id !== null) {
        answer = list.data.find((m) => m.id === id);
        if (!answer)
          throw new AppError('not_found', `The model \`${id}\` does not exist or you do not have access to it.`, {
            openai_code: 'model_not_found',
          });
      }
      this.send(req, res, 200, requestId, Buffer.from(JSON.stringify(answer)));
      served.metrics.observe(200, (performance.now() - started) / 1000);
    } catch (err) {
      this.fail(req, res, requestId, err, served.metrics, started);
    }
  }

  private async invoke(req: IncomingMessage, res: ServerResponse, served: Served, requestId: string, started: number): Promise<void> {
    const route = served.route;
    let meta: OpenaiRequestMeta;
    let raw: Buffer;
    let release: Release | undefined;
    try {
      const caller = await this.auth.authenticate(bearerToken(req.headers.authorization), this.callerRole);
      const type = req.headers['content-type'];
      if (type === undefined || mediaType(type) !== JSON_TYPE)
        throw new AppError('unsupported_media_type', 'the body must be application/json');
      // A request is small next to its answer: read it whole.
      raw = await readRequestBody(req, this.config.HTTP_BODY_LIMIT_BYTES);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AppError('invalid_argument', 'the request body is not valid JSON');
      }
      const body = parseInput(route.body!, json, 'body') as {
        model: string;
        stream?: boolean | null;
        stream_options?: { include_usage?: boolean | null } | null;
      };
      // The caller's own limits (calls per second, calls in flight) as on the on-demand routes; the
      // model's machine is the router's choice, so a rule of one machine's endpoint does not apply here.
      await this.quota.check(caller, body.model);
      const admitted = this.limiter.admit(caller, '', body.model);
      release = admitted instanceof Promise ? await admitted : admitted;
      let callerJson = this.callerJson.get(caller);
      if (!callerJson) this.callerJson.set(caller, (callerJson = JSON.stringify(caller)));
      const stream = route.operation !== 'embeddings' && body.stream === true;
      meta = {
        operation: route.operation!,
        model: body.model,
        caller: callerJson,
        stream,
        include_usage: stream && body.stream_options?.include_usage === true,
        window: this.config.OPENAI_STREAM_WINDOW,
        correlation_id: requestId,
      };
    } catch (err) {
      release?.();
      this.fail(req, res, requestId, err, served.metrics, started);
      return;
    }
    this.relay(req, res, served, requestId, started, meta, raw, release);
  }

  /** The router's frames onto the HTTP response, as they come. */
  private relay(
    req: IncomingMessage,
    res: ServerResponse,
    served: Served,
    requestId: string,
    started: number,
    meta: OpenaiRequestMeta,
    body: Buffer,
    release: Release,
  ): void {
    if (res.destroyed) {
      release();
      return finishGone(served, started); // the client left while its request was read
    }
    let events = false;
    let wrote = false;
    let status = 200;
    let over = false;
    const finish = (code: number) => {
      if (over) return;
      over = true;
      release();
      served.metrics.observe(code, (performance.now() - started) / 1000);
    };
    const onDrain = () => call.resume();
    // The listener runs only once frames arrive, after `call` is assigned.
    const call: StreamCall = this.nats.streams.open(
      this.subject,
      encodeInvokeFrame(meta, body),
      {
        onHead: (head) => {
          status = head.status;
          events = head.events === true;
          const headers = this.headers(req, requestId, head.content_type ?? (events ? 'text/event-stream' : JSON_TYPE));
          if (events) headers.push('cache-control', 'no-cache', 'x-accel-buffering', 'no');
          res.writeHead(status, headers);
          // The first token often comes in the same read as the head: the headers then go out
          // with it, in one write. Otherwise they go at the end of this turn, so that a client
          // sees the answer start before a slow model's first token.
          if (events) setImmediate(() => wrote || res.destroyed || res.flushHeaders());
        },
        onData: (payload) => {
          wrote = true;
          if (!res.write(payload)) {
            call.pause();
            res.once('drain', onDrain);
          }
        },
        onEnd: () => {
          res.end();
          finish(status);
        },
        onError: (error) => {
          if (!res.headersSent) {
            this.sendError(req, res, requestId, error);
            finish(error.status);
            return;
          }
          if (events) {
            // What vLLM sends when generation fails mid-stream: an error event, then [DONE]. OpenAI's SDKs raise it.
            res.write(`data: ${JSON.stringify(toOpenaiError(error.status, error.error))}\n\n`);
            res.end(DONE);
          } else res.destroy(new Error(error.error.message)); // a JSON answer cut short cannot be mended
          finish(status);
        },
      },
      {
        window: this.config.OPENAI_STREAM_WINDOW,
        acceptTimeoutMs: this.config.OPENAI_ACCEPT_TIMEOUT_MS,
        idleGraceMs: this.config.OPENAI_IDLE_GRACE_MS,
        heartbeatMs: this.config.ONDEMAND_HEARTBEAT_MS,
      },
    );
    res.once('close', () => {
      if (over) return;
      // The client went away before the end: the router aborts the machine's work.
      call.cancel();
      finish(499);
    });
  }

  private sendError(req: IncomingMessage, res: ServerResponse, requestId: string, error: StreamError): void {
    const body = error.body ?? JSON.stringify(toOpenaiError(error.status, error.error));
    this.send(req, res, error.status, requestId, Buffer.from(body));
  }

  private fail(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    err: unknown,
    metrics: RouteMetrics | undefined,
    started: number,
  ): void {
    const app = toAppError(err);
    if (app.code === 'internal') this.logger.error({ err, correlation_id: requestId, route: req.url }, 'request failed');
    // Over a limit: Retry-After, which OpenAI's SDKs honour when they retry.
    const retryAfter = (app.details as { retry_after_s?: unknown } | undefined)?.retry_after_s;
    this.send(
      req,
      res,
      app.httpStatus,
      requestId,
      Buffer.from(JSON.stringify(toOpenaiError(app.httpStatus, app.toBody()))),
      typeof retryAfter === 'number' ? ['retry-after', String(Math.max(1, Math.ceil(retryAfter)))] : [],
    );
    metrics?.observe(app.httpStatus, (performance.now() - started) / 1000);
  }

  private headers(req: IncomingMessage, requestId: string, contentType: string): string[] {
    const headers = ['x-request-id', requestId, 'content-type', contentType];
    const cors = this.cors.answerHeaders(req.headers.origin);
    if (cors.length > 0) headers.push(...cors);
    return headers;
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, requestId: string, body: Buffer, extra: string[] = []): void {
    if (res.headersSent || res.destroyed) return;
    const headers = this.headers(req, requestId, 'application/json; charset=utf-8');
    headers.push(...extra);
    headers.push('content-length', String(body.length));
    if (!req.complete) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(body);
  }
}

function finishGone(served: Served, started: number): void {
  served.metrics.observe(499, (performance.now() - started) / 1000);
}

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

const MODEL_PARAMS = z.object({ model: openaiModelNameSchema });

/**
 * The model's id in a path under MODELS_PREFIX: the rest of the path, decoded. The OpenAI SDKs
 * encode a slash of `<machine name>/<endpoint>` in it or not, depending on their version.
 */
function modelIdOf(path: string): string {
  let id: string;
  try {
    id = decodeURIComponent(path.slice(MODELS_PREFIX.length));
  } catch {
    throw new AppError('invalid_argument', 'the model in the path is not valid percent-encoding', {
      issues: [{ path: 'path.model', message: 'not valid percent-encoding' }],
    });
  }
  return parseInput(MODEL_PARAMS, { model: id }, 'path').model;
}
