import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppError, BUCKETS, Caller, endpointKey } from '@cleargate/contracts';
import { KvStore, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { PolicyCache } from './policy-cache';
import { SharedTokenBuckets } from './token-buckets';

/** Ends a call's hold on its caller's in-flight slot. */
export type Release = () => void;
const NOTHING_HELD: Release = () => undefined;

export const GATEWAY_REFUSAL_REASONS = ['rate', 'in_flight', 'suspended'] as const;
const BUCKET_TTL_MS = 24 * 3_600_000;
const SWEEP_MS = 60_000;

/**
 * The per-caller limits of on-demand calls, on both on-demand routes: calls per second from a
 * token bucket every replica shares (SharedTokenBuckets on JetStream KV) and calls in flight on
 * this replica. Over either: 429 with Retry-After. When no rule limits anything the check is a
 * single branch.
 */
@Injectable()
export class CallLimiter implements OnApplicationBootstrap, OnModuleDestroy {
  private buckets: SharedTokenBuckets | null = null;
  private readonly inFlight = new Map<string, number>();
  private readonly refusals;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly policy: PolicyCache,
    private readonly nats: NatsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.refusals = metrics.counter('limit_refusals_total', 'Requests refused by a limit or a suspension, by reason', ['reason']);
    for (const reason of GATEWAY_REFUSAL_REASONS) this.refusals.inc({ reason }, 0);
  }

  async onApplicationBootstrap(): Promise<void> {
    const kv = await KvStore.open(this.nats, BUCKETS.gatewayRateLimits, {
      history: 1,
      ttlMs: BUCKET_TTL_MS,
      description: 'Token buckets of the on-demand rate limits, shared by the gateway replicas',
    });
    const writes = this.metrics.counter(
      'rate_limit_store_writes_total',
      'Compare-and-set round trips of the shared rate limits, by outcome',
      ['outcome'],
    );
    for (const outcome of ['granted', 'conflict', 'empty']) writes.inc({ outcome }, 0);
    const errors = this.metrics.counter(
      'rate_limit_store_errors_total',
      'Rate-limit checks the shared store could not answer (the call was let through)',
    );
    let lastWarning = 0;
    this.buckets = new SharedTokenBuckets(
      kv,
      { grantMs: this.config.RATE_LIMIT_GRANT_MS, holdMs: this.config.RATE_LIMIT_HOLD_MS, maxAttempts: 5 },
      (err) => {
        errors.inc();
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          this.logger.warn({ err }, 'the shared rate-limit store is not answering: calls are let through');
        }
      },
      (outcome) => writes.inc({ outcome }),
    );
    const buckets = this.buckets;
    this.metrics.gauge('rate_limit_buckets', 'Rate-limit buckets this replica holds tokens of', [], function () {
      this.set(buckets.size);
    });
    this.sweeper = setInterval(() => buckets.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Admits one call of `caller` to the endpoint, or throws 429. The answer is synchronous unless
   * the caller's shared bucket must be asked for tokens. Call the returned function when the
   * call has been answered.
   */
  admit(caller: Caller, machineId: string, endpoint: string): Release | Promise<Release> {
    if (this.policy.empty) return NOTHING_HELD;
    const key = endpointKey(machineId, endpoint);
    const { limits, scoped } = this.policy.limitsFor(caller, key);
    let release = NOTHING_HELD;
    if (limits.max_in_flight !== null) {
      const user = caller.username;
      const held = this.inFlight.get(user) ?? 0;
      if (held >= limits.max_in_flight) {
        this.refusals.inc({ reason: 'in_flight' });
        throw new AppError('rate_limited', `you have ${held} on-demand calls in flight, your limit is ${limits.max_in_flight}`, {
          reason: 'in_flight',
          limit: limits.max_in_flight,
          retry_after_s: 1,
        });
      }
      this.inFlight.set(user, held + 1);
      let released = false;
      release = () => {
        if (released) return;
        released = true;
        const n = (this.inFlight.get(user) ?? 1) - 1;
        if (n > 0) this.inFlight.set(user, n);
        else this.inFlight.delete(user);
      };
    }
    if (limits.calls_per_second === null || !this.buckets) return release;
    const rate = limits.calls_per_second;
    const burst = limits.burst ?? Math.max(1, Math.ceil(rate));
    const bucket = SharedTokenBuckets.key([caller.username, scoped.calls_per_second ?? '*']);
    const taken = this.buckets.take(bucket, rate, burst);
    if (!(taken instanceof Promise)) return this.decide(taken, release, rate, burst);
    return taken.then((result) => this.decide(result, release, rate, burst));
  }

  private decide(result: { ok: true } | { ok: false; retryAfterSeconds: number }, release: Release, rate: number, burst: number): Release {
    if (result.ok) return release;
    release();
    this.refusals.inc({ reason: 'rate' });
    throw new AppError('rate_limited', `too many on-demand calls: your limit is ${rate} per second (bursts of ${burst})`, {
      reason: 'rate',
      limit: rate,
      burst,
      retry_after_s: result.retryAfterSeconds,
    });
  }
}
