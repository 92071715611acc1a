import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import {
  ClearmlApiError,
  ClearmlError,
  ClearmlNetworkError,
  ClearmlNetworkErrorKind,
  ClearmlResponseError,
  ClearmlTimeoutError,
} from './errors';
import { envelopeSchema } from './schemas';

export type ClearmlCallOutcome = 'ok' | 'api_error' | 'network_error' | 'timeout';

/** Emitted once per HTTP request, including `auth.login` and every retry attempt. */
export interface ClearmlCallEvent {
  endpoint: string;
  durationMs: number;
  outcome: ClearmlCallOutcome;
  /** Absent when no response arrived. */
  httpStatus?: number;
}

/** The subset of a pino logger the client uses. Objects passed here never hold secrets. */
export interface ClearmlLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface TransportOptions {
  apiHost: string;
  apiVersion?: string;
  timeoutMs: number;
  connections: number;
  onCall?: (event: ClearmlCallEvent) => void;
  logger?: ClearmlLogger;
  /** Extra headers per request, e.g. `X-Clearml-Trx` with the caller's correlation id. */
  headers?: () => Record<string, string>;
}

const API_VERSION = /^\d+\.\d+$/;
const MAX_ERROR_SNIPPET = 200;

/**
 * One POST per call on a keep-alive undici Pool. Every call is a POST with a JSON body:
 * the Python SDK sends GET with a body, which undici cannot do, and the server does not
 * restrict methods.
 */
export class ClearmlTransport {
  readonly #pool: Pool;
  readonly #pathPrefix: string;
  readonly #timeoutMs: number;
  readonly #onCall: ((event: ClearmlCallEvent) => void) | undefined;
  readonly #logger: ClearmlLogger | undefined;
  #closing: Promise<void> | undefined;
  #serverClock: { serverMs: number; localMs: number } | undefined;
  readonly #extraHeaders: (() => Record<string, string>) | undefined;

  constructor(options: TransportOptions) {
    const url = new URL(options.apiHost);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`apiHost must be an http(s) URL, got protocol ${url.protocol}`);
    }
    if (url.username || url.password) {
      throw new TypeError('apiHost must not carry credentials; pass accessKey/secretKey instead');
    }
    if (options.apiVersion !== undefined && !API_VERSION.test(options.apiVersion)) {
      throw new TypeError(`apiVersion must look like "2.23", got "${options.apiVersion}"`);
    }
    if (!(options.timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
    if (!(options.connections >= 1)) throw new TypeError('connections must be at least 1');

    // apiHost may carry a path, e.g. the web server's `/api` proxy.
    const basePath = url.pathname.replace(/\/+$/, '');
    this.#pathPrefix = options.apiVersion ? `${basePath}/v${options.apiVersion}` : basePath;
    this.#timeoutMs = options.timeoutMs;
    this.#onCall = options.onCall;
    this.#logger = options.logger;
    this.#extraHeaders = options.headers;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      // HTTP/1.1 also over TLS (undici 8 would offer HTTP/2): `connections` bounds the calls at once.
      allowH2: false,
      keepAliveTimeout: 4_000,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
    });
  }

  /** POSTs `body` to `service.action` and returns the envelope's `data`, or throws a ClearmlError. */
  async post(endpoint: string, body: unknown, authorization: string | undefined): Promise<unknown> {
    const started = performance.now();
    let httpStatus: number | undefined;
    try {
      const result = await this.#request(endpoint, body, authorization);
      httpStatus = result.status;
      const data = parseEnvelope(endpoint, result.status, result.text);
      this.#report(endpoint, started, 'ok', httpStatus);
      return data;
    } catch (err) {
      this.#report(endpoint, started, outcomeOf(err), httpStatus);
      throw err;
    }
  }

  /**
   * The server's clock as of the last answer (its `Date` header, 1 s resolution), advanced by
   * the local time elapsed since. For durations measured against server timestamps without
   * trusting the local clock.
   */
  serverNow(): number | undefined {
    return this.#serverClock ? this.#serverClock.serverMs + (performance.now() - this.#serverClock.localMs) : undefined;
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.close();
    return this.#closing;
  }

  async #request(endpoint: string, body: unknown, authorization: string | undefined): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {
      ...this.#extraHeaders?.(),
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (authorization) headers['authorization'] = authorization;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      const response = await this.#pool.request({
        method: 'POST',
        path: `${this.#pathPrefix}/${endpoint}`,
        headers,
        body: JSON.stringify(body ?? {}),
        signal: controller.signal,
      });
      // Reading the whole body inside the timer: a stalled body is a timeout too.
      const text = await response.body.text();
      const date = Date.parse(String(response.headers['date'] ?? ''));
      if (!Number.isNaN(date)) this.#serverClock = { serverMs: date, localMs: performance.now() };
      return { status: response.statusCode, text };
    } catch (err) {
      if (controller.signal.aborted) throw new ClearmlTimeoutError(endpoint, this.#timeoutMs);
      throw toNetworkError(endpoint, err);
    } finally {
      clearTimeout(timer);
    }
  }

  #report(endpoint: string, started: number, outcome: ClearmlCallOutcome, httpStatus: number | undefined): void {
    const durationMs = performance.now() - started;
    this.#logger?.debug({ endpoint, outcome, httpStatus, durationMs: Math.round(durationMs) }, 'clearml request');
    if (!this.#onCall) return;
    const event: ClearmlCallEvent = { endpoint, durationMs, outcome };
    if (httpStatus !== undefined) event.httpStatus = httpStatus;
    try {
      this.#onCall(event);
    } catch (err) {
      this.#logger?.warn({ endpoint, error: err instanceof Error ? err.message : String(err) }, 'onCall hook threw');
    }
  }
}

function outcomeOf(err: unknown): ClearmlCallOutcome {
  if (err instanceof ClearmlTimeoutError) return 'timeout';
  if (err instanceof ClearmlNetworkError) return 'network_error';
  return 'api_error';
}

export function parseEnvelope(endpoint: string, status: number, text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    if (status !== 200) {
      // A proxy or load balancer answered (e.g. an HTML 502/503 page).
      const snippet = text.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_SNIPPET);
      throw new ClearmlApiError({
        endpoint,
        httpStatus: status,
        code: status,
        subcode: 0,
        message: snippet || `HTTP ${status}`,
      });
    }
    throw new ClearmlResponseError(endpoint, status, 'body is not a ClearML response envelope');
  }
  const { meta, data } = envelope.data;
  if (status !== 200 || meta.result_code !== 200) {
    throw new ClearmlApiError({
      endpoint,
      httpStatus: status,
      code: meta.result_code,
      subcode: meta.result_subcode ?? 0,
      message: meta.result_msg ?? '',
      callId: meta.id ?? undefined,
      errorData: meta.error_data,
    });
  }
  return data ?? {};
}

interface ErrorLike {
  code?: unknown;
  syscall?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The innermost error carrying a `code`: undici wraps, and Happy Eyeballs yields AggregateErrors. */
function findCoded(err: unknown, depth = 0): ErrorLike | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const e = err as ErrorLike;
  if (typeof e.code === 'string') return e;
  if (Array.isArray(e.errors) && e.errors.length > 0) return findCoded(e.errors[0], depth + 1);
  return findCoded(e.cause, depth + 1);
}

function kindOf(code: string | undefined, syscall: unknown): ClearmlNetworkErrorKind {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      // Only while connecting is it certain that nothing was written.
      return syscall === 'connect' ? 'unreachable' : 'other';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect_timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'client_closed';
    default:
      return 'other';
  }
}

export function toNetworkError(endpoint: string, err: unknown): ClearmlError {
  if (err instanceof ClearmlError) return err;
  const coded = findCoded(err);
  const code = typeof coded?.code === 'string' ? coded.code : undefined;
  return new ClearmlNetworkError(endpoint, kindOf(code, coded?.syscall), code, err);
}
