import { createHash } from 'node:crypto';
import { KvConflictError } from '@cleargate/messaging';

/** The part of a JetStream KV bucket the token buckets use (KvStore). */
export interface BucketStore {
  get(key: string): Promise<{ value: Uint8Array; revision: number } | null>;
  create(key: string, value: string | Uint8Array): Promise<number>;
  update(key: string, value: string | Uint8Array, revision: number): Promise<number>;
}

/** Admitted, or refused with the seconds until a token is back. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface TokenBucketOptions {
  /** How many tokens one write to the store takes for this replica: `rate × grantMs`, at least 1. */
  grantMs: number;
  /** Tokens taken and not spent are dropped after this long (another replica may need them). */
  holdMs: number;
  /** Compare-and-set attempts before a call is refused for contention. */
  maxAttempts: number;
  now?: () => number;
}

interface SharedState {
  /** Tokens left at `at`. */
  t: number;
  at: number;
}

interface Local {
  tokens: number;
  expires: number;
  pending: Promise<TakeResult> | null;
  /** The last state this replica wrote or read, and its revision: saves a read before the next write. */
  known: { state: SharedState; revision: number } | null;
}

const ADMITTED: TakeResult = Object.freeze({ ok: true });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Token buckets shared by every gateway replica, kept in a JetStream KV bucket with
 * compare-and-set. A replica does not write to the store for every call: it takes a *grant* of
 * tokens (a tenth of a second's worth by default) in one compare-and-set and spends it locally,
 * so a caller at 1000 calls/s costs about ten writes a second per replica, and a caller within
 * its grant costs nothing but a map lookup. At low rates the grant is one token and every call
 * is one write, which keeps small limits exact across replicas. Tokens granted and not spent
 * lapse after `holdMs`: a replica never sits on another replica's share for long, at the price
 * of refusing a little early when a caller's calls jump between replicas.
 *
 * The store's state is `{t, at}`: tokens left at a time (this replica's clock); a reader refills
 * it by `rate × elapsed`, up to the burst. A conflict (another replica wrote first) reads the
 * key again and retries. When the store cannot be reached the call is admitted (`onStoreError`):
 * a limit is not worth refusing everyone for.
 */
export class SharedTokenBuckets {
  private readonly local = new Map<string, Local>();
  private readonly now: () => number;

  constructor(
    private readonly store: BucketStore,
    private readonly options: TokenBucketOptions,
    private readonly onStoreError: (err: unknown) => void,
    private readonly onWrite: (outcome: 'granted' | 'conflict' | 'empty') => void = () => undefined,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The KV key of a bucket: hashed, since user names may hold characters keys cannot. */
  static key(parts: string[]): string {
    return `b.${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
  }

  /**
   * Takes one token: `ADMITTED` at once when this replica holds one, otherwise a promise of the
   * store's answer (concurrent calls of one bucket share one write).
   */
  take(key: string, rate: number, burst: number): TakeResult | Promise<TakeResult> {
    let local = this.local.get(key);
    if (!local) this.local.set(key, (local = { tokens: 0, expires: 0, pending: null, known: null }));
    if (local.tokens >= 1 && this.now() < local.expires) {
      local.tokens -= 1;
      return ADMITTED;
    }
    return this.refill(key, local, rate, burst);
  }

  /** Buckets held in memory (for the metrics). */
  get size(): number {
    return this.local.size;
  }

  /** Forgets local buckets with nothing held (called now and then to keep the map small). */
  sweep(): void {
    const now = this.now();
    for (const [key, local] of this.local) if (!local.pending && (local.tokens < 1 || now >= local.expires)) this.local.delete(key);
  }

  private async refill(key: string, local: Local, rate: number, burst: number): Promise<TakeResult> {
    for (;;) {
      if (local.pending) {
        const result = await local.pending;
        if (!result.ok) return result;
        if (local.tokens >= 1 && this.now() < local.expires) {
          local.tokens -= 1;
          return ADMITTED;
        }
        continue; // the grant was spent by the calls that waited with us: ask for another
      }
      local.pending = this.grant(key, local, rate, burst);
      try {
        const result = await local.pending;
        if (!result.ok) return result;
      } finally {
        local.pending = null;
      }
      if (local.tokens >= 1) {
        local.tokens -= 1;
        return ADMITTED;
      }
    }
  }

  private async grant(key: string, local: Local, rate: number, burst: number): Promise<TakeResult> {
    const want = Math.max(1, Math.min(burst, Math.floor((rate * this.options.grantMs) / 1000)));
    try {
      for (let attempt = 0; attempt < this.options.maxAttempts; attempt++) {
        let known = local.known;
        if (!known) {
          const entry = await this.store.get(key);
          known = entry ? { state: decode(entry.value), revision: entry.revision } : null;
        }
        const now = this.now();
        const elapsed = known ? Math.max(0, now - known.state.at) / 1000 : 0;
        const tokens = known ? Math.min(burst, known.state.t + elapsed * rate) : burst;
        if (tokens < 1) {
          local.known = known;
          this.onWrite('empty');
          return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / rate)) };
        }
        const granted = Math.min(want, Math.floor(tokens));
        const state: SharedState = { t: tokens - granted, at: now };
        try {
          const revision = known
            ? await this.store.update(key, encode(state), known.revision)
            : await this.store.create(key, encode(state));
          local.known = { state, revision };
          local.tokens = granted;
          local.expires = this.now() + this.options.holdMs;
          this.onWrite('granted');
          return ADMITTED;
        } catch (err) {
          if (!(err instanceof KvConflictError)) throw err;
          local.known = null; // another replica wrote first: read it again
          this.onWrite('conflict');
        }
      }
      return { ok: false, retryAfterSeconds: 1 };
    } catch (err) {
      local.known = null;
      this.onStoreError(err);
      // Fail open, for one call: the next call asks the store again.
      local.tokens = 1;
      local.expires = this.now() + this.options.holdMs;
      return ADMITTED;
    }
  }
}

function encode(state: SharedState): Uint8Array {
  return encoder.encode(JSON.stringify(state));
}

function decode(value: Uint8Array): SharedState {
  try {
    const parsed = JSON.parse(decoder.decode(value)) as SharedState;
    if (typeof parsed.t === 'number' && typeof parsed.at === 'number' && Number.isFinite(parsed.t) && Number.isFinite(parsed.at))
      return parsed;
  } catch {
    // a value this code did not write: start the bucket again
  }
  return { t: 0, at: 0 };
}
