import { Injectable } from '@nestjs/common';
import { LATENCY_BUCKETS_SECONDS, Metrics } from '@cleargate/observability';

/** Outcomes of one attempt to post an alert to a channel. */
export type DeliveryOutcome = 'delivered' | 'already_delivered' | 'failed' | 'rate_limited' | 'rejected';

/**
 * The notifier's metrics. Labels are channel names from the configuration (bounded, never URLs)
 * and fixed outcome words.
 */
@Injectable()
export class NotifierMetrics {
  readonly deliveries;
  readonly duration;
  readonly retries;
  readonly rateLimitWaits;
  readonly rateLimitWaitSeconds;
  readonly deadLetters;
  readonly alerts;
  readonly channelInfo;

  constructor(metrics: Metrics) {
    this.deliveries = metrics.counter('deliveries_total', 'Attempts to post an alert to a channel, by channel and outcome', [
      'channel',
      'outcome',
    ]);
    this.duration = metrics.histogram(
      'delivery_duration_seconds',
      'Time of one request to a channel provider, by channel',
      ['channel'],
      LATENCY_BUCKETS_SECONDS,
    );
    this.retries = metrics.counter('retries_total', 'Channel deliveries put off to a later redelivery, by channel and reason', [
      'channel',
      'reason',
    ]);
    this.rateLimitWaits = metrics.counter(
      'rate_limit_waits_total',
      'Deliveries that had to wait for a rate limit, by channel and source (local token bucket or provider 429)',
      ['channel', 'source'],
    );
    this.rateLimitWaitSeconds = metrics.counter('rate_limit_wait_seconds_total', 'Time deliveries waited for rate limits, by channel', [
      'channel',
    ]);
    this.deadLetters = metrics.counter(
      'channel_dead_letters_total',
      'Alerts given up for a channel (sent to the dead-letter stream), by channel',
      ['channel'],
    );
    this.alerts = metrics.counter('alerts_total', 'Alerts handled, by outcome', ['outcome']);
    this.channelInfo = metrics.gauge('channel_info', 'Configured channels (value 1), by name and type', ['channel', 'type']);
  }

  /** Starts every series at zero so that rates and alerts see them before the first event. */
  init(channels: Array<{ name: string; type: string }>): void {
    for (const { name, type } of channels) {
      this.channelInfo.set({ channel: name, type }, 1);
      for (const outcome of ['delivered', 'already_delivered', 'failed', 'rate_limited', 'rejected'] satisfies DeliveryOutcome[])
        this.deliveries.inc({ channel: name, outcome }, 0);
      this.deadLetters.inc({ channel: name }, 0);
    }
    for (const outcome of ['delivered', 'unrouted', 'deferred', 'dead_lettered']) this.alerts.inc({ outcome }, 0);
  }
}
