import { ArgumentsHost, Catch, ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_HTTP_STATUS, ErrorCode } from '@cleargate/contracts';
import type { Logger } from '@cleargate/observability';
import { RouteMethods } from './route-methods';

/** Fastify's own errors (body parsing, limits) by code, mapped to the envelope. */
const FASTIFY_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_argument',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_argument',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_argument',
};

const HTTP_CODES: Record<number, ErrorCode> = Object.fromEntries(
  Object.entries(ERROR_HTTP_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

/**
 * The one place where errors become HTTP answers: `{error: {code, message, details?},
 * request_id}` with the matching status. No stack trace reaches a client; 5xx are logged
 * with the request id.
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly routeMethods: RouteMethods,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // No route matched: a path that other methods answer is a 405 with `Allow`, not a 404.
    if (exception instanceof NotFoundException && request.routeOptions?.url === undefined) {
      const allowed = this.routeMethods.allowed(request.url.split('?', 1)[0]!);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        void reply.header('allow', allowed.join(', '));
        exception = new AppError('method_not_allowed', `${request.method} is not allowed here; use ${allowed.join(' or ')}`);
      }
    }
    const { status, body, retryAfter } = errorEnvelope(exception, request.id, this.logger, {
      method: request.method,
      route: request.routeOptions?.url,
    });
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

/**
 * The status and JSON text of the envelope for any error, and for a 429 the seconds of its
 * `Retry-After` (from `details.retry_after_s`, wherever the refusal was decided); an internal
 * error is logged with the request id.
 */
export function errorEnvelope(
  exception: unknown,
  requestId: string,
  logger: Logger,
  context: { method: string; route: string | undefined },
): { status: number; body: string; retryAfter?: number } {
  const error = toAppError(exception);
  if (error.httpStatus >= 500 && error.code === 'internal') {
    logger.error({ err: exception, correlation_id: requestId, method: context.method, route: context.route }, 'request failed');
  }
  const body = JSON.stringify({ error: error.toBody(), request_id: requestId });
  if (error.code !== 'rate_limited') return { status: error.httpStatus, body };
  const seconds = Number((error.details as { retry_after_s?: unknown } | undefined)?.retry_after_s);
  return { status: error.httpStatus, body, retryAfter: Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1 };
}

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  const code = (exception as { code?: string })?.code;
  if (code && FASTIFY_ERRORS[code]) {
    const message =
      code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'the request body is larger than the limit'
        : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'unsupported content type'
          : 'the request body is not valid JSON';
    return new AppError(FASTIFY_ERRORS[code]!, message);
  }
  if (exception instanceof SyntaxError) return new AppError('invalid_argument', 'the request body is not valid JSON');
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const mapped = HTTP_CODES[status] ?? (status >= 500 ? 'internal' : 'invalid_argument');
    return new AppError(mapped, status === 404 ? 'no such route' : exception.message);
  }
  const status = (exception as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new AppError(HTTP_CODES[status] ?? 'invalid_argument', String((exception as Error).message));
  return new AppError('internal', 'internal error');
}
