import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { OndemandCallRecord, ondemandCallsRecorded } from '@cleargate/contracts';
import { ensureStreams, MessagePublisher, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ROUTER_CONFIG, RouterConfig } from '../config';

/**
 * Collects call-log records and publishes them to JetStream in batches (every CALLLOG_FLUSH_MS
 * or CALLLOG_BATCH_MAX records), so an inference call never waits for a log write. While NATS
 * is unreachable the records stay buffered (bounded) and go out when it returns; a graceful
 * shutdown flushes what is left.
 */
@Injectable()
export class CallLogBatcher implements OnModuleInit, OnModuleDestroy {
  private buffer: OndemandCallRecord[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly dropped;
  private readonly published;

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsService,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.dropped = metrics.counter('calllog_records_dropped_total', 'Call-log records dropped because the buffer was full');
    this.published = metrics.counter('calllog_records_published_total', 'Call-log records published to JetStream');
    const buffered = () => this.buffer.length;
    metrics.gauge('calllog_buffered_records', 'Call-log records waiting to be published', [], function () {
      this.set(buffered());
    });
  }

  async onModuleInit(): Promise<void> {
    await ensureStreams(this.nats, ['events']);
  }

  add(record: OndemandCallRecord): void {
    this.buffer.push(record);
    if (this.buffer.length > this.config.CALLLOG_BUFFER_MAX) {
      const excess = this.buffer.length - this.config.CALLLOG_BUFFER_MAX;
      this.buffer.splice(0, excess);
      this.dropped.inc(excess);
    }
    if (this.buffer.length >= this.config.CALLLOG_BATCH_MAX) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.config.CALLLOG_FLUSH_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      if (this.buffer.length && !this.timer) this.timer = setTimeout(() => void this.flush(), this.config.CALLLOG_FLUSH_MS);
    });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
  }

  private async drain(): Promise<void> {
    while (this.buffer.length) {
      const records = this.buffer.slice(0, this.config.CALLLOG_BATCH_MAX);
      try {
        const batchId = randomUUID();
        await this.publisher.publish(ondemandCallsRecorded, { batch_id: batchId, records }, { msgId: batchId });
      } catch (err) {
        this.logger.warn({ err, buffered: this.buffer.length }, 'could not publish call-log records; keeping them for the next flush');
        // Retry after a pause rather than spinning while NATS is away.
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.flush(), Math.max(this.config.CALLLOG_FLUSH_MS, 1000));
        return;
      }
      this.buffer.splice(0, records.length);
      this.published.inc(records.length);
    }
  }
}
