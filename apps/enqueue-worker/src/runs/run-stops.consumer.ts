import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DURABLES, MessagePayload, runStopRequested } from '@cleargate/contracts';
import { awaitStreams, DurableConsumer, INTERNAL_RETRY, MessageContext, NatsService, RetryLater } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ClearmlAdapter } from '../clearml/clearml.adapter';

/** Deliveries spent looking for a clone not made yet (the run's request may still be on its way). */
const SEARCHES = 6;
const SEARCH_AGAIN_MS = 10_000;
const FINISHED = new Set(['stopped', 'failed', 'completed', 'published', 'publishing', 'closed']);

/**
 * Stops runs in ClearML when the registry asks (their user was suspended with `stop_runs`): the
 * clone is found by its run tag; a clone still a draft is stopped at once (forced), a queued one
 * is dequeued and stopped by ClearML itself, a running one is left to its agent to stop
 * (ClearML's `tasks.stop` sets "stopping"). A run whose clone does not exist yet is looked for
 * again for about a minute; the monitor then reports the run stopped as for any other task.
 */
@Injectable()
export class RunStopsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: DurableConsumer<typeof runStopRequested.payload>;
  private readonly stops;

  constructor(
    private readonly nats: NatsService,
    private readonly clearml: ClearmlAdapter,
    private readonly metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.stops = metrics.counter('run_stops_total', 'Runs asked to be stopped (suspended users), by outcome', ['outcome']);
  }

  async onApplicationBootstrap(): Promise<void> {
    await awaitStreams(this.nats, ['enqueue', 'deadLetter'], this.logger);
    this.consumer = new DurableConsumer(
      this.nats,
      this.logger,
      this.metrics,
      { contract: runStopRequested, durable: DURABLES.enqueueWorkerStops, ...INTERNAL_RETRY, concurrency: 4 },
      (request, ctx) => this.handle(request, ctx),
    );
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
  }

  async handle(request: MessagePayload<typeof runStopRequested>, ctx: MessageContext): Promise<void> {
    const clones = await this.clearml.findRunClones(request.run_id);
    if (!clones.length) {
      if (ctx.deliveryCount < SEARCHES) throw new RetryLater(SEARCH_AGAIN_MS, 'the run has no clone in ClearML yet');
      this.stops.inc({ outcome: 'not_found' });
      this.logger.info({ run_id: request.run_id }, 'no clone of the run to stop in ClearML');
      return;
    }
    for (const clone of clones) {
      if (FINISHED.has(clone.status)) {
        this.stops.inc({ outcome: 'already_finished' });
        continue;
      }
      await this.clearml.stop(clone.id, request.reason, clone.status === 'created');
      this.stops.inc({ outcome: 'stopped' });
      this.logger.info({ run_id: request.run_id, task: clone.id, status: clone.status }, 'asked ClearML to stop the run');
    }
  }
}
