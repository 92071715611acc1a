import { LRUCache } from 'lru-cache';
import {
  AppError,
  Caller,
  callerSchema,
  decodeInvokeFrame,
  encodeInvokeFrame,
  ErrorBody,
  InvokeReplyMeta,
  InvokeRequestMeta,
  invokeRequestMetaSchema,
  OndemandOutcome,
  RESPONSE_EXCERPT_MAX,
} from '@cleargate/contracts';
import { sanitizeCorrelationId } from '@cleargate/observability';
import { UpstreamFailure, UpstreamResponse } from '../upstream/upstream-client';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** An invocation as the gateway framed it: target, caller and the model input. */
export interface Invocation {
  meta: InvokeRequestMeta;
  payload: Uint8Array;
  /** Travels explicitly, not through AsyncLocalStorage (see libs/observability). */
  correlationId: string;
}

/** One token's calls all carry the same caller text: each distinct one is parsed and validated once. */
const callers = new LRUCache<string, Caller>({ max: 10_000 });

/** Step 1: the frame read and checked. */
export function decodeInvocation(frame: Uint8Array): Invocation {
  let meta: InvokeRequestMeta;
  let payload: Uint8Array;
  try {
    ({ meta, payload } = decodeInvokeFrame(frame, invokeRequestMetaSchema));
  } catch (err) {
    throw new AppError('invalid_argument', (err as Error).message);
  }
  return { meta, payload, correlationId: sanitizeCorrelationId(meta.correlation_id) };
}

/** The caller the gateway established from the token, as the frame carries it. */
export function callerOf({ caller: json }: { caller: string }): Caller {
  let caller = callers.get(json);
  if (caller) return caller;
  try {
    caller = callerSchema.parse(JSON.parse(json));
  } catch {
    throw new AppError('unauthenticated', 'the invocation carries no valid caller identity');
  }
  callers.set(json, caller);
  return caller;
}

/** What the caller gets back and the call log keeps. */
export interface Outcome {
  status: number;
  outcome: OndemandOutcome;
  contentType: string | undefined;
  body: Uint8Array;
  error: string | null;
  upstreamMs: number | null;
  isErrorEnvelope: boolean;
}

/**
 * Characters of a serving machine's 5xx answer the caller sees (`details.upstream_body`): enough
 * for a model's one-line error, too little to relay a page of whatever answered. Only a textual
 * answer (JSON, text, XML) is excerpted, with control characters replaced; anything else is left out.
 */
export const UPSTREAM_ERROR_EXCERPT_MAX = 200;

/** The start of a 5xx answer as the caller may see it, or null. */
export function upstreamErrorExcerpt(contentType: string | undefined, body: Uint8Array): string | null {
  if (!body.length || !/json|text|xml/i.test(contentType ?? '')) return null;
  // Decoding a few bytes more than kept cannot split the last kept character.
  const text = decoder.decode(body.subarray(0, UPSTREAM_ERROR_EXCERPT_MAX * 4)).slice(0, UPSTREAM_ERROR_EXCERPT_MAX);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

/**
 * Step 3a: the serving machine's answer as the caller sees it. 2xx and 4xx pass through with
 * their body (the model's answer to the caller's input); 5xx becomes 502 with at most
 * UPSTREAM_ERROR_EXCERPT_MAX characters of what the machine said.
 */
export function outcomeOfAnswer(answer: UpstreamResponse, machine: string): Outcome {
  if (answer.status >= 500) {
    const text = upstreamErrorExcerpt(answer.contentType, answer.body);
    return envelope(
      502,
      'upstream_error',
      {
        code: 'upstream_error',
        message: `the serving machine ${machine} answered ${answer.status}`,
        details: text === null ? { upstream_status: answer.status } : { upstream_status: answer.status, upstream_body: text },
      },
      answer.upstreamMs,
    );
  }
  return {
    status: answer.status,
    outcome: answer.status >= 400 ? 'client_error' : 'ok',
    contentType: answer.contentType,
    body: answer.body,
    error: answer.status >= 400 ? `upstream answered ${answer.status}` : null,
    upstreamMs: answer.upstreamMs,
    isErrorEnvelope: false,
  };
}

/** Step 3b: a failure as the caller sees it: timeout → 504, unreachable or open circuit → 503. */
export function outcomeOfError(err: unknown): Outcome {
  if (err instanceof UpstreamFailure) {
    switch (err.kind) {
      case 'timeout':
        return envelope(504, 'timeout', { code: 'upstream_timeout', message: err.message }, err.upstreamMs);
      case 'circuit_open':
        return envelope(503, 'circuit_open', { code: 'circuit_open', message: err.message }, null);
      case 'refused':
        return envelope(503, 'unavailable', { code: 'unavailable', message: err.message }, err.upstreamMs);
      default:
        return envelope(502, 'upstream_error', { code: 'upstream_error', message: err.message }, err.upstreamMs);
    }
  }
  const app = err instanceof AppError ? err : new AppError('internal', 'internal error');
  const outcome: OndemandOutcome =
    app.code === 'not_found'
      ? 'not_found'
      : app.code === 'forbidden'
        ? 'forbidden'
        : app.code === 'rate_limited'
          ? 'rate_limited'
          : app.httpStatus >= 500
            ? 'unavailable'
            : 'client_error';
  return envelope(app.httpStatus, outcome, app.toBody(), null);
}

function envelope(status: number, outcome: OndemandOutcome, error: ErrorBody, upstreamMs: number | null): Outcome {
  return {
    status,
    outcome,
    contentType: 'application/json',
    body: encoder.encode(JSON.stringify(error)),
    error: error.message.slice(0, 1000),
    upstreamMs,
    isErrorEnvelope: true,
  };
}

/** Step 4: the reply frame to the gateway. */
export function replyFrame(result: Outcome): Uint8Array {
  const meta: InvokeReplyMeta = { status: result.status };
  if (result.contentType) meta.content_type = result.contentType;
  if (result.isErrorEnvelope) meta.error = true;
  return encodeInvokeFrame(meta, result.body);
}

/** The start of a textual answer, for the call log (never an error envelope or a binary body). */
export function responseExcerpt(result: Outcome): string | null {
  const type = result.contentType ?? '';
  if (result.isErrorEnvelope || !/json|text|xml/.test(type) || !result.body.length) return null;
  return decoder.decode(result.body.subarray(0, RESPONSE_EXCERPT_MAX)).slice(0, RESPONSE_EXCERPT_MAX);
}
