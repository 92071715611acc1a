import { z } from 'zod';
import {
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  openaiModelListSchema,
  openaiModelNameSchema,
  openaiModelSchema,
  OpenaiOperation,
} from '@cleargate/contracts';
import { DocumentedRoute, RouteDoc } from '../openapi/doc.decorator';

/** OpenAI's error shape, which these routes answer with instead of ClearGate's envelope. */
export const openaiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().describe('invalid_request_error, authentication_error, permission_error, not_found_error, server_error...'),
    param: z.string().nullable().describe('The request field at fault, if any'),
    code: z.string().nullable().describe("ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous)"),
  }),
});

const usageSchema = z
  .object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int().optional(), total_tokens: z.number().int() })
  .passthrough();

const chatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z
        .object({ index: z.number().int(), message: z.object({ role: z.string(), content: z.string().nullable() }).passthrough() })
        .passthrough(),
    ),
    usage: usageSchema,
  })
  .passthrough()
  .describe("The model's answer as the machine sent it (vLLM's chat.completion)");

const completionSchema = z
  .object({
    id: z.string(),
    object: z.literal('text_completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(z.object({ index: z.number().int(), text: z.string() }).passthrough()),
    usage: usageSchema,
  })
  .passthrough();

const embeddingListSchema = z
  .object({
    object: z.literal('list'),
    model: z.string(),
    data: z.array(
      z.object({
        index: z.number().int(),
        object: z.literal('embedding'),
        embedding: z
          .union([z.array(z.number()), z.string()])
          .describe('Floats, or base64 of little-endian float32 with encoding_format=base64'),
      }),
    ),
    usage: usageSchema,
  })
  .passthrough();

const STREAM_NOTE =
  'With `stream: true` the answer is `text/event-stream`: one `data: {chunk}` event per piece of the answer as the model produces it ' +
  '(`chat.completion.chunk` / `text_completion` objects), ended by `data: [DONE]`. With `stream_options: {include_usage: true}` ' +
  'a last chunk with empty `choices` carries `usage`. A failure after the answer started is an event `data: {"error": {...}}` ' +
  "followed by `data: [DONE]`. The endpoint's timeout applies to the first token and to each gap between tokens, not to the whole answer.";

const MODEL_NOTE =
  '`model` is a model of `GET /openai/v1/models`: an LLM endpoint name, or `<machine name>/<endpoint>` when that name is on several ' +
  'machines the caller may use. An endpoint the caller may not use answers 404 as an unknown one does.';

/** `GET /openai/v1/models/{model}`: every path under MODELS_PREFIX, the rest of it being the model's id. */
export const MODEL_PATH = '/openai/v1/models/{model}';
export const MODELS_PREFIX = '/openai/v1/models/';

export interface OpenaiRoute {
  method: 'GET' | 'POST';
  path: string;
  operation?: OpenaiOperation;
  body?: z.ZodType;
  doc: RouteDoc;
}

const errors = { 401: null, 404: null, 413: null, 415: null, 502: null, 503: null, 504: null } as const;

export const OPENAI_ROUTES: OpenaiRoute[] = [
  {
    method: 'POST',
    path: '/openai/v1/chat/completions',
    operation: 'chat.completions',
    body: chatCompletionRequestSchema,
    doc: {
      summary: 'Chat with an LLM endpoint (OpenAI-compatible)',
      description: `${MODEL_NOTE}\n\n${STREAM_NOTE}`,
      tags: ['openai'],
      body: chatCompletionRequestSchema,
      responses: { 200: chatCompletionSchema, ...errors },
      auth: true,
      errorSchema: openaiErrorSchema,
      eventStream: 'chat.completion.chunk events, then data: [DONE]',
    },
  },
  {
    method: 'POST',
    path: '/openai/v1/completions',
    operation: 'completions',
    body: completionRequestSchema,
    doc: {
      summary: 'Complete a prompt with an LLM endpoint (OpenAI-compatible)',
      description: `${MODEL_NOTE}\n\n${STREAM_NOTE}`,
      tags: ['openai'],
      body: completionRequestSchema,
      responses: { 200: completionSchema, ...errors },
      auth: true,
      errorSchema: openaiErrorSchema,
      eventStream: 'text_completion events, then data: [DONE]',
    },
  },
  {
    method: 'POST',
    path: '/openai/v1/embeddings',
    operation: 'embeddings',
    body: embeddingRequestSchema,
    doc: {
      summary: 'Embed text with an LLM endpoint (OpenAI-compatible)',
      description: MODEL_NOTE,
      tags: ['openai'],
      body: embeddingRequestSchema,
      responses: { 200: embeddingListSchema, ...errors },
      auth: true,
      errorSchema: openaiErrorSchema,
    },
  },
  {
    method: 'GET',
    path: '/openai/v1/models',
    doc: {
      summary: 'The LLM endpoints the caller may use (OpenAI-compatible)',
      description: 'Enabled endpoints of enabled `openai` machines shared with the caller; `id` is what `model` takes.',
      tags: ['openai'],
      responses: { 200: openaiModelListSchema, 401: null },
      auth: true,
      errorSchema: openaiErrorSchema,
    },
  },
  {
    method: 'GET',
    path: MODEL_PATH,
    doc: {
      summary: 'One LLM endpoint the caller may use (OpenAI-compatible)',
      description:
        'The entry of `GET /openai/v1/models` whose `id` is `model` (a `<machine name>/<endpoint>` id may come with its slash ' +
        'encoded or not); 404 `model_not_found` for a model the caller may not use, as for an unknown one.',
      tags: ['openai'],
      params: z.object({ model: openaiModelNameSchema.describe('An `id` of `GET /openai/v1/models`') }),
      responses: { 200: openaiModelSchema, 401: null, 404: null },
      auth: true,
      errorSchema: openaiErrorSchema,
    },
  },
];

export const OPENAI_DOCUMENTED: DocumentedRoute[] = OPENAI_ROUTES.map((r) => ({
  method: r.method === 'GET' ? 'get' : 'post',
  path: r.path,
  doc: r.doc,
}));
