import type { Logger } from 'pino';
import { KvConflictError, KvStore } from './kv';
import { NatsService } from './nats.service';

export interface LeaderLeaseOptions {
  bucket: string;
  key: string;
  ttlMs: number;
  /** Who holds the lease (host and process), written as the key's value. */
  identity: string;
}

/**
 * One leader among a service's replicas, elected through a JetStream KV key whose bucket
 * expires entries after `ttlMs`. The leader rewrites the key every ttl/5 (compare-and-set on
 * its revision); when it dies the key expires and a standby's `create` succeeds. A leader that
 * finds the key taken by someone else steps down at once. A renewal that fails otherwise (NATS
 * unreachable for a moment, a cluster electing a new leader for the bucket's stream) is retried
 * every 500 ms while the leader keeps leading, but never past the point where the key could have
 * expired: the key lives `ttlMs` from the last write, so the leader stops a margin (a second, a
 * quarter of the TTL for short ones) before `ttlMs` after the start of its last successful
 * renewal, whatever happens to the renewal in flight. So a NATS node failure does not cost the lead, and two leaders never overlap.
 *
 * How long a renewal may fail without costing the lead is ttl − margin − interval: 15 s of the
 * monitor's 20 s. It must outlast the election of a new leader for the bucket's stream when the
 * NATS node holding it dies: its followers wait 4–9 s for the lost leader (nats-server's raft
 * election timeout) before they campaign. Renewing every third of a 9 s lease left 5 s, and the
 * lead lapsed whenever the election took longer.
 */
export class LeaderLease {
  private kv?: KvStore;
  private revision = 0;
  private timer?: NodeJS.Timeout;
  /** Steps down when the lease could expire before a renewal succeeds. */
  private expiry?: NodeJS.Timeout;
  private leader = false;
  private stopped = false;
  /** The write in flight, which stop() waits for (else it could take the key just after stop gave it up). */
  private ticking?: Promise<void>;
  private readonly listeners: ((leader: boolean) => void)[] = [];

  constructor(
    private readonly nats: NatsService,
    private readonly options: LeaderLeaseOptions,
    private readonly logger: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    this.kv = await KvStore.open(this.nats, this.options.bucket, { history: 1, ttlMs: this.options.ttlMs });
    await this.run();
  }

  private run(): Promise<void> {
    this.ticking = this.tick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Gives the lease up so that a standby takes over without waiting for the expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    clearTimeout(this.expiry);
    if (this.leader && this.kv) {
      try {
        await this.kv.delete(this.options.key, this.revision);
      } catch {
        /* someone else holds it already */
      }
    }
    this.set(false);
  }

  /** How long before the key could expire the leader stops: a second, less for short leases. */
  private get margin(): number {
    return Math.min(1000, Math.floor(this.options.ttlMs / 4));
  }

  private get interval(): number {
    return Math.max(Math.floor(this.options.ttlMs / 5), 100);
  }

  private async tick(): Promise<void> {
    const kv = this.kv!;
    let next = this.interval;
    const started = Date.now();
    try {
      const revision = this.leader
        ? await kv.update(this.options.key, this.options.identity, this.revision)
        : await kv.create(this.options.key, this.options.identity);
      if (this.stopped) {
        // Stopped while this write was on its way: give the key up rather than hold it to its expiry.
        await kv.delete(this.options.key, revision).catch(() => undefined);
        return;
      }
      this.revision = revision;
      this.set(true);
      this.holdUntil(started + this.options.ttlMs - this.margin);
    } catch (err) {
      if (this.leader && !(err instanceof KvConflictError)) {
        // Not refused: not written (yet). Still ours until the expiry timer says otherwise.
        this.logger.warn({ err: String(err) }, 'could not renew the leader lease; retrying');
        next = 500;
      } else {
        // create: the key is held by someone alive; update: someone else holds it now.
        if (this.leader) this.logger.warn({ err: String(err) }, 'leader lease lost');
        this.set(false);
      }
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.run(), next);
      this.timer.unref();
    }
  }

  /** Leads until `deadline` unless a renewal moves it. */
  private holdUntil(deadline: number): void {
    clearTimeout(this.expiry);
    this.expiry = setTimeout(
      () => {
        if (!this.leader) return;
        this.logger.warn({ ttl_ms: this.options.ttlMs }, 'leader lease not renewed in time; standing down before it can expire');
        this.set(false);
      },
      Math.max(deadline - Date.now(), 0),
    );
    this.expiry.unref();
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    if (!leader) clearTimeout(this.expiry);
    this.logger.info({ leader, identity: this.options.identity }, leader ? 'became leader' : 'standing by');
    for (const l of this.listeners) l(leader);
  }
}
