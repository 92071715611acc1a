import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DURABLES, Run, RunStatus, runStatusApplied, runStatusChanged } from '@cleargate/contracts';
import {
  awaitStreams,
  DurableConsumer,
  INTERNAL_RETRY,
  MessagePublisher,
  NatsService,
  subscribeEvents,
  SubscriptionHandle,
} from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { RunsRepository, toRun } from './runs.repository';

interface Waiter {
  /** Null until the caller has read the run and knows what it waits to change. */
  untilNot: readonly RunStatus[] | null;
  /** A change heard before `untilNot` was known. */
  early: Run | null;
  resolve(run: Run | null): void;
}

/** A registered wait for a run's next change. */
export interface RunWatch {
  /** Resolves with the run at its first change to a status not in `untilNot`, or null at the deadline. */
  until(untilNot: readonly RunStatus[]): Promise<Run | null>;
  cancel(): void;
}

/**
 * Keeps runs in step with their status events (from the enqueue worker and the monitor) and
 * answers long-polls. The replica whose consumer applied a change broadcasts the run as it now
 * is; every replica wakes its waiters for that run from the broadcast, so a long-poll answers
 * as soon as the change is stored, on whichever replica it waits.
 */
@Injectable()
export class RunStatusFollower implements OnModuleInit, OnModuleDestroy {
  private consumer?: DurableConsumer<typeof runStatusChanged.payload>;
  private applied?: SubscriptionHandle;
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly runs: RunsRepository,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsService,
    private readonly metrics: Metrics,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await awaitStreams(this.nats, ['events', 'deadLetter'], this.logger);
    // Listen before consuming, so no change this replica applies goes unheard by its own waiters.
    this.applied = subscribeEvents(this.nats, runStatusApplied, (run) => this.wake(run), this.logger);
    this.consumer = new DurableConsumer(
      this.nats,
      this.logger,
      this.metrics,
      {
        contract: runStatusChanged,
        durable: DURABLES.registryRunStatus,
        ...INTERNAL_RETRY,
        concurrency: 8,
      },
      async (event) => {
        const run = await this.runs.applyStatus(event);
        if (run) this.publisher.broadcast(runStatusApplied, toRun(run));
      },
    );
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.applied?.unsubscribe();
    await this.consumer?.stop();
    for (const set of this.waiters.values()) for (const waiter of set) waiter.resolve(null);
    this.waiters.clear();
  }

  /**
   * Starts listening for the run's changes, before the caller reads it, so a change applied in
   * between is not missed; `until` then says which statuses it waits to leave.
   */
  watch(runId: string, timeoutMs: number): RunWatch {
    const set = this.waiters.get(runId) ?? new Set<Waiter>();
    this.waiters.set(runId, set);
    let settled!: (run: Run | null) => void;
    const changed = new Promise<Run | null>((resolve) => (settled = resolve));
    const waiter: Waiter = {
      untilNot: null,
      early: null,
      resolve: (run) => {
        clearTimeout(timer);
        set.delete(waiter);
        if (!set.size && this.waiters.get(runId) === set) this.waiters.delete(runId);
        settled(run);
      },
    };
    const timer = setTimeout(() => waiter.resolve(null), Math.max(timeoutMs, 0));
    set.add(waiter);
    return {
      until: (untilNot) => {
        waiter.untilNot = untilNot;
        if (waiter.early && !untilNot.includes(waiter.early.status)) waiter.resolve(waiter.early);
        return changed;
      },
      cancel: () => waiter.resolve(null),
    };
  }

  private wake(run: Run): void {
    for (const waiter of this.waiters.get(run.run_id) ?? []) {
      if (!waiter.untilNot) waiter.early = run;
      else if (!waiter.untilNot.includes(run.status)) waiter.resolve(run);
    }
  }
}
