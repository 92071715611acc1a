import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppError, Caller, endpointKey, usageTokensToday } from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Metrics } from '@cleargate/observability';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { PolicyCache } from './policy-cache';

const DAY_MS = 86_400_000;

/**
 * The daily token quota of LLM calls (`tokens_per_day`): before a call, the caller's tokens of
 * the UTC day so far, as the registry's usage rollups have them (the call log's prompt and
 * completion tokens), are compared with the quota. The count is kept for TOKEN_QUOTA_CACHE_MS
 * per caller, so a busy caller costs one request to the registry per that time, not one per
 * call; the quota is therefore soft by what the calls of that time and those in flight add.
 */
@Injectable()
export class TokenQuota {
  private readonly used: LRUCache<string, { day: string; tokens: number }>;
  private readonly refusals;

  constructor(
    private readonly policy: PolicyCache,
    rpc: RpcClient,
    metrics: Metrics,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.used = new LRUCache({
      max: 50_000,
      ttl: config.TOKEN_QUOTA_CACHE_MS,
      fetchMethod: (username) => rpc.request(usageTokensToday, { username }),
    });
    this.refusals = metrics.counter('token_quota_refusals_total', 'LLM calls refused because the caller used its tokens of the day');
    this.refusals.inc(0);
  }

  /** Throws 429 when the caller has a token quota and has used it today; a model's own rule does not apply (see README). */
  async check(caller: Caller, model: string): Promise<void> {
    if (this.policy.empty) return;
    const quota = this.policy.limitsFor(caller, endpointKey('', model)).limits.tokens_per_day;
    if (quota === null) return;
    const today = new Date().toISOString().slice(0, 10);
    let used = await this.used.fetch(caller.username);
    // A count of yesterday (the day turned while it was cached) says nothing of today.
    if (used && used.day !== today) used = await this.used.fetch(caller.username, { forceRefresh: true });
    const tokens = used?.day === today ? used.tokens : 0;
    if (tokens < quota) return;
    this.refusals.inc();
    const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
    throw new AppError('rate_limited', `you have used ${tokens} LLM tokens today, your limit is ${quota} per day`, {
      reason: 'tokens_per_day',
      limit: quota,
      retry_after_s: Math.max(1, Math.ceil((midnight - Date.now()) / 1000)),
    });
  }
}
