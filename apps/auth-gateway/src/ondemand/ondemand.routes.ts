import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, endpointNameSchema, publicIdSchema } from '@cleargate/contracts';
import { AuthService, bearerToken } from '../auth/auth.service';
import { sendError } from '../http/error.filter';
import { parseInput } from '../http/validation';
import type { Logger } from '@cleargate/observability';
import { DocumentedRoute } from '../openapi/doc.decorator';
import { InvocationAnswer, OndemandService } from './ondemand.service';

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

const v1Params = z.object({ machineId: machineIdSchema, endpoint: endpointNameSchema });

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

export const ONDEMAND_ROUTES: DocumentedRoute[] = [
  {
    method: 'post',
    path: '/clearml/serve/ondemand',
    doc: {
      summary: 'Call a model (compatible with the Snap4City Node-RED block)',
      description: "Answers with the model's JSON as-is. The token may be sent as `access_token` in the body.",
      tags: ['on-demand'],
      body: compatOndemandBody,
      responses: { 200: 'raw', 404: null, 502: null, 503: null, 504: null },
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

/**
 * The two on-demand routes are the hot path, so they are plain Fastify routes: NestJS's
 * router, guard and param pipeline cost more per call than the whole authentication. They
 * use the same AuthService, OndemandService and error envelope as every other route.
 */
export function registerOndemandRoutes(app: FastifyInstance, auth: AuthService, ondemand: OndemandService, logger: Logger): void {
  const callerRole = auth.roleFor('caller');

  app.post('/clearml/serve/ondemand', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const raw = request.body as { access_token?: unknown } | undefined;
      // The Snap4City Node-RED blocks send the token as `access_token` in the JSON body.
      const token = bearerToken(request.headers.authorization) ?? (typeof raw?.access_token === 'string' ? raw.access_token : undefined);
      const caller = await auth.authenticate(token, callerRole);
      const body = parseInput(compatOndemandBody, raw, 'body');
      const answer = await ondemand.invoke({
        caller,
        machineId: body.machine_id,
        endpoint: body.endpoint,
        // Only the model input is forwarded: the token never leaves the gateway.
        body: Buffer.from(JSON.stringify(modelInput(body.params))),
        contentType: 'application/json',
        accept: request.headers.accept,
        route: 'compat',
        correlationId: request.id,
      });
      return send(reply, answer);
    } catch (err) {
      return sendError(reply, request, err, logger);
    }
  });

  app.post('/v1/ondemand/:machineId/:endpoint', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const caller = await auth.authenticate(bearerToken(request.headers.authorization), callerRole);
      const { machineId, endpoint } = parseInput(v1Params, request.params, 'path');
      const answer = await ondemand.invoke({
        caller,
        machineId,
        endpoint,
        body: (request.body as Buffer | undefined) ?? Buffer.alloc(0),
        contentType: request.headers['content-type'],
        accept: request.headers.accept,
        route: 'v1',
        correlationId: request.id,
      });
      return send(reply, answer);
    } catch (err) {
      return sendError(reply, request, err, logger);
    }
  });
}

function send(reply: FastifyReply, answer: InvocationAnswer) {
  void reply.status(answer.status);
  if (answer.contentType) void reply.header('content-type', answer.contentType);
  return reply.send(Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength));
}
