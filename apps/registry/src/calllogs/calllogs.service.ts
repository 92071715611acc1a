import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import {
  Caller,
  EnqueueCallRecord,
  enqueueCallRecorded,
  EnqueueLogFilter,
  MessageContract,
  OndemandCallColumns,
  ondemandCallCount,
  ondemandCallsRecorded,
  OndemandLogFilter,
  readableBy,
  DURABLES,
} from '@cleargate/contracts';
import { awaitStreams, BatchConsumer, INTERNAL_RETRY, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';
import { CallLogsRepository } from './calllogs.repository';
import { CallLogPartitions } from './partitions';

const HOUR = 60 * 60 * 1000;

/**
 * Writes the call-log records that routers and workers publish, in batches, and answers log
 * queries. Callers see their own calls; administrators see everyone's.
 */
@Injectable()
export class CallLogsService implements OnModuleInit, OnModuleDestroy {
  private readonly consumers: Array<{ stop(): Promise<void> }> = [];
  private retentionTimer?: NodeJS.Timeout;
  private readonly written;

  constructor(
    private readonly repository: CallLogsRepository,
    private readonly partitions: CallLogPartitions,
    private readonly nats: NatsService,
    private readonly metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {
    this.written = metrics.counter('calllog_records_written_total', 'Call-log records written to PostgreSQL, by log', ['log']);
  }

  async onModuleInit(): Promise<void> {
    await awaitStreams(this.nats, ['events', 'calllogs', 'deadLetter'], this.logger);
    // Today's and the coming days' partitions exist before the first batch is written.
    await this.partitions.maintain();
    await this.consume(ondemandCallsRecorded, DURABLES.registryOndemandCalllog, (batches) =>
      this.writeOndemand(batches.map((b) => b.columns)),
    );
    await this.consume(enqueueCallRecorded, DURABLES.registryEnqueueCalllog, (records) => this.writeEnqueue(records));
    this.retentionTimer = setInterval(() => void this.applyRetention(), HOUR);
    this.retentionTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.retentionTimer);
    for (const consumer of this.consumers) await consumer.stop();
  }

  async writeOndemand(batches: OndemandCallColumns[]): Promise<void> {
    await this.repository.insertOndemand(batches);
    this.written.inc(
      { log: 'ondemand' },
      batches.reduce((n, b) => n + ondemandCallCount(b), 0),
    );
  }

  async writeEnqueue(records: EnqueueCallRecord[]): Promise<void> {
    await this.repository.insertEnqueue(records);
    this.written.inc({ log: 'enqueue' }, records.length);
  }

  listEnqueue(caller: Caller, filter: EnqueueLogFilter, page: { limit: number; cursor?: string }) {
    return this.repository.listEnqueue(readableBy(caller, filter), page);
  }

  listOndemand(caller: Caller, filter: OndemandLogFilter, page: { limit: number; cursor?: string }) {
    return this.repository.listOndemand(readableBy(caller, filter), page);
  }

  /** Records are written in bulk, a batch at a time; a failed write is redelivered with backoff. */
  private async consume<P extends z.ZodType>(
    contract: MessageContract<P>,
    durable: string,
    write: (payloads: z.output<P>[]) => Promise<void>,
  ): Promise<void> {
    const consumer = new BatchConsumer(
      this.nats,
      this.logger,
      this.metrics,
      {
        contract,
        durable,
        ...INTERNAL_RETRY,
        maxBatch: this.config.CALLLOG_BATCH_MAX,
        maxWaitMs: this.config.CALLLOG_BATCH_WAIT_MS,
      },
      write,
    );
    this.consumers.push(consumer);
    await consumer.start();
  }

  /** Partitions ahead, days past LOG_RETENTION_DAYS dropped, rollups past USAGE_RETENTION_DAYS deleted. */
  private async applyRetention(): Promise<void> {
    try {
      await this.partitions.maintain();
    } catch (err) {
      this.logger.warn({ err }, 'call-log partition maintenance failed; will retry in an hour');
    }
  }
}
