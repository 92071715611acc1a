import { z } from 'zod';

/**
 * The error envelope shared by every service. Services raise `AppError`s; request/reply
 * carries `{code, message, details}`; the gateway maps the code to an HTTP status.
 */
export const ERROR_HTTP_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  upstream_error: 502,
  unavailable: 503,
  circuit_open: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;
export const errorCodeSchema = z.enum(Object.keys(ERROR_HTTP_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const errorBodySchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorBody): AppError {
    return new AppError(body.code, body.message, body.details);
  }

  static notFound(what: string, id?: string): AppError {
    return new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
  }
}

/** Zod issues as `{path, message}` pairs: what a client needs to fix its input. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function invalidArgument(error: z.ZodError, message = 'invalid input'): AppError {
  return new AppError('invalid_argument', message, { issues: issuesOf(error) });
}
