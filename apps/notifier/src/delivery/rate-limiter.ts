/**
 * Token buckets per channel, written as GCRA (virtual scheduling): a request reserves the next
 * free slot, which lies in the future once the burst is used up. A reservation is kept per
 * (channel, alert) until that alert is actually sent, so an alert sent back to the queue to wait
 * for its slot finds it when it returns instead of queueing again. A provider's 429 blocks the
 * channel until its Retry-After has passed, for every alert.
 */
export class ChannelRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly reservations = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  configure(channel: string, ratePerSec: number, burst: number): void {
    this.buckets.set(channel, { intervalMs: 1000 / ratePerSec, toleranceMs: ((burst - 1) * 1000) / ratePerSec, tat: 0, blockedUntil: 0 });
  }

  /**
   * Milliseconds to wait before `key` may be sent on `channel` (0: now). Reserves the slot on the
   * first call for this key; later calls return the remaining wait of the same slot.
   */
  acquire(channel: string, key: string): number {
    const bucket = this.bucket(channel);
    const now = this.now();
    const id = `${channel}\u0000${key}`;
    let at = this.reservations.get(id);
    if (at === undefined) {
      at = Math.max(now, bucket.tat - bucket.toleranceMs, bucket.blockedUntil);
      bucket.tat = Math.max(bucket.tat, at) + bucket.intervalMs;
      this.reservations.set(id, at);
      if (this.reservations.size > 10_000) this.prune(now);
    }
    return Math.max(0, Math.max(at, bucket.blockedUntil) - now);
  }

  /** The reserved slot was used (the request is being sent). */
  release(channel: string, key: string): void {
    this.reservations.delete(`${channel}\u0000${key}`);
  }

  /** The provider asked to wait: nothing goes to the channel before `until`. */
  block(channel: string, until: number): void {
    const bucket = this.bucket(channel);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, until);
    bucket.tat = Math.max(bucket.tat, bucket.blockedUntil + bucket.toleranceMs);
  }

  private bucket(channel: string): Bucket {
    const bucket = this.buckets.get(channel);
    if (!bucket) throw new Error(`no rate limit configured for channel ${channel}`);
    return bucket;
  }

  /** Reservations of alerts that never came back (e.g. handled by another replica). */
  private prune(now: number): void {
    for (const [id, at] of this.reservations) if (at < now - 10 * 60_000) this.reservations.delete(id);
  }
}

interface Bucket {
  intervalMs: number;
  toleranceMs: number;
  /** Theoretical arrival time of the next request. */
  tat: number;
  blockedUntil: number;
}
