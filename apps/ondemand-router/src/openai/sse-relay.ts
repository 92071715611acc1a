/** Token counts from an OpenAI answer's `usage`. */
export interface TokenUsage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

const USAGE = Buffer.from('"usage"');
const ERROR = Buffer.from('"error"');
const DONE = Buffer.from('[DONE]');

/**
 * Relays an upstream's server-sent events as they come, event by event, without holding more
 * than one incomplete event: counts tokens from the `usage` it meets (the last one wins), drops
 * the usage-only chunk (empty `choices`) when the caller did not ask for it, and notes the end
 * (`data: [DONE]`) and an error event. Chunks with none of those markers pass through as they
 * are, without being split or parsed.
 */
export class SseRelay {
  private tail: Buffer | null = null;
  usage: TokenUsage | null = null;
  /** `data: [DONE]` was seen. */
  done = false;
  /** The message of an error event the upstream sent mid-stream. */
  error: string | null = null;

  constructor(private readonly stripUsageChunk: boolean) {}

  /** The complete events of `chunk` (plus what was held back) to send on; may be empty. */
  push(chunk: Buffer): Buffer {
    const buffer = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
    const end = lastEventEnd(buffer);
    if (end === -1) {
      this.tail = buffer;
      return EMPTY;
    }
    this.tail = end < buffer.length ? Buffer.from(buffer.subarray(end)) : null;
    const events = buffer.subarray(0, end);
    if (events.indexOf(USAGE) === -1 && events.indexOf(ERROR) === -1 && events.indexOf(DONE) === -1) return events;
    return this.inspect(events);
  }

  /** What is left at the end of the stream (an event without its blank line). */
  flush(): Buffer {
    const rest = this.tail ?? EMPTY;
    this.tail = null;
    return rest.length ? this.inspect(rest) : rest;
  }

  private inspect(events: Buffer): Buffer {
    const kept: Buffer[] = [];
    let dropped = false;
    let start = 0;
    while (start < events.length) {
      const end = nextEventEnd(events, start);
      const event = events.subarray(start, end);
      start = end;
      if (this.keep(event)) kept.push(event);
      else dropped = true;
    }
    return dropped ? Buffer.concat(kept) : events;
  }

  /** False for the usage-only chunk the caller did not ask for. */
  private keep(event: Buffer): boolean {
    const data = dataOf(event);
    if (data === null) return true;
    if (data === '[DONE]') {
      this.done = true;
      return true;
    }
    if (!data.includes('"usage"') && !data.includes('"error"')) return true;
    let json: { usage?: unknown; choices?: unknown; error?: { message?: unknown } } | null;
    try {
      json = JSON.parse(data);
    } catch {
      return true;
    }
    if (!json || typeof json !== 'object') return true;
    if (json.error && typeof json.error === 'object') {
      this.error = typeof json.error.message === 'string' ? json.error.message.slice(0, 900) : 'the model sent an error event';
      return true;
    }
    const usage = tokenUsage(json.usage);
    if (usage) this.usage = usage;
    return !(usage && this.stripUsageChunk && Array.isArray(json.choices) && json.choices.length === 0);
  }
}

const EMPTY = Buffer.alloc(0);

/** The end of the last complete event (after its blank line), or -1. */
function lastEventEnd(buffer: Buffer): number {
  const lf = buffer.lastIndexOf('\n\n');
  const crlf = buffer.lastIndexOf('\r\n\r\n');
  if (lf === -1 && crlf === -1) return -1;
  return Math.max(lf === -1 ? -1 : lf + 2, crlf === -1 ? -1 : crlf + 4);
}

function nextEventEnd(buffer: Buffer, from: number): number {
  const lf = buffer.indexOf('\n\n', from);
  const crlf = buffer.indexOf('\r\n\r\n', from);
  if (lf === -1 && crlf === -1) return buffer.length;
  if (lf === -1) return crlf + 4;
  if (crlf === -1) return lf + 2;
  return Math.min(lf + 2, crlf + 4);
}

/** The joined `data:` lines of an event (the SSE spec's rule), or null when it has none. */
function dataOf(event: Buffer): string | null {
  let data: string | null = null;
  for (const line of event.toString('utf8').split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line[5] === ' ' ? 6 : 5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

export function tokenUsage(usage: unknown): TokenUsage | null {
  if (!usage || typeof usage !== 'object') return null;
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const count = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  return prompt === null && completion === null ? null : { prompt_tokens: prompt, completion_tokens: completion };
}

/**
 * The `usage` of a JSON answer from its last bytes: OpenAI's and vLLM's answers put `usage`
 * after `choices`/`data`, so the tail holds it without the whole answer being kept.
 */
export class JsonTail {
  private tail = '';

  constructor(private readonly keep = 16 * 1024) {}

  push(chunk: Buffer): void {
    const text = chunk.length >= this.keep ? chunk.toString('latin1', chunk.length - this.keep) : chunk.toString('latin1');
    this.tail = (this.tail + text).slice(-this.keep);
  }

  usage(): TokenUsage | null {
    const at = this.tail.lastIndexOf('"usage"');
    if (at === -1) return null;
    let i = at + 7;
    while (i < this.tail.length && /[\s:]/.test(this.tail[i]!)) i++;
    if (this.tail[i] !== '{') return null;
    const end = objectEnd(this.tail, i);
    if (end === -1) return null;
    try {
      return tokenUsage(JSON.parse(this.tail.slice(i, end)));
    } catch {
      return null;
    }
  }
}

/** The index after the `}` closing the object opened at `start`, or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}
