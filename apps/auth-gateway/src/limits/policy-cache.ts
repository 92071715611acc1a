import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { highestRole } from '@cleargate/auth';
import { Caller, EffectiveLimits, LimitIndex, LimitValues, policyChanged, policySnapshot, Suspension } from '@cleargate/contracts';
import { NatsService, RpcClient, subscribeEvents, SubscriptionHandle } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

export interface ResolvedLimits {
  limits: EffectiveLimits;
  scoped: Partial<Record<keyof LimitValues, string>>;
}

const RETRY_MS = 2_000;

/**
 * The policy the gateway enforces, in memory: limit rules and suspended users, read from the
 * registry at start, again whenever the registry announces a change (`registry.policy.changed.v1`,
 * to every replica at once) and every POLICY_RESYNC_MS in case an announcement was missed. Until
 * the first read succeeds nothing is limited or suspended (the registry may start after the
 * gateway); it is retried every two seconds.
 */
@Injectable()
export class PolicyCache implements OnApplicationBootstrap, OnModuleDestroy {
  private index = new LimitIndex([]);
  private suspended = new Map<string, Suspension>();
  private version = -1;
  private loading: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private subscription?: SubscriptionHandle;
  /** Resolved limits per (caller, endpoint), emptied whenever the policy changes. */
  private readonly resolved = new LRUCache<string, ResolvedLimits>({ max: 50_000 });

  constructor(
    private readonly rpc: RpcClient,
    private readonly nats: NatsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    const version = () => this.version;
    metrics.gauge('policy_version', 'Version of the limits and suspensions this replica enforces (-1: not read yet)', [], function () {
      this.set(version());
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = subscribeEvents(
      this.nats,
      policyChanged,
      ({ version }) => {
        if (version > this.version) void this.reload();
      },
      this.logger,
    );
    await this.reload();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
  }

  /** True when nothing is limited and nobody suspended: the hot path skips every check. */
  get empty(): boolean {
    return this.index.size === 0 && this.suspended.size === 0;
  }

  suspension(username: string): Suspension | undefined {
    return this.suspended.size ? this.suspended.get(username) : undefined;
  }

  /** The limits of a caller's calls to an endpoint (`machineId/endpoint`). */
  limitsFor(caller: Caller, endpointKey: string): ResolvedLimits {
    const key = `${caller.username}\u0000${endpointKey}`;
    let resolved = this.resolved.get(key);
    if (!resolved) {
      resolved = this.index.resolve(caller.username, highestRole(caller.roles), { endpoint: endpointKey });
      this.resolved.set(key, resolved);
    }
    return resolved;
  }

  /** Reads the policy again now (after this replica changed it, or when told it changed). */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(): Promise<void> {
    clearTimeout(this.timer);
    let next = this.config.POLICY_RESYNC_MS;
    try {
      const snapshot = await this.rpc.request(policySnapshot, {}, { timeoutMs: 5_000 });
      if (snapshot.version !== this.version) {
        this.index = new LimitIndex(snapshot.rules);
        this.suspended = new Map(snapshot.suspended.map((s) => [s.username, s]));
        this.resolved.clear();
        if (this.version !== -1 || snapshot.version > 0)
          this.logger.info(
            { version: snapshot.version, rules: snapshot.rules.length, suspended: snapshot.suspended.length },
            'policy loaded',
          );
        this.version = snapshot.version;
      }
    } catch (err) {
      if (this.version === -1) next = RETRY_MS;
      this.logger.warn({ err }, 'could not read the limits and suspensions from the registry; will retry');
    }
    this.timer = setTimeout(() => void this.reload(), next);
    this.timer.unref();
  }
}
