import { Inject, Injectable } from '@nestjs/common';
import { halfJitterGenerator } from 'cockatiel';
import { Alert } from '@cleargate/contracts';
import { MessageContext, PermanentError, RetryLater } from '@cleargate/messaging';
import { InjectLogger, Logger } from '@cleargate/observability';
import { ChatChannel, DeliveryError } from '../channels/channel';
import { CHANNEL_DEFAULTS } from '../channels/channel-config';
import { ChannelRegistry } from '../channels/channel-registry';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';
import { AlertRouter } from '../routing/routes';
import { DeliveryStore, deliveryIdOf } from './delivery-store';
import { NotifierMetrics } from './notifier-metrics';
import { ChannelRateLimiter } from './rate-limiter';

/** Some channels must be tried again later: the message goes back to JetStream for `delayMs`. */
export class DeferDelivery extends RetryLater {}

type Attempt =
  | { channel: string; kind: 'delivered' }
  | { channel: string; kind: 'defer'; delayMs: number; reason: string }
  | { channel: string; kind: 'refused'; reason: string };

/** Exponential backoff with half jitter, by delivery number: base, 2·base, 4·base... capped. */
export function retryDelay(delivery: number, baseMs: number, maxMs: number): number {
  const [delay] = halfJitterGenerator(Math.max(0, delivery - 1), {
    initialDelay: baseMs,
    maxDelay: maxMs,
    exponent: 2,
    generator: halfJitterGenerator,
  });
  return Math.max(1, Math.round(delay));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Delivers one alert to the channels its routing selects. Channels are tried in parallel and
 * independently: one that already got the alert (KV record) is skipped, one whose rate limit
 * allows a send within NOTIFIER_RATE_WAIT_INLINE_MS is sent to now, the others are put off. When
 * some channels must wait (rate limit, 429, outage) the whole message is redelivered by JetStream
 * after the shortest of their waits, so no process sleeps through a long wait and a slow channel
 * never holds up the others. On the last delivery, or when only refusals remain, the alert goes
 * to the dead-letter stream.
 */
@Injectable()
export class DeliveryService {
  private readonly router: AlertRouter;
  private readonly limiter = new ChannelRateLimiter();
  /** Alerts being worked on here: a second copy of one waits instead of posting in parallel. */
  private readonly inFlight = new Set<string>();
  /** Channels that refused an alert for good (4xx), by delivery id, until the alert is settled. */
  private readonly refusals = new Map<string, Map<string, string>>();

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly channels: ChannelRegistry,
    private readonly store: DeliveryStore,
    private readonly metrics: NotifierMetrics,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.router = new AlertRouter(
      config.NOTIFIER_ROUTES,
      config.NOTIFIER_DEFAULT_CHANNELS,
      config.NOTIFIER_CHANNELS.map((c) => c.name),
    );
    for (const c of config.NOTIFIER_CHANNELS) {
      this.limiter.configure(c.name, c.rate_per_sec ?? CHANNEL_DEFAULTS[c.type].ratePerSec, c.burst ?? CHANNEL_DEFAULTS[c.type].burst);
    }
    metrics.init(config.NOTIFIER_CHANNELS);
  }

  async handle(alert: Alert, ctx: MessageContext): Promise<void> {
    const decision = this.router.route(alert);
    const log = { alert_id: alert.alert_id, delivery: ctx.deliveryCount };
    if (decision.channels.length === 0) {
      this.metrics.alerts.inc({ outcome: 'unrouted' });
      this.logger.info({ ...log, kind: alert.kind, severity: alert.severity }, 'no channel is routed this alert');
      return;
    }
    const deliveryId = deliveryIdOf(alert.alert_id);
    if (this.inFlight.has(deliveryId)) throw new DeferDelivery(1000, 'the same alert is being delivered');
    this.inFlight.add(deliveryId);
    try {
      await this.deliver(alert, deliveryId, decision, ctx, log);
    } finally {
      this.inFlight.delete(deliveryId);
    }
  }

  private async deliver(
    alert: Alert,
    deliveryId: string,
    decision: { channels: string[]; rules: string[] },
    ctx: MessageContext,
    log: Record<string, unknown>,
  ): Promise<void> {
    const done = await this.store.deliveredTo(deliveryId, decision.channels);
    for (const channel of done) this.metrics.deliveries.inc({ channel, outcome: 'already_delivered' });
    const refused = this.refusals.get(deliveryId) ?? new Map<string, string>();
    const pending = decision.channels.filter((c) => !done.has(c) && !refused.has(c));
    if (done.size > 0) this.logger.debug({ ...log, channels: [...done] }, 'already delivered to these channels, skipping them');

    const attempts = await Promise.all(pending.map((name) => this.attempt(this.channels.get(name), alert, deliveryId, ctx)));
    const deferred = attempts.filter((a): a is Extract<Attempt, { kind: 'defer' }> => a.kind === 'defer');
    for (const a of attempts) if (a.kind === 'refused') refused.set(a.channel, a.reason);

    if (deferred.length === 0 && refused.size === 0) {
      this.refusals.delete(deliveryId);
      this.metrics.alerts.inc({ outcome: 'delivered' });
      this.logger.info({ ...log, channels: decision.channels, rules: decision.rules }, 'alert delivered');
      return;
    }
    if (deferred.length > 0 && !ctx.lastAttempt) {
      if (refused.size > 0) this.refusals.set(deliveryId, refused);
      const delayMs = Math.max(50, Math.min(...deferred.map((d) => d.delayMs)));
      this.metrics.alerts.inc({ outcome: 'deferred' });
      throw new DeferDelivery(delayMs, describe(deferred.map((d) => [d.channel, d.reason])));
    }
    this.refusals.delete(deliveryId);
    const failed: Array<[string, string]> = [...deferred.map((d): [string, string] => [d.channel, d.reason]), ...refused];
    for (const [channel] of failed) this.metrics.deadLetters.inc({ channel });
    this.metrics.alerts.inc({ outcome: 'dead_lettered' });
    throw new PermanentError(`not delivered to ${describe(failed)}`);
  }

  private async attempt(channel: ChatChannel, alert: Alert, deliveryId: string, ctx: MessageContext): Promise<Attempt> {
    const name = channel.name;
    const wait = this.limiter.acquire(name, deliveryId);
    if (wait > this.config.NOTIFIER_RATE_WAIT_INLINE_MS) {
      this.metrics.rateLimitWaits.inc({ channel: name, source: 'local_deferred' });
      this.metrics.rateLimitWaitSeconds.inc({ channel: name }, wait / 1000);
      this.metrics.retries.inc({ channel: name, reason: 'local_rate_limit' });
      return { channel: name, kind: 'defer', delayMs: wait, reason: 'rate limit' };
    }
    if (wait > 0) {
      this.metrics.rateLimitWaits.inc({ channel: name, source: 'local_inline' });
      this.metrics.rateLimitWaitSeconds.inc({ channel: name }, wait / 1000);
      await sleep(wait);
    }
    this.limiter.release(name, deliveryId);

    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const receipt = await channel.send(alert, { deliveryId });
      this.metrics.duration.observe({ channel: name }, elapsed());
      this.metrics.deliveries.inc({ channel: name, outcome: 'delivered' });
      this.logger.debug({ alert_id: alert.alert_id, channel: name, ms: Math.round(elapsed() * 1000) }, 'posted to channel');
      await this.store.record(deliveryId, name, receipt);
      return { channel: name, kind: 'delivered' };
    } catch (err) {
      this.metrics.duration.observe({ channel: name }, elapsed());
      return this.failure(channel, alert, err, ctx);
    }
  }

  private failure(channel: ChatChannel, alert: Alert, err: unknown, ctx: MessageContext): Attempt {
    const name = channel.name;
    const error =
      err instanceof DeliveryError
        ? err
        : new DeliveryError(
            'transient',
            `unexpected error: ${channel.redact(err instanceof Error ? err.message : String(err)).slice(0, 200)}`,
          );
    const log = { alert_id: alert.alert_id, channel: name, delivery: ctx.deliveryCount, reason: error.message };
    const backoff = retryDelay(ctx.deliveryCount, this.config.NOTIFIER_RETRY_BASE_MS, this.config.NOTIFIER_RETRY_MAX_MS);
    const capped = (ms: number | undefined) => (ms === undefined ? undefined : Math.min(ms, this.config.NOTIFIER_RETRY_AFTER_MAX_MS));

    if (error.kind === 'permanent') {
      this.metrics.deliveries.inc({ channel: name, outcome: 'rejected' });
      this.logger.warn(log, 'channel refused the alert; it will not be retried there');
      return { channel: name, kind: 'refused', reason: error.message };
    }
    if (error.kind === 'rate_limited') {
      // The provider's own wait is honoured exactly (plus a little spread); without one, back off.
      const delayMs = (capped(error.retryAfterMs) ?? backoff) + Math.floor(Math.random() * 100);
      this.limiter.block(name, Date.now() + delayMs);
      this.metrics.deliveries.inc({ channel: name, outcome: 'rate_limited' });
      this.metrics.rateLimitWaits.inc({ channel: name, source: 'provider' });
      this.metrics.rateLimitWaitSeconds.inc({ channel: name }, delayMs / 1000);
      this.metrics.retries.inc({ channel: name, reason: 'provider_rate_limit' });
      this.logger.warn({ ...log, retry_in_ms: delayMs }, 'channel is rate limiting, will retry after its wait');
      return { channel: name, kind: 'defer', delayMs, reason: error.message };
    }
    if (!(err instanceof DeliveryError)) this.logger.error({ ...log }, 'unexpected error while posting to a channel');
    const delayMs = Math.max(backoff, capped(error.retryAfterMs) ?? 0);
    this.metrics.deliveries.inc({ channel: name, outcome: 'failed' });
    this.metrics.retries.inc({ channel: name, reason: 'error' });
    this.logger.warn({ ...log, retry_in_ms: delayMs }, 'delivery to channel failed, will retry');
    return { channel: name, kind: 'defer', delayMs, reason: error.message };
  }
}

function describe(failures: Iterable<[string, string]>): string {
  return [...failures].map(([channel, reason]) => `${channel} (${reason})`).join(', ');
}
