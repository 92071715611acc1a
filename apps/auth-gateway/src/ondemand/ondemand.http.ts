import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '@cleargate/contracts';
import type { Logger } from '@cleargate/observability';
import { AuthService, bearerToken } from '../auth/auth.service';
import { CorsPolicy } from '../http/cors';
import { errorEnvelope } from '../http/error.filter';
import { requestIdFrom } from '../http/fastify-setup';
import { HttpMetrics, RouteMetrics } from '../http/http-metrics';
import { readRequestBody } from '../http/request-body';
import { CallLimiter } from '../limits/call-limiter';
import { parseInput } from '../http/validation';
import { compatOndemandBody, modelInput, ONDEMAND_ROUTES, v1Params } from './ondemand.routes';
import { InvocationAnswer, OndemandService } from './ondemand.service';

const COMPAT_PATH = ONDEMAND_ROUTES.compat.match.path;
const V1_PREFIX = ONDEMAND_ROUTES.v1.match.prefix;

/**
 * The two on-demand routes, served from node:http in front of Fastify (see `serverFactory` in
 * main.ts); every other request goes on to Fastify. On Node 20, Fastify's body parsing bound an
 * AsyncResource per request, and those bound functions outlived the young generation: measured
 * in the gateway, 40 % of what each scavenge met survived it and the scavenges took 4–7 ms.
 * This path reads the body itself and answers like the Fastify routes do: the same auth
 * service, validation, error envelope, `x-request-id`, CORS policy and HTTP metrics (their
 * preflights, OPTIONS, go on to Fastify).
 */
export class OndemandHttp {
  private readonly callerRole;
  private readonly compatMetrics: RouteMetrics;
  private readonly v1Metrics: RouteMetrics;

  constructor(
    private readonly auth: AuthService,
    private readonly ondemand: OndemandService,
    private readonly limiter: CallLimiter,
    metrics: HttpMetrics,
    private readonly logger: Logger,
    private readonly limits: { body: number; compatBody: number },
    private readonly cors: CorsPolicy,
  ) {
    this.callerRole = auth.roleFor('caller');
    this.compatMetrics = metrics.route(ONDEMAND_ROUTES.compat.method, ONDEMAND_ROUTES.compat.metricsRoute);
    this.v1Metrics = metrics.route(ONDEMAND_ROUTES.v1.method, ONDEMAND_ROUTES.v1.metricsRoute);
  }

  /** Serves the request if it is an on-demand call and returns true; false leaves it to Fastify. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path === COMPAT_PATH) {
      void this.compat(req, res, performance.now());
      return true;
    }
    if (path.startsWith(V1_PREFIX)) {
      // {machineId}/{endpoint}; an endpoint name may itself hold slashes (a KServe model version).
      const rest = path.slice(V1_PREFIX.length);
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1) return false;
      void this.v1(req, res, rest.slice(0, slash), rest.slice(slash + 1), performance.now());
      return true;
    }
    return false;
  }

  private async compat(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    const requestId = requestIdFrom(req.headers);
    try {
      const raw = (await this.readJson(req)) as { access_token?: unknown } | undefined;
      // The Snap4City Node-RED blocks send the token as `access_token` in the JSON body.
      const token = bearerToken(req.headers.authorization) ?? (typeof raw?.access_token === 'string' ? raw.access_token : undefined);
      const caller = await this.auth.authenticate(token, this.callerRole);
      const body = parseInput(compatOndemandBody, raw, 'body');
      // Only the model input is forwarded: the token never leaves the gateway.
      const input = Buffer.from(JSON.stringify(modelInput(body.params)));
      let release = this.limiter.admit(caller, body.machine_id, body.endpoint);
      if (release instanceof Promise) release = await release;
      const answer = await this.ondemand
        .invoke({
          caller,
          machineId: body.machine_id,
          endpoint: body.endpoint,
          body: input,
          contentType: 'application/json',
          accept: req.headers.accept,
          route: 'compat',
          correlationId: requestId,
        })
        .finally(release);
      this.answer(req, res, requestId, answer, this.compatMetrics, started);
    } catch (err) {
      this.fail(req, res, requestId, err, this.compatMetrics, started);
    }
  }

  private async v1(req: IncomingMessage, res: ServerResponse, rawMachineId: string, rawEndpoint: string, started: number): Promise<void> {
    const requestId = requestIdFrom(req.headers);
    try {
      // The token is a header here, so a caller is known before an up to HTTP_BODY_LIMIT_BYTES body is read.
      const caller = await this.auth.authenticate(bearerToken(req.headers.authorization), this.callerRole);
      const { machineId, endpoint } = parseInput(
        v1Params,
        { machineId: decodeSegment(rawMachineId), endpoint: decodeSegment(rawEndpoint) },
        'path',
      );
      // Limits before the body: a refused call is not read (its body is thrown away while the
      // connection lingers, see write()).
      let release = this.limiter.admit(caller, machineId, endpoint);
      if (release instanceof Promise) release = await release;
      const head = this.ondemand.head({
        caller,
        machineId,
        endpoint,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        route: 'v1',
        correlationId: requestId,
      });
      // The body goes straight into the frame sent to the router: its one copy on this side. The
      // frame is handed on in a callback, so this function does not hold it while it waits. The
      // call holds its in-flight slot from before its body is read until it is answered.
      const answer = await readRequestBody(req, this.limits.body, head)
        .then((frame) => this.ondemand.send(frame))
        .finally(release);
      this.answer(req, res, requestId, answer, this.v1Metrics, started);
    } catch (err) {
      this.fail(req, res, requestId, err, this.v1Metrics, started);
    }
  }

  /**
   * The compatible route takes JSON only, as its Fastify predecessor did: another content type
   * is a 415, malformed JSON a 400 and an empty body `undefined` (the schema then says what is missing).
   */
  private async readJson(req: IncomingMessage): Promise<unknown> {
    const type = req.headers['content-type'];
    if (type === undefined ? hasBody(req) : mediaType(type) !== 'application/json') {
      throw new AppError('unsupported_media_type', 'unsupported content type');
    }
    // The compatible body is a token, two ids and the params: capped well below a /v1 model input.
    const body = await readRequestBody(req, this.limits.compatBody);
    if (body.length === 0) return undefined;
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      throw new AppError('invalid_argument', 'the request body is not valid JSON');
    }
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    answer: InvocationAnswer,
    metrics: RouteMetrics,
    started: number,
  ): void {
    const headers = ['x-request-id', requestId];
    if (answer.contentType) headers.push('content-type', answer.contentType);
    this.write(req, res, answer.status, headers, answer.body);
    metrics.observe(answer.status, (performance.now() - started) / 1000);
  }

  private fail(req: IncomingMessage, res: ServerResponse, requestId: string, err: unknown, metrics: RouteMetrics, started: number): void {
    const { status, body, retryAfter } = errorEnvelope(err, requestId, this.logger, { method: 'POST', route: metrics.route });
    const headers = ['x-request-id', requestId, 'content-type', 'application/json; charset=utf-8'];
    if (retryAfter !== undefined) headers.push('retry-after', String(retryAfter));
    this.write(req, res, status, headers, Buffer.from(body));
    metrics.observe(status, (performance.now() - started) / 1000);
  }

  private write(req: IncomingMessage, res: ServerResponse, status: number, headers: string[], body: Uint8Array): void {
    if (res.headersSent || res.destroyed) return; // the client went away
    headers.push('content-length', String(body.length));
    // Errors too: a page can read why its call failed. Precomputed; nothing without CORS_ALLOWED_ORIGINS.
    const cors = this.cors.answerHeaders(req.headers.origin);
    if (cors.length > 0) headers.push(...cors);
    // Answering before the body was read (413, 415, 401 on /v1): the rest is not worth keeping.
    // It is read and thrown away while the connection lingers (see connection-guard.ts), so a
    // client that sends its whole body before reading gets this answer, not a broken pipe.
    const early = !req.complete;
    if (early) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(body);
    if (early) req.resume();
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // left as sent: the path schema refuses the stray '%'
  }
}
