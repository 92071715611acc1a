import { DeliveryError } from './channel';
import type { HttpReply } from './http-client';

/** `Retry-After` as delay-seconds (integer or decimal) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What the provider said, briefly: the error fields of a JSON body, or a short text body. HTML pages say nothing. */
function describe(reply: HttpReply): string {
  const json = parseJsonObject(reply.text);
  if (json) {
    const error = json.error;
    const parts = [
      json.errcode,
      json.code,
      typeof error === 'object' && error !== null
        ? ((error as Record<string, unknown>).code ?? (error as Record<string, unknown>).message)
        : error,
      json.description,
      json.message,
    ].filter((v) => typeof v === 'string' || typeof v === 'number');
    return parts.map(String).join(' ');
  }
  if ((reply.headers['content-type'] ?? '').includes('html')) return '';
  return reply.text;
}

export interface ReplyRules {
  /** Success besides the status being 2xx (e.g. Telegram's `ok: true`). */
  ok?: (reply: HttpReply) => boolean;
  /** A provider-specific wait, read from the body (Discord `retry_after`, Telegram `parameters.retry_after`, Matrix `retry_after_ms`). */
  retryAfterMs?: (reply: HttpReply) => number | undefined;
}

/**
 * Throws the DeliveryError a reply stands for: 429 → rate_limited (with the provider's wait);
 * 408, 425 and 5xx → transient; any other non-2xx (or a 2xx the provider marks as failed) →
 * permanent. The message keeps the status and the provider's words, with secrets removed.
 */
export function checkReply(reply: HttpReply, redact: (text: string) => string, rules: ReplyRules = {}): void {
  const success = reply.status >= 200 && reply.status < 300 && (rules.ok ? rules.ok(reply) : true);
  if (success) return;
  const said = redact(describe(reply)).replace(/\s+/g, ' ').trim().slice(0, 200);
  const message = `HTTP ${reply.status}${said ? `: ${said}` : ''}`;
  const headerWait = parseRetryAfter(reply.headers['retry-after']);
  if (reply.status === 429) {
    throw new DeliveryError('rate_limited', message, rules.retryAfterMs?.(reply) ?? headerWait, reply.status);
  }
  if (reply.status === 408 || reply.status === 425 || reply.status >= 500) {
    throw new DeliveryError('transient', message, headerWait, reply.status);
  }
  throw new DeliveryError('permanent', message, undefined, reply.status);
}
