import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ClearmlTask, isTransient } from '@cleargate/clearml';
import { awaitStreams, LeaderLease, NatsService } from '@cleargate/messaging';
import { InjectLogger, LATENCY_BUCKETS_SECONDS, Logger, Metrics, withCorrelation } from '@cleargate/observability';
import { ChangeHandler } from './alerts/change-handler';
import { ClearmlAdapter } from './clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from './config';
import { GaugeCollector } from './gauges/gauge-collector';
import { changeKey, PollState, StateConflict, StateStore } from './poller/state-store';
import { TaskPoller } from './poller/task-poller';
import { RunawayGuard } from './runaway/runaway-guard';
import { BUCKETS } from '@cleargate/contracts';

/**
 * One replica polls (the holder of the JetStream KV lease); the others stand by and take over
 * within the lease time. Each poll walks every status change since the saved cursor, then runs
 * the runaway guard; failures are tracked to alert when ClearML is unreachable and when it is
 * back.
 */
@Injectable()
export class MonitorService implements OnApplicationBootstrap, OnModuleDestroy {
  private lease?: LeaderLease;
  private store?: StateStore;
  private state?: PollState;
  private loop?: Promise<void>;
  private wake?: () => void;
  private stopped = false;
  private failingSince: number | null = null;
  /** When this replica last finished a poll successfully (local clock), for health and tests. */
  lastPollAt: number | null = null;
  private unreachableAlerted = false;
  private readonly identity = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly pollDuration;
  private readonly pollErrors;
  private readonly leaderGauge;
  private readonly upGauge;
  private readonly lastPoll;

  constructor(
    private readonly nats: NatsService,
    private readonly clearml: ClearmlAdapter,
    private readonly changes: ChangeHandler,
    private readonly runaway: RunawayGuard,
    private readonly gauges: GaugeCollector,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.pollDuration = metrics.histogram('poll_duration_seconds', 'Time of one poll of ClearML task changes', [], LATENCY_BUCKETS_SECONDS);
    this.pollErrors = metrics.counter('poll_errors_total', 'Polls that failed, by reason', ['reason']);
    this.leaderGauge = metrics.gauge('leader', '1 when this replica holds the lease and polls');
    this.upGauge = metrics.gauge('clearml_up', '1 when the last poll reached ClearML (the leader only; no value on a standby)');
    // A standby has not polled: no value, so it can never look like "ClearML down".
    this.upGauge.set(NaN);
    for (const reason of ['unreachable', 'error']) this.pollErrors.inc({ reason }, 0);
    this.lastPoll = metrics.gauge('last_poll_timestamp_seconds', 'When the last successful poll ended (local clock)');
    this.leaderGauge.set(0);
  }

  async onApplicationBootstrap(): Promise<void> {
    await awaitStreams(this.nats, ['events', 'alerts'], this.logger);
    this.store = await StateStore.open(this.nats, BUCKETS.monitorState);
    this.lease = new LeaderLease(
      this.nats,
      { bucket: BUCKETS.monitorLease, key: 'leader', ttlMs: this.config.MONITOR_LEASE_TTL_MS, identity: this.identity },
      this.logger,
    );
    this.lease.onChange((leader) => {
      this.leaderGauge.set(leader ? 1 : 0);
      if (leader) this.loop ??= this.run().finally(() => (this.loop = undefined));
      else {
        this.gauges.clear();
        this.upGauge.set(NaN);
      }
    });
    await this.lease.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.lease?.stop();
  }

  get isLeader(): boolean {
    return this.lease?.isLeader ?? false;
  }

  private async run(): Promise<void> {
    this.state = undefined; // a new leader reads what the previous one saved
    let lastGauges = 0;
    while (!this.stopped && this.lease?.isLeader) {
      await withCorrelation(`poll-${randomUUID()}`, () => this.pollOnce());
      if (Date.now() - lastGauges >= this.config.MONITOR_GAUGES_INTERVAL_MS && this.lease?.isLeader) {
        lastGauges = Date.now();
        await this.gauges.collect().catch((err) => this.logger.warn({ err }, 'gauge collection failed'));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.MONITOR_POLL_INTERVAL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async pollOnce(): Promise<void> {
    const end = this.pollDuration.startTimer();
    try {
      this.state ??= (await this.store!.load()) ?? (await this.initialState());
      const poller = new TaskPoller(this.clearml, this.store!, this.config.MONITOR_PAGE_SIZE);
      this.state = await poller.poll(this.state, async (tasks: ClearmlTask[]) => {
        for (const task of tasks) {
          if (!this.lease?.isLeader) throw new StateConflict();
          await this.changes.handle(task);
        }
      });
      await this.runaway.check();
      await this.reachable();
      this.lastPollAt = Date.now();
      this.lastPoll.set(this.lastPollAt / 1000);
    } catch (err) {
      if (err instanceof StateConflict) {
        this.logger.warn('another monitor holds the lease; standing down');
        this.state = undefined;
        return;
      }
      this.pollErrors.inc({ reason: isTransient(err) ? 'unreachable' : 'error' });
      this.logger.warn({ err }, 'poll failed');
      this.state = undefined; // reload the saved cursor next time
      await this.unreachable(err);
    } finally {
      end();
    }
  }

  /** A fresh monitor starts at the server's latest change (or MONITOR_START_FROM), never the local clock. */
  private async initialState(): Promise<PollState> {
    let state: PollState = { cursor: this.config.MONITOR_START_FROM, boundary: [] };
    if (state.cursor === 'now') {
      // Changes at the latest instant already happened: they are the boundary, not news.
      const latest = await this.clearml.latestChange();
      state = latest
        ? { cursor: latest.at, boundary: latest.tasks.map((t) => changeKey(t.id, String(t.status), String(t.status_changed))) }
        : { cursor: new Date(this.clearml.serverNow() ?? 0).toISOString(), boundary: [] };
    }
    const cursor = state.cursor;
    await this.store!.save(state);
    this.logger.info({ cursor }, 'monitoring task changes from the server’s latest change');
    return state;
  }

  private async unreachable(err: unknown): Promise<void> {
    this.upGauge.set(0);
    this.failingSince ??= Date.now();
    if (this.unreachableAlerted || Date.now() - this.failingSince < this.config.MONITOR_UNREACHABLE_AFTER_MS) return;
    const since = new Date(this.failingSince).toISOString();
    await this.changes
      .raise({
        alert_id: `clearml-unreachable:${since}`,
        kind: 'clearml_unreachable',
        severity: 'critical',
        title: 'The ClearML API is unreachable',
        at: new Date().toISOString(),
        task: null,
        console_lines: [],
        details: `Failing since ${since}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 4000),
        labels: { kind: 'clearml_unreachable' },
        links: [],
      })
      .then(() => (this.unreachableAlerted = true))
      .catch((e) => this.logger.warn({ err: e }, 'could not raise the unreachable alert'));
  }

  private async reachable(): Promise<void> {
    this.upGauge.set(1);
    if (this.failingSince !== null && this.unreachableAlerted) {
      const since = new Date(this.failingSince).toISOString();
      await this.changes.raise({
        alert_id: `clearml-recovered:${since}`,
        kind: 'clearml_recovered',
        severity: 'info',
        title: 'The ClearML API is reachable again',
        at: new Date().toISOString(),
        task: null,
        console_lines: [],
        details: `Unreachable from ${since} to ${new Date().toISOString()}`,
        labels: { kind: 'clearml_recovered' },
        links: [],
      });
    }
    this.failingSince = null;
    this.unreachableAlerted = false;
  }
}
