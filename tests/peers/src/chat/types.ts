export const CHAT_CHANNELS = ['slack', 'teams', 'mattermost', 'discord', 'telegram', 'matrix', 'webhook', 'email'] as const;
export type ChatChannel = (typeof CHAT_CHANNELS)[number];

export function isChatChannel(value: unknown): value is ChatChannel {
  return typeof value === 'string' && (CHAT_CHANNELS as readonly string[]).includes(value);
}

/** What a reader of the delivered message would see emphasised, extracted from the provider's own markup. */
export interface Formatting {
  bold: string[];
  italic: string[];
  /** Inline monospace spans. */
  code: string[];
  /** Monospace blocks (console lines belong here). */
  pre: string[];
  links: Array<{ text: string; url: string }>;
}

export function emptyFormatting(): Formatting {
  return { bold: [], italic: [], code: [], pre: [], links: [] };
}

export function mergeFormatting(...parts: Formatting[]): Formatting {
  const out = emptyFormatting();
  for (const part of parts) {
    out.bold.push(...part.bold);
    out.italic.push(...part.italic);
    out.code.push(...part.code);
    out.pre.push(...part.pre);
    out.links.push(...part.links);
  }
  return out;
}

export interface RecordedRequest {
  /** HTTP method, or `SMTP` for mail. */
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names; for mail, the message headers. */
  headers: Record<string, string>;
  /** The raw request body (for mail, the raw RFC 5322 message). */
  body: string;
}

export interface ReceivedMessage {
  channel: ChatChannel;
  /** The identifier the provider answered with (event id, message id, ...), or a peer-made one. */
  id: string;
  time: Date;
  /** Where it went: webhook path, chat id, room id, webhook name, recipient list. */
  target: string;
  request: RecordedRequest;
  /** The parsed payload as the provider would have understood it. */
  payload: unknown;
  /** Plain text as a reader would see it, markup removed. */
  text: string;
  formatting: Formatting;
  /** Set when the provider splits one request into several posts (Mattermost). */
  parts?: string[];
  /** Further identical requests answered from the provider's idempotency cache without posting again. */
  repeats: number;
}

export type RejectionKind = 'invalid' | 'auth' | 'not-found' | 'fault' | 'outage';

export interface RejectedRequest {
  channel: ChatChannel | 'unknown';
  time: Date;
  kind: RejectionKind;
  /** HTTP status or SMTP reply code the client got. Teams answers 202 even when the flow run later fails. */
  status: number;
  reason: string;
  request: RecordedRequest;
}

export type ChatFault =
  | { status: 429; retryAfterSec?: number; times?: number }
  | { status: 500 | 503; times?: number }
  /** Mail only: answer MAIL FROM (or another phase) with this SMTP reply. */
  | { smtpCode: number; message?: string; phase?: SmtpPhase; times?: number };

export type SmtpPhase = 'connect' | 'mail' | 'rcpt' | 'data';
