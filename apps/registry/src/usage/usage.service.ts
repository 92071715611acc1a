import { Inject, Injectable } from '@nestjs/common';
import { AppError, Caller, quantileFromBuckets, Usage, USAGE_RANGE_MAX_DAYS, UsageGroup } from '@cleargate/contracts';
import { Metrics } from '@cleargate/observability';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';
import { UsageRepository } from './usage.repository';

const DAY = 86_400_000;
const dayOf = (t: number) => new Date(Math.floor(t / DAY) * DAY).toISOString().slice(0, 10);

/**
 * Usage per day or month, from the rollups the call-log and run triggers keep: administrators
 * read everyone's (or one caller's), everyone else their own. The range is whole UTC days: `from`
 * is taken back to the start of its day and `to` forward to the end of its day.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly repository: UsageRepository,
    @Inject(REGISTRY_CONFIG) config: RegistryConfig,
    metrics: Metrics,
  ) {
    const top = config.USAGE_METRICS_TOP_USERS;
    // Today's usage for the Grafana usage panels: the busiest callers and endpoints by name, the
    // rest as "(others)". prom-client reads every metric of a scrape at once, so each gauge waits
    // for the one query of that scrape.
    const callers = scrapeOnce(() => this.repository.todayByCaller(top));
    const byUser = (name: string, help: string, value: (r: Awaited<ReturnType<UsageRepository['todayByCaller']>>[number]) => number) =>
      metrics.gauge(name, help, ['user'], async function () {
        const rows = await callers();
        this.reset();
        for (const r of rows) this.set({ user: r.key }, value(r));
      });
    byUser('usage_today_calls', 'On-demand calls today (UTC), by caller: the busiest by name, the rest as "(others)"', (r) => r.calls);
    byUser('usage_today_errors', 'On-demand calls today not answered 2xx by the model, by caller', (r) => r.errors);
    byUser('usage_today_runs', 'Runs requested today (UTC), by caller', (r) => r.runs);
    byUser('usage_today_run_seconds', 'Running time of the runs requested today, by caller', (r) => r.run_seconds);
    byUser('usage_today_gpu_seconds', 'GPU time of the runs requested today, by caller', (r) => r.gpu_seconds);
    const endpoints = scrapeOnce(() => this.repository.todayByEndpoint(top));
    const byEndpoint = (
      name: string,
      help: string,
      value: (r: Awaited<ReturnType<UsageRepository['todayByEndpoint']>>[number]) => number,
    ) =>
      metrics.gauge(name, help, ['machine', 'endpoint'], async function () {
        const rows = await endpoints();
        this.reset();
        for (const r of rows) {
          const [machine, endpoint] = r.key === '(others)' ? ['(others)', '(others)'] : r.key.split('\u0000');
          this.set({ machine: machine!, endpoint: endpoint! }, value(r));
        }
      });
    byEndpoint(
      'usage_today_endpoint_calls',
      'On-demand calls today (UTC), by machine and endpoint: the busiest, the rest as "(others)"',
      (r) => r.calls,
    );
    byEndpoint(
      'usage_today_endpoint_errors',
      'On-demand calls today not answered 2xx by the model, by machine and endpoint',
      (r) => r.errors,
    );
    byEndpoint(
      'usage_today_endpoint_p95_seconds',
      'p95 duration of the on-demand calls today, by machine and endpoint (from the rollup buckets)',
      (r) => (quantileFromBuckets(r.latency, 0.95) ?? 0) / 1000,
    );
  }

  async get(
    caller: Caller,
    query: { from: string; to: string; bucket: 'day' | 'month'; group_by: UsageGroup; user?: string },
  ): Promise<Usage> {
    if (!caller.admin && query.user !== undefined && query.user !== caller.username) {
      throw new AppError('forbidden', "only administrators can read other callers' usage");
    }
    const user = caller.admin ? query.user : caller.username;
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    if (!(from < to))
      throw new AppError('invalid_argument', '`from` must be before `to`', { issues: [{ path: 'query.from', message: 'not before to' }] });
    const fromDay = dayOf(from);
    const toDay = dayOf(to - 1 + DAY);
    if ((Date.parse(toDay) - Date.parse(fromDay)) / DAY > USAGE_RANGE_MAX_DAYS) {
      throw new AppError('invalid_argument', `the range covers more than ${USAGE_RANGE_MAX_DAYS} days`, {
        issues: [{ path: 'query.from', message: `at most ${USAGE_RANGE_MAX_DAYS} days before to` }],
      });
    }
    const range = { fromDay, toDay, bucket: query.bucket, ...(user ? { user } : {}) };
    const [ondemand, runs] = await Promise.all([
      this.repository.ondemand(range, query.group_by),
      this.repository.runs(range, query.group_by),
    ]);
    return {
      from: `${fromDay}T00:00:00.000Z`,
      to: `${toDay}T00:00:00.000Z`,
      bucket: query.bucket,
      group_by: query.group_by,
      ondemand,
      runs,
    };
  }
}

/** One call of `load` shared by everyone asking within a second (the gauges of one scrape). */
function scrapeOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > 1000) last = { at: Date.now(), value: load() };
    return last.value;
  };
}
