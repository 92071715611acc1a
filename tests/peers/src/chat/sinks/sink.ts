import type { PeerRequest, Reply } from '../http';
import type { ChatChannel, Formatting, RejectionKind } from '../types';

export interface Accepted {
  id: string;
  target: string;
  payload: unknown;
  text: string;
  formatting: Formatting;
  parts?: string[];
}

export interface Outcome {
  reply: Reply;
  accepted?: Accepted;
  rejected?: { kind: RejectionKind; reason: string };
  /** An idempotent replay: answer again without recording a second delivery. */
  replayOf?: string;
}

export interface HttpSink {
  readonly channel: ChatChannel;
  /** Does this path belong to the sink (so faults and outages apply to it)? */
  matches(req: PeerRequest): boolean;
  handle(req: PeerRequest): Outcome;
  /** The provider's own answer to an injected 429/500/503. */
  faultReply(status: 429 | 500 | 503, retryAfterSec: number): Reply;
  /** What a client sees while the provider is down. */
  outageReply(): Reply;
  reset?(): void;
}

/** Per-channel secrets: `null` accepts every well-formed credential. */
export class Credentials {
  private readonly known = new Map<ChatChannel, Set<string> | null>();
  set(channel: ChatChannel, values: readonly string[] | null): void {
    this.known.set(channel, values === null ? null : new Set(values));
  }
  /** `true` when accepted, `false` when configured and unknown. */
  accepts(channel: ChatChannel, value: string): boolean {
    const set = this.known.get(channel);
    return set === undefined || set === null || set.has(value);
  }
  /** Is some configured credential of the channel starting with `prefix` (a known id with another token)? */
  hasPrefix(channel: ChatChannel, prefix: string): boolean {
    const set = this.known.get(channel);
    return set !== undefined && set !== null && [...set].some((v) => v.startsWith(prefix));
  }
  isRestricted(channel: ChatChannel): boolean {
    const set = this.known.get(channel);
    return set !== undefined && set !== null;
  }
}

export const reject = (reply: Reply, kind: RejectionKind, reason: string): Outcome => ({ reply, rejected: { kind, reason } });

let counter = 0;
export function nextSeq(): number {
  counter += 1;
  return counter;
}
