import type { Alert } from '@cleargate/contracts';
import type { ChannelType } from './channel-config';

/**
 * Why a delivery did not happen. `transient`: try again later (5xx, timeouts, refused
 * connections); `rate_limited`: the provider said to wait (`retryAfterMs` when it said how long);
 * `permanent`: retrying cannot help (unknown webhook, bad credentials, refused payload).
 * Messages never contain URLs, tokens or other channel secrets.
 */
export class DeliveryError extends Error {
  constructor(
    readonly kind: 'transient' | 'rate_limited' | 'permanent',
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface SendContext {
  /** Stable per (alert, channel): idempotency keys (Matrix txnId, Message-ID) derive from it. */
  deliveryId: string;
}

export interface SendReceipt {
  /** The provider's id for the posted message, when it returns one. */
  messageId?: string;
}

/** One configured channel: formats an alert for its provider and sends it. */
export interface ChatChannel {
  readonly name: string;
  readonly type: ChannelType;
  send(alert: Alert, context: SendContext): Promise<SendReceipt>;
  /** Replaces every secret of this channel (URL, path, token, password) found in `text`. */
  redact(text: string): string;
  close?(): Promise<void>;
}

/**
 * Knows a channel's secrets and removes them from any text (error messages, response excerpts)
 * before it is logged, put in a dead-letter reason or anywhere else.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(values: Array<string | undefined>) {
    const all = new Set<string>();
    for (const value of values) {
      if (!value) continue;
      all.add(value);
      for (const encoded of [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) all.add(encoded);
    }
    // Longest first, so that a URL is replaced whole rather than leaving pieces of it.
    this.secrets = [...all].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  }

  /**
   * The secret parts of a URL: the whole URL, its path and query, each query value and each path
   * segment that looks like a key (long, or with digits; not words such as `services`).
   */
  static urlParts(url: string): string[] {
    const parsed = new URL(url);
    const parts = [url, parsed.href, parsed.pathname + parsed.search, parsed.search.slice(1)];
    for (const segment of parsed.pathname.split('/')) {
      if (segment.length >= 16 || (segment.length >= 6 && /\d/.test(segment))) parts.push(segment, safeDecode(segment));
    }
    for (const value of parsed.searchParams.values()) if (value.length >= 6) parts.push(value);
    if (parsed.password) parts.push(parsed.password);
    return parts;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
