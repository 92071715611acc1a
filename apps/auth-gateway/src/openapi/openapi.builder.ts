import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { z } from 'zod';
import { errorBodySchema } from '@cleargate/contracts';
import { DocumentedRoute, ROUTE_DOC, RouteDoc } from './doc.decorator';

const errorEnvelope = z.object({ error: errorBodySchema, request_id: z.string() });

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  400: 'Invalid input',
  401: 'Missing or invalid access token',
  403: 'Role or ownership does not allow it',
  404: 'Unknown id',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Unsupported content type',
  429: 'Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`)',
  502: 'Upstream error',
  503: 'Unavailable or circuit open',
  504: 'Upstream timeout',
};

function schema(s: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
}

function join(...parts: string[]): string {
  return (
    '/' +
    parts
      .flatMap((p) => p.split('/'))
      .filter(Boolean)
      .join('/')
  );
}

/**
 * Builds the OpenAPI 3 document from the controllers themselves: every route's path and
 * method come from Nest's metadata, its schemas from the same zod schemas that validate it.
 */
export function buildOpenApi(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
  version: string,
  extraRoutes: DocumentedRoute[] = [],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of extraRoutes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route.doc);
  }
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const base = (Reflect.getMetadata(PATH_METADATA, wrapper.metatype) as string | undefined) ?? '';
    const prototype = Object.getPrototypeOf(instance);
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const doc = reflector.get<RouteDoc | undefined>(ROUTE_DOC, handler);
      if (!doc) continue;
      const route = Reflect.getMetadata(PATH_METADATA, handler) as string;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
      const path = join(base, route).replace(/:([A-Za-z_]+)/g, '{$1}');
      paths[path] ??= {};
      paths[path]![method] = operation(doc);
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'ClearGate API',
      version,
      description:
        'Authenticated gateway between Snap4City and ClearML. Errors are `{error: {code, message, details?}, request_id}`. ' +
        'Send `x-request-id` to correlate; it is echoed back.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Snap4City (Keycloak) access token' },
      },
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  };
}

function operation(doc: RouteDoc) {
  const parameters: unknown[] = [];
  for (const [where, obj] of [
    ['path', doc.params],
    ['query', doc.query],
  ] as const) {
    if (!obj) continue;
    for (const [name, field] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        schema: schema(field, 'input'),
      });
    }
  }
  const responses: Record<string, unknown> = {};
  const errorContent = { 'application/json': { schema: schema(doc.errorSchema ?? errorEnvelope, 'output') } };
  for (const [status, body] of Object.entries(doc.responses)) {
    const events =
      doc.eventStream && Number(status) < 300
        ? { 'text/event-stream': { schema: { type: 'string', description: `With stream: true: ${doc.eventStream}` } } }
        : {};
    responses[status] = {
      description: STATUS_TEXT[Number(status)] ?? 'Answer',
      ...(body === null
        ? doc.errorSchema && Number(status) >= 400
          ? { content: errorContent }
          : {}
        : body === 'raw'
          ? { content: { '*/*': { schema: { description: "The model's answer, as the serving machine sent it" } } } }
          : { content: { 'application/json': { schema: schema(body, 'output') }, ...events } }),
    };
  }
  if (doc.csv && responses[200]) {
    const ok = responses[200] as { content?: Record<string, unknown> };
    ok.content = { ...ok.content, 'text/csv': { schema: { type: 'string', description: doc.csv } } };
  }
  // Every authenticated route can answer 429: a caller over a limit (the on-demand routes, runs)
  // or over the registry's run quotas; the envelope says which limit and for how long.
  for (const status of doc.auth ? [400, 401, 403, 429] : [400]) {
    responses[status] ??= { description: STATUS_TEXT[status], content: errorContent };
  }
  if (responses[429] && typeof responses[429] === 'object') {
    (responses[429] as Record<string, unknown>).headers = {
      'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
    };
  }
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: doc.tags,
    ...(doc.auth ? { security: [{ bearer: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content:
              doc.body === 'raw'
                ? { '*/*': { schema: { description: 'The model input, passed through untouched (JSON, an image...)' } } }
                : { 'application/json': { schema: schema(doc.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}
