import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { KvStore, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger } from '@cleargate/observability';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';
import { BUCKETS } from '@cleargate/contracts';

/** A short, KV-safe id of an alert: the same alert id always gives the same delivery id. */
export function deliveryIdOf(alertId: string): string {
  return createHash('sha256').update(alertId).digest('hex').slice(0, 40);
}

export const DELIVERIES_BUCKET = BUCKETS.notifierDeliveries;

/**
 * Which (alert, channel) deliveries already succeeded, in the JetStream KV bucket
 * `<NS>_NOTIFIER_DELIVERIES` (key `<delivery id>.<channel>`, kept NOTIFIER_DEDUP_TTL_HOURS). A
 * redelivered or republished alert skips the channels recorded here.
 */
@Injectable()
export class DeliveryStore {
  private kv?: KvStore;

  constructor(
    private readonly nats: NatsService,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  get bucket(): string {
    return this.nats.name(DELIVERIES_BUCKET);
  }

  async open(): Promise<void> {
    const ttlMs = this.config.NOTIFIER_DEDUP_TTL_HOURS * 3_600_000;
    // A changed NOTIFIER_DEDUP_TTL_HOURS applies to the existing bucket too.
    this.kv = await KvStore.open(this.nats, DELIVERIES_BUCKET, {
      history: 1,
      ttlMs,
      description: 'Alert deliveries that succeeded, per alert and channel',
    });
    this.logger.debug({ bucket: this.bucket, ttl_hours: this.config.NOTIFIER_DEDUP_TTL_HOURS }, 'delivery records bucket open');
  }

  static key(deliveryId: string, channel: string): string {
    return `${deliveryId}.${channel}`;
  }

  async deliveredTo(deliveryId: string, channels: string[]): Promise<Set<string>> {
    const kv = this.store();
    const found = await Promise.all(
      channels.map(async (channel) => {
        const entry = await kv.get(DeliveryStore.key(deliveryId, channel));
        return entry ? channel : undefined;
      }),
    );
    return new Set(found.filter((c): c is string => c !== undefined));
  }

  /**
   * Records a successful delivery, retrying briefly. If it still cannot be written the message was
   * nevertheless posted: that is logged, and a later redelivery of the same alert may post it again.
   */
  async record(deliveryId: string, channel: string, details: { messageId?: string }): Promise<void> {
    const value = JSON.stringify({ at: new Date().toISOString(), ...(details.messageId ? { message_id: details.messageId } : {}) });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store().put(DeliveryStore.key(deliveryId, channel), value);
        return;
      } catch (err) {
        if (attempt >= 3) {
          this.logger.error({ err, channel, delivery_id: deliveryId }, 'could not record a delivery; a redelivery may post it again');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private store(): KvStore {
    if (!this.kv) throw new Error('delivery store not opened');
    return this.kv;
  }
}
