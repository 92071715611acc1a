import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { alertRaised, DURABLES } from '@cleargate/contracts';
import { DurableConsumer, awaitStreams, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ChannelRegistry } from '../channels/channel-registry';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';
import { DeliveryService } from './delivery.service';
import { DeliveryStore } from './delivery-store';

type AlertPayload = typeof alertRaised.payload;

export const ALERTS_DURABLE = DURABLES.notifierAlerts;

@Injectable()
export class AlertsConsumer implements OnModuleInit, OnModuleDestroy {
  private consumer?: DurableConsumer<AlertPayload>;

  constructor(
    private readonly nats: NatsService,
    private readonly store: DeliveryStore,
    private readonly delivery: DeliveryService,
    private readonly channels: ChannelRegistry,
    private readonly metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await awaitStreams(this.nats, ['alerts', 'deadLetter'], this.logger);
    await this.store.open();
    const channels = this.channels.all().map((c) => ({ name: c.name, type: c.type }));
    if (channels.length === 0)
      this.logger.warn('no channels configured (NOTIFIER_CHANNELS): alerts are acknowledged without being sent anywhere');
    this.logger.info(
      { channels, rules: this.config.NOTIFIER_ROUTES.map((r) => r.name), default_channels: this.config.NOTIFIER_DEFAULT_CHANNELS },
      'notifier channels and routes',
    );
    this.consumer = new DurableConsumer(
      this.nats,
      this.logger,
      this.metrics,
      {
        contract: alertRaised,
        durable: ALERTS_DURABLE,
        maxDeliver: this.config.NOTIFIER_MAX_DELIVER,
        ackWaitMs: 60_000,
        backoffMs: [1000, 2000, 5000, 10_000, 30_000],
        concurrency: this.config.NOTIFIER_CONCURRENCY,
        // Alerts put off for a channel's Retry-After or outage stay unacked; leave room so that
        // new alerts keep flowing to the healthy channels meanwhile.
        maxAckPending: 10_000,
      },
      (alert, ctx) => this.delivery.handle(alert, ctx),
    );
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
  }
}
