import { serverSentEvents, type ServerSentEvent } from './sse';

/** Tokens of a call, from the model's `usage`. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** What went wrong, from OpenAI's error shape `{error: {message, type, param, code}}` where the server gave one. */
export interface ChatError {
  message: string;
  /** The HTTP status of an answer refused before it started; absent for a failure during the answer. */
  status?: number;
  type?: string | null;
  code?: string | null;
  param?: string | null;
  requestId?: string | null;
}

/** A chat call that failed: refused by the gateway or the model, broken off, or not reachable. */
export class ChatFailure extends Error {
  constructor(readonly error: ChatError) {
    super(error.message);
    this.name = 'ChatFailure';
  }
}

/** What a streamed chat completion says, piece by piece. */
export type ChatEvent =
  | { type: 'content'; text: string }
  | { type: 'finish'; reason: string }
  | { type: 'usage'; usage: Usage }
  /** A failure after the answer started (vLLM's error event); the answer ends there. */
  | { type: 'error'; error: ChatError };

/** OpenAI's error body (`{error: {...}}`) as a ChatError, or null when the body is something else. */
export function openaiError(body: unknown): ChatError | null {
  const e = (body as { error?: unknown } | null)?.error;
  if (!e || typeof e !== 'object') return null;
  const { message, type, code, param } = e as Record<string, unknown>;
  if (typeof message !== 'string') return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  return { message, type: text(type), code: text(code), param: text(param) };
}

function isUsage(value: unknown): value is Usage {
  return !!value && typeof value === 'object' && typeof (value as Usage).prompt_tokens === 'number';
}

/**
 * The chat events of an OpenAI chat completion stream: the text of each `chat.completion.chunk`
 * (first choice), its finish reason, the usage chunk (`stream_options.include_usage`) and a
 * mid-stream `{error}` event. It ends at `data: [DONE]`; a stream that stops before it was cut
 * off (the connection dropped), and says so.
 */
export async function* chatEvents(events: AsyncIterable<ServerSentEvent>): AsyncGenerator<ChatEvent> {
  for await (const event of events) {
    if (event.data === '[DONE]') return;
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw new ChatFailure({ message: `The model sent an event that is not JSON: ${event.data.slice(0, 200)}` });
    }
    const error = openaiError(chunk);
    if (error || event.event === 'error') {
      yield { type: 'error', error: error ?? { message: event.data.slice(0, 500) } };
      continue;
    }
    const { choices, usage } = chunk as { choices?: unknown; usage?: unknown };
    const first = Array.isArray(choices)
      ? (choices.find((c) => (c as { index?: unknown })?.index === 0 || (c as { index?: unknown })?.index === undefined) as
          { delta?: { content?: unknown }; finish_reason?: unknown } | undefined)
      : undefined;
    const text = first?.delta?.content;
    if (typeof text === 'string' && text) yield { type: 'content', text };
    if (typeof first?.finish_reason === 'string') yield { type: 'finish', reason: first.finish_reason };
    if (isUsage(usage)) yield { type: 'usage', usage };
  }
  throw new ChatFailure({ message: 'The answer was cut off: the connection closed before the model finished' });
}

export type ChatMessage = {
  role: 'system' | 'user' | 'assistant';
  content: string;
};

/** Sends a streamed chat completion; answers the body of an accepted call, throws ChatFailure otherwise. */
export type SendChat = (
  request: { model: string; messages: ChatMessage[] },
  signal: AbortSignal,
) => Promise<{ body: ReadableStream<Uint8Array<ArrayBuffer>>; requestId: string | null }>;

/** What a running chat call reports, in order; `at` from the clock given to runChat. */
export type ChatProgress =
  | { type: 'answering'; requestId: string | null; at: number }
  | (ChatEvent & { at: number })
  | { type: 'end'; at: number }
  | { type: 'stopped'; at: number }
  | { type: 'failed'; error: ChatError; at: number };

/**
 * One streamed call: sends the conversation, reports every piece of the answer as it is read,
 * then how it ended: `end` ([DONE]), `stopped` (the signal aborted: the request and its stream
 * are cancelled) or `failed`.
 */
export async function runChat(
  send: SendChat,
  request: { model: string; messages: ChatMessage[] },
  signal: AbortSignal,
  report: (progress: ChatProgress) => void,
  now: () => number = () => performance.now(),
): Promise<void> {
  try {
    const { body, requestId } = await send(request, signal);
    report({ type: 'answering', requestId, at: now() });
    for await (const event of chatEvents(serverSentEvents(body))) report({ ...event, at: now() });
    report({ type: 'end', at: now() });
  } catch (err) {
    if (signal.aborted) report({ type: 'stopped', at: now() });
    else if (err instanceof ChatFailure) report({ type: 'failed', error: err.error, at: now() });
    else report({ type: 'failed', error: { message: `The answer could not be read (${(err as Error)?.message ?? err})` }, at: now() });
  }
}
