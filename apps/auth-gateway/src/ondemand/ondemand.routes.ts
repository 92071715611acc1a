import { z } from 'zod';
import { AppError, endpointNameSchema, publicIdSchema } from '@cleargate/contracts';
import { DocumentedRoute, RouteDoc } from '../openapi/doc.decorator';

const machineIdSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(publicIdSchema);

/** What the Snap4City "ClearML On-Demand Serving Auth" Node-RED block sends. */
export const compatOndemandBody = z.object({
  access_token: z.string().optional().describe('The Snap4City access token, if not sent as a bearer token'),
  machine_id: machineIdSchema.describe('Public id of the serving machine (64 hex characters)'),
  endpoint: endpointNameSchema,
  params: z.unknown().optional().describe('Model input: a JSON value, or JSON text (the block sends its editor field as text)'),
});

export const v1Params = z.object({ machineId: machineIdSchema, endpoint: endpointNameSchema });

/** `params` may be JSON text (the Node-RED block's editor field); missing means `{}` as before. */
export function modelInput(params: unknown): unknown {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'string') return params;
  try {
    return JSON.parse(params);
  } catch {
    throw new AppError('invalid_argument', 'params is text but not valid JSON', {
      issues: [{ path: 'body.params', message: 'not valid JSON' }],
    });
  }
}

/**
 * The two on-demand routes, served by OndemandHttp (ondemand.http.ts) before Fastify, each
 * described once here: how a request is matched, the `route` label of the HTTP metrics, the
 * pattern of the table of allowed methods (405) and the OpenAPI operation.
 */
export interface OndemandRoute {
  method: 'POST';
  /** The path (compat) or the prefix before `{machineId}/{endpoint}` (v1) a request is matched on. */
  match: { path: string } | { prefix: string };
  /** Fastify's syntax, for the 405 table. An endpoint name may itself hold slashes, hence the `*`. */
  pattern: string;
  /** The route template used as the metrics label. */
  metricsRoute: string;
  /** OpenAPI's form of the path. */
  openApiPath: string;
  doc: RouteDoc;
}

export const ONDEMAND_ROUTES = {
  compat: {
    method: 'POST',
    match: { path: '/clearml/serve/ondemand' },
    pattern: '/clearml/serve/ondemand',
    metricsRoute: '/clearml/serve/ondemand',
    openApiPath: '/clearml/serve/ondemand',
    doc: {
      summary: 'Call a model (compatible with the Snap4City Node-RED block)',
      description: "Answers with the model's JSON as-is. The token may be sent as `access_token` in the body.",
      tags: ['on-demand'],
      body: compatOndemandBody,
      responses: { 200: 'raw', 404: null, 413: null, 415: null, 502: null, 503: null, 504: null },
      auth: true,
    },
  },
  v1: {
    method: 'POST',
    match: { prefix: '/v1/ondemand/' },
    pattern: '/v1/ondemand/:machineId/*',
    metricsRoute: '/v1/ondemand/:machineId/:endpoint',
    openApiPath: '/v1/ondemand/{machineId}/{endpoint}',
    doc: {
      summary: 'Call a model',
      description: 'The body is the model input, passed through untouched with its content type (JSON, an image...).',
      tags: ['on-demand'],
      params: v1Params,
      body: 'raw',
      responses: { 200: 'raw', 404: null, 413: null, 502: null, 503: null, 504: null },
      auth: true,
    },
  },
} as const satisfies Record<string, OndemandRoute>;

/** The on-demand routes as the OpenAPI document takes routes declared outside Nest. */
export const ONDEMAND_DOCUMENTED: DocumentedRoute[] = Object.values(ONDEMAND_ROUTES).map((r) => ({
  method: 'post',
  path: r.openApiPath,
  doc: r.doc,
}));
