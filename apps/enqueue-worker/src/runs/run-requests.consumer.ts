import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { runRequested, DURABLES } from '@cleargate/contracts';
import { DurableConsumer, awaitStreams, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { WORKER_CONFIG, WorkerConfig } from '../config';
import { EnqueueRunService } from './enqueue-run.service';

/**
 * The work-queue consumer of run requests (replicas share the durable). The consumer validates
 * each message (undecodable ones go to the dead-letter subject), restores its correlation id,
 * keeps the delivery alive while ClearML is slow, acks when the handler returns and naks with
 * backoff when it throws; on the last allowed delivery it dead-letters instead.
 */
@Injectable()
export class RunRequestsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: DurableConsumer<typeof runRequested.payload>;

  constructor(
    private readonly nats: NatsService,
    private readonly runs: EnqueueRunService,
    private readonly metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await awaitStreams(this.nats, ['enqueue', 'events', 'calllogs', 'deadLetter'], this.logger);
    this.consumer = new DurableConsumer(
      this.nats,
      this.logger,
      this.metrics,
      {
        contract: runRequested,
        durable: DURABLES.enqueueWorker,
        maxDeliver: this.config.ENQUEUE_MAX_DELIVER,
        ackWaitMs: this.config.ENQUEUE_ACK_WAIT_MS,
        backoffMs: this.config.ENQUEUE_BACKOFF_MS,
        concurrency: this.config.ENQUEUE_CONCURRENCY,
      },
      (run, ctx) => this.runs.handle(run, ctx),
    );
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
  }
}
