import { clearmlErrorName } from './error-names';

/** Base class of every error thrown by the client. */
export abstract class ClearmlError extends Error {
  /** `service.action`, e.g. `tasks.enqueue`. */
  readonly endpoint: string;

  protected constructor(message: string, endpoint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.endpoint = endpoint;
  }
}

export interface ClearmlApiErrorInit {
  endpoint: string;
  httpStatus: number;
  code: number;
  subcode: number;
  message: string;
  callId?: string;
  errorData?: unknown;
}

/**
 * The server answered with a non-200 result (or a non-200 HTTP status without an envelope,
 * e.g. a 503 from a proxy). `name` is the stable name from the server's errors table
 * (`invalid_task_id`, `task_already_queued`, `invalid_token`, …).
 */
export class ClearmlApiError extends ClearmlError {
  override readonly name: string;
  readonly httpStatus: number;
  /** `meta.result_code` (equals the HTTP status on a ClearML server). */
  readonly code: number;
  /** `meta.result_subcode`; 0 when the response carried no envelope. */
  readonly subcode: number;
  /** `meta.id`, the server's call id, for correlating with server logs. */
  readonly callId: string | undefined;
  /** `meta.error_data`, kept opaque. */
  readonly errorData: unknown;

  constructor(init: ClearmlApiErrorInit) {
    super(init.message, init.endpoint);
    this.name = clearmlErrorName(init.code, init.subcode);
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.subcode = init.subcode;
    this.callId = init.callId;
    this.errorData = init.errorData;
  }
}

/**
 * How a connection-level failure happened. `refused`, `dns`, `unreachable` and
 * `connect_timeout` all happen before a connection exists, so the request was never written.
 * `client_closed`: the client was closed with `close()`.
 */
export type ClearmlNetworkErrorKind = 'refused' | 'dns' | 'unreachable' | 'connect_timeout' | 'reset' | 'client_closed' | 'other';

const NOT_CONNECTED_KINDS: ReadonlySet<ClearmlNetworkErrorKind> = new Set(['refused', 'dns', 'unreachable', 'connect_timeout']);

export class ClearmlNetworkError extends ClearmlError {
  override readonly name = 'ClearmlNetworkError';
  readonly kind: ClearmlNetworkErrorKind;
  /** The system or undici error code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`. */
  readonly errorCode: string | undefined;

  constructor(endpoint: string, kind: ClearmlNetworkErrorKind, errorCode: string | undefined, cause: unknown) {
    const detail = cause instanceof Error && cause.message ? cause.message : (errorCode ?? 'unknown error');
    super(`${endpoint}: network error (${kind}): ${detail}`, endpoint, { cause });
    this.kind = kind;
    this.errorCode = errorCode;
  }

  /** True when no connection was established, so the server cannot have seen the request. */
  get requestNeverSent(): boolean {
    return NOT_CONNECTED_KINDS.has(this.kind);
  }
}

export class ClearmlTimeoutError extends ClearmlError {
  override readonly name = 'ClearmlTimeoutError';
  readonly timeoutMs: number;

  constructor(endpoint: string, timeoutMs: number) {
    super(`${endpoint}: no complete response within ${timeoutMs} ms`, endpoint);
    this.timeoutMs = timeoutMs;
  }
}

/** A 200 response whose body is not a ClearML envelope or whose data does not match what we read. */
export class ClearmlResponseError extends ClearmlError {
  override readonly name = 'ClearmlResponseError';
  readonly httpStatus: number;

  constructor(endpoint: string, httpStatus: number, detail: string) {
    super(`${endpoint}: unexpected response: ${detail}`, endpoint);
    this.httpStatus = httpStatus;
  }
}

/** 500 subcodes that describe a passing server condition rather than a bad request. */
const TRANSIENT_500_SUBCODES: ReadonlySet<number> = new Set([0, 1, 10, 102]);

/**
 * Whether retrying the same call later may succeed: network errors (except a closed client),
 * timeouts, 429/502/503/504, and 500 general/internal/transaction/database-unavailable errors.
 * Every other API error (4xx, validation, unknown ids, wrong status) is permanent.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ClearmlTimeoutError) return true;
  if (err instanceof ClearmlNetworkError) return err.kind !== 'client_closed';
  if (err instanceof ClearmlApiError) {
    if (err.httpStatus === 429 || err.httpStatus === 502 || err.httpStatus === 503 || err.httpStatus === 504) {
      return true;
    }
    return err.code === 500 && TRANSIENT_500_SUBCODES.has(err.subcode);
  }
  return false;
}
