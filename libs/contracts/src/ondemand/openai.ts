import { z } from 'zod';
import { Caller, callerSchema, mayUse, publicIdSchema } from '../common';
import { defineRpc } from '../contract';
import { ErrorBody } from '../errors';
import { RoutingEndpoint } from '../registry/endpoints';
import { RoutingMachine } from '../registry/machines';

/**
 * LLM endpoints behind an OpenAI-compatible API. The gateway takes `POST /openai/v1/{operation}`
 * and sends the router one request frame (the invoke frame's layout: length-prefixed JSON meta,
 * then the request body as received) with a reply inbox; the router answers with a stream of
 * frames (./stream.ts), whether or not the caller asked for `stream: true`: an embeddings answer
 * can be megabytes, and nothing holds a whole answer in memory on the way.
 */
export const OPENAI_INVOKE_SUBJECT = 'ondemand.openai.invoke.v1';

export const openaiOperationSchema = z.enum(['chat.completions', 'completions', 'embeddings']);
export type OpenaiOperation = z.infer<typeof openaiOperationSchema>;

/** The upstream route of each operation, below the machine's base URL. */
export const OPENAI_UPSTREAM_PATHS: Record<OpenaiOperation, string> = {
  'chat.completions': '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
};

/** `<endpoint>` or `<machine name>/<endpoint>`. */
export const openaiModelNameSchema = z.string().min(1).max(300);

export const openaiRequestMetaSchema = z.object({
  operation: openaiOperationSchema,
  model: openaiModelNameSchema,
  /** JSON of the Caller, as in the invoke frame. */
  caller: z.string().max(20_000),
  /** The caller asked for server-sent events. */
  stream: z.boolean(),
  /** The caller asked for the usage chunk (`stream_options.include_usage`); else the router strips it. */
  include_usage: z.boolean(),
  /** Frames the router may send past the last ack. */
  window: z.number().int().min(1).max(65_536),
  correlation_id: z.string().max(200).optional(),
});
export type OpenaiRequestMeta = z.infer<typeof openaiRequestMetaSchema>;

// ---------------------------------------------------------------------------------------------
// What the caller sends (checked by the gateway; everything else passes through to the model).

const streamOptionsSchema = z
  .object({
    include_usage: z.boolean().nullish().describe('Send a last chunk with `usage` and no choices'),
  })
  .passthrough();

const promptSchema = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.number().int()).min(1),
  z.array(z.array(z.number().int()).min(1)).min(1),
]);

export const chatCompletionRequestSchema = z
  .object({
    model: openaiModelNameSchema.describe('A model of GET /openai/v1/models: `<endpoint>` or `<machine>/<endpoint>`'),
    messages: z
      .array(z.object({ role: z.string().min(1).max(64) }).passthrough())
      .min(1)
      .max(10_000)
      .describe('The conversation, as OpenAI defines it'),
    stream: z.boolean().nullish().describe('Answer with server-sent events, one chunk per token or so, ended by `data: [DONE]`'),
    stream_options: streamOptionsSchema.nullish(),
  })
  .passthrough()
  .describe('An OpenAI chat completion request; other fields (max_tokens, temperature, tools...) go to the model as sent');

export const completionRequestSchema = z
  .object({
    model: openaiModelNameSchema,
    prompt: promptSchema,
    stream: z.boolean().nullish(),
    stream_options: streamOptionsSchema.nullish(),
  })
  .passthrough()
  .describe('An OpenAI (legacy) completion request; other fields go to the model as sent');

export const embeddingRequestSchema = z
  .object({
    model: openaiModelNameSchema,
    input: promptSchema,
    encoding_format: z.enum(['float', 'base64']).nullish(),
  })
  .passthrough()
  .describe('An OpenAI embeddings request; other fields go to the model as sent');

export const OPENAI_REQUEST_SCHEMAS = {
  'chat.completions': chatCompletionRequestSchema,
  completions: completionRequestSchema,
  embeddings: embeddingRequestSchema,
} as const;

// ---------------------------------------------------------------------------------------------
// Models: which LLM endpoints a caller may use, and under which name.

export const openaiModelSchema = z.object({
  id: z.string().describe('What `model` takes: the endpoint name, or `<machine>/<endpoint>` where the name is on several machines'),
  object: z.literal('model'),
  created: z.number().int().describe('Unix time the endpoint was registered'),
  owned_by: z.string().describe('The user who registered the endpoint'),
  machine: z.string().describe("The machine's name"),
  machine_id: publicIdSchema
    .optional()
    .describe("The machine's public id, which on-demand callers know it by (a router of an earlier release leaves it out)"),
  endpoint: z.string(),
});
export type OpenaiModel = z.infer<typeof openaiModelSchema>;

export const openaiModelListSchema = z.object({ object: z.literal('list'), data: z.array(openaiModelSchema) });

/** The LLM endpoints a caller may use, answered from the router's routing cache. */
export const openaiModels = defineRpc('ondemand.openai.models.v1', z.object({ caller: callerSchema }), openaiModelListSchema);

export interface OpenaiRoute {
  machine: RoutingMachine;
  endpoint: RoutingEndpoint;
}

/** Enabled endpoints of enabled `openai` machines that the caller may use. */
export function usableOpenaiRoutes(routes: Iterable<OpenaiRoute>, caller: Caller): OpenaiRoute[] {
  const usable: OpenaiRoute[] = [];
  for (const r of routes) {
    if (r.machine.protocol === 'openai' && r.machine.enabled && r.endpoint.enabled && mayUse(caller, r.endpoint)) usable.push(r);
  }
  return usable;
}

export const qualifiedModelName = (r: OpenaiRoute): string => `${r.machine.name}/${r.endpoint.name}`;

/**
 * A model's id: its endpoint name where that name is unique among the routes the caller may use,
 * else `<machine name>/<endpoint>`. Both forms are always accepted by resolveOpenaiModel.
 */
export function openaiModelIds(usable: OpenaiRoute[]): { id: string; route: OpenaiRoute }[] {
  const count = new Map<string, number>();
  for (const r of usable) count.set(r.endpoint.name, (count.get(r.endpoint.name) ?? 0) + 1);
  return usable
    .map((route) => ({ id: count.get(route.endpoint.name) === 1 ? route.endpoint.name : qualifiedModelName(route), route }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export type ModelResolution = { route: OpenaiRoute } | { ambiguous: string[] } | { missing: true };

/**
 * `model` as a caller sends it: an endpoint name on exactly one usable machine, or
 * `<machine name>/<endpoint>`. An endpoint the caller may not use is not found, as with OpenAI.
 */
export function resolveOpenaiModel(model: string, usable: OpenaiRoute[]): ModelResolution {
  const byName = usable.filter((r) => r.endpoint.name === model);
  if (byName.length === 1) return { route: byName[0]! };
  const qualified = usable.find((r) => qualifiedModelName(r) === model);
  if (qualified) return { route: qualified };
  if (byName.length > 1) return { ambiguous: byName.map(qualifiedModelName).sort() };
  return { missing: true };
}

// ---------------------------------------------------------------------------------------------
// Errors as OpenAI's clients expect them on these routes.

export interface OpenaiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error `type` for an HTTP status. */
export function openaiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** ClearGate's error envelope in OpenAI's shape; `param` is the first failing field, if any. */
export function toOpenaiError(status: number, body: ErrorBody): OpenaiErrorBody {
  const issues = (body.details as { issues?: { path?: string }[] } | undefined)?.issues;
  const path = issues?.[0]?.path;
  const param = path ? path.replace(/^body\./, '') : null;
  const code = (body.details as { openai_code?: unknown } | undefined)?.openai_code;
  return {
    error: {
      message: body.message,
      type: openaiErrorType(status),
      param: param || null,
      code: typeof code === 'string' ? code : body.code,
    },
  };
}
