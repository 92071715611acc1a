import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@cleargate/contracts';
import { sanitizeCorrelationId } from '@cleargate/observability';
import { RouteMethods } from './route-methods';

/**
 * Every Fastify route takes JSON (the on-demand routes, which pass any body through, are served
 * before Fastify by OndemandHttp).
 */
export function configureFastify(app: FastifyInstance, bodyLimit: number, routeMethods: RouteMethods): void {
  // Before the app's routes are registered (at listen), so that every one of them is seen. The
  // catch-all OPTIONS route of @fastify/cors only lets preflights reach its hook: it is no path's method.
  app.addHook('onRoute', (route) => {
    if (route.url !== '*') routeMethods.add(route.url, route.method);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req: FastifyRequest, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(Object.assign(new Error('invalid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req: FastifyRequest, _body: Buffer, done) => {
    done(Object.assign(new Error('unsupported content type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
  });
  // The request id is the correlation id. It is passed explicitly to every bus message of the
  // request rather than through AsyncLocalStorage (see libs/observability correlation.ts).
  app.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
}

export function requestIdFrom(headers: Record<string, string | string[] | undefined>): string {
  const value = headers['x-request-id'];
  return sanitizeCorrelationId(Array.isArray(value) ? value[0] : value);
}

/**
 * Fastify's router refuses some requests before any route or Nest's filter sees them (a path
 * segment over `maxParamLength`, a URL it cannot decode); its own answers are not the envelope.
 * This is Fastify's `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('uri_too_long', 'a path segment is longer than the limit')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AppError('invalid_argument', 'the URL is malformed')
        : new AppError('internal', 'internal error');
  void reply
    .status(appError.httpStatus)
    .header('x-request-id', request.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ error: appError.toBody(), request_id: request.id }));
}
