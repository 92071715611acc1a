import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import {
  appendOndemandCall,
  emptyOndemandCallColumns,
  OndemandCallColumns,
  ondemandCallCount,
  OndemandCallRecord,
  ondemandCallsRecorded,
} from '@cleargate/contracts';
import { awaitStreams, MessagePublisher, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ROUTER_CONFIG, RouterConfig } from '../config';

interface Batch {
  id: string;
  columns: OndemandCallColumns;
}

/**
 * Collects call-log records into column batches and publishes each to JetStream, so an inference
 * call never waits for a log write: at most one batch every CALLLOG_FLUSH_MS (a full one of
 * CALLLOG_BATCH_MAX records at once). A record that comes when no batch went out for
 * CALLLOG_FLUSH_MS goes out on the next turn of the event loop, with whatever else that turn adds:
 * at low traffic nothing waits in memory, where a killed router would lose it; under load the
 * records of CALLLOG_FLUSH_MS share a batch. A batch keeps its id until JetStream has it, so a publish repeated after a lost
 * acknowledgement is dropped as a duplicate. While NATS is unreachable the batches stay
 * buffered (up to CALLLOG_BUFFER_MAX records, then the oldest batch not being sent goes) and are sent when it
 * returns; a graceful shutdown flushes what is left.
 */
@Injectable()
export class CallLogBatcher implements OnModuleInit, OnModuleDestroy {
  /** The batch being filled. */
  private open = emptyOndemandCallColumns();
  /** Full batches waiting for JetStream, oldest first. */
  private readonly sealed: Batch[] = [];
  private sealedRecords = 0;
  /** The batch being published now, which the buffer limit leaves alone. */
  private publishing?: Batch;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** When the last flush began (performance.now()). */
  private lastFlushAt = -Infinity;
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
    const buffered = () => this.buffered();
    metrics.gauge('calllog_buffered_records', 'Call-log records waiting to be published', [], function () {
      this.set(buffered());
    });
  }

  async onModuleInit(): Promise<void> {
    // EVENTS first: it gives up the call-log subjects it held before CALLLOGS existed.
    await awaitStreams(this.nats, ['events', 'calllogs'], this.logger);
  }

  add(record: OndemandCallRecord): void {
    appendOndemandCall(this.open, record);
    if (ondemandCallCount(this.open) >= this.config.CALLLOG_BATCH_MAX) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.untilNextFlush());
  }

  /** How long until a flush may begin: one CALLLOG_FLUSH_MS after the last began. */
  private untilNextFlush(): number {
    return Math.max(0, this.lastFlushAt + this.config.CALLLOG_FLUSH_MS - performance.now());
  }

  /** Records not yet accepted by JetStream. */
  buffered(): number {
    return this.sealedRecords + ondemandCallCount(this.open);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlushAt = performance.now();
    this.seal();
    if (this.flushing) return this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      if (this.buffered() && !this.timer) this.timer = setTimeout(() => void this.flush(), this.untilNextFlush());
    });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
  }

  private seal(): void {
    const count = ondemandCallCount(this.open);
    if (!count) return;
    this.sealed.push({ id: randomUUID(), columns: this.open });
    this.sealedRecords += count;
    this.open = emptyOndemandCallColumns();
    while (this.sealedRecords > this.config.CALLLOG_BUFFER_MAX && this.sealed.length > 1) {
      const oldest = this.sealed[0] === this.publishing ? 1 : 0;
      const [lost] = this.sealed.splice(oldest, 1);
      const count = ondemandCallCount(lost!.columns);
      this.sealedRecords -= count;
      this.dropped.inc(count);
    }
  }

  private async drain(): Promise<void> {
    while (this.sealed.length) {
      const batch = (this.publishing = this.sealed[0]!);
      try {
        await this.publisher.publish(ondemandCallsRecorded, { batch_id: batch.id, columns: batch.columns }, { msgId: batch.id });
      } catch (err) {
        this.publishing = undefined;
        if (err instanceof ZodError) {
          // A record the contract refuses would be refused on every retry and hold up the rest.
          this.sealed.shift();
          const count = ondemandCallCount(batch.columns);
          this.sealedRecords -= count;
          this.dropped.inc(count);
          this.logger.error({ issues: err.issues.slice(0, 5), records: count }, 'call-log batch refused by its contract; dropped');
          continue;
        }
        this.logger.warn({ err, buffered: this.buffered() }, 'could not publish call-log records; keeping them for the next flush');
        // Retry after a pause rather than spinning while NATS is away.
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.flush(), Math.max(this.config.CALLLOG_FLUSH_MS, 1000));
        return;
      }
      this.publishing = undefined;
      this.sealed.shift();
      const count = ondemandCallCount(batch.columns);
      this.sealedRecords -= count;
      this.published.inc(count);
    }
  }
}
