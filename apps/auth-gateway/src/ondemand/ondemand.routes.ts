import { z } from 'zod';
import { AppError, endpointNameSchema, publicIdSchema } from '@cleargate/contracts';
import { DocumentedRoute } from '../openapi/doc.decorator';

/** The compatible route's path, and the v1 route's template as the `route` label of the HTTP metrics. */
export const COMPAT_ONDEMAND_PATH = '/clearml/serve/ondemand';
export const V1_ONDEMAND_ROUTE = '/v1/ondemand/:machineId/:endpoint';

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

/** The on-demand routes, served by OndemandHttp (ondemand.http.ts), for the OpenAPI document. */
export const ONDEMAND_ROUTES: DocumentedRoute[] = [
  {
    method: 'post',
    path: COMPAT_ONDEMAND_PATH,
    doc: {
      summary: 'Call a model (compatible with the Snap4City Node-RED block)',
      description: "Answers with the model's JSON as-is. The token may be sent as `access_token` in the body.",
      tags: ['on-demand'],
      body: compatOndemandBody,
      responses: { 200: 'raw', 404: null, 413: null, 415: null, 502: null, 503: null, 504: null },
      auth: true,
    },
  },
  {
    method: 'post',
    path: '/v1/ondemand/{machineId}/{endpoint}',
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
];
