import type { Logger } from 'pino';
import { KvStore } from './kv';
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
 * expires entries after `ttlMs`. The leader rewrites the key every ttl/3 (compare-and-set on
 * its revision); when it dies the key expires and a standby's `create` succeeds. A leader that
 * fails to renew (someone else holds the key) steps down at once.
 */
export class LeaderLease {
  private kv?: KvStore;
  private revision = 0;
  private timer?: NodeJS.Timeout;
  private leader = false;
  private stopped = false;
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
    await this.tick();
  }

  /** Gives the lease up so that a standby takes over without waiting for the expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leader && this.kv) {
      try {
        await this.kv.delete(this.options.key, this.revision);
      } catch {
        /* someone else holds it already */
      }
    }
    this.set(false);
  }

  private async tick(): Promise<void> {
    const kv = this.kv!;
    try {
      if (this.leader) {
        this.revision = await kv.update(this.options.key, this.options.identity, this.revision);
      } else {
        this.revision = await kv.create(this.options.key, this.options.identity);
        this.set(true);
      }
    } catch (err) {
      // create: the key is held by someone alive; update: we lost it (expired and taken over).
      if (this.leader) this.logger.warn({ err: String(err) }, 'leader lease lost');
      this.set(false);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), Math.max(Math.floor(this.options.ttlMs / 3), 100));
      this.timer.unref();
    }
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.logger.info({ leader, identity: this.options.identity }, leader ? 'became leader' : 'standing by');
    for (const l of this.listeners) l(leader);
  }
}
