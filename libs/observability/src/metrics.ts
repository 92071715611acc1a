import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds, from sub-millisecond hops to on-demand calls of several minutes. */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * prom-client's event-loop delay percentiles (`nodejs_eventloop_lag_p50_seconds`...) come from a
 * timer of this period and record the whole time between its ticks, so an idle loop shows this
 * much: the delay is what they show beyond it.
 */
export const EVENT_LOOP_SAMPLE_MS = 10;

/**
 * The service's Prometheus registry. Names follow `cleargate_<service>_<noun>_<unit>`; callers
 * pass only `<noun>_<unit>` and the prefix is added here, so the convention holds everywhere.
 * Label values must be bounded (endpoint names, outcomes), never user ids, URLs or tokens.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly prefix: string;

  constructor(
    readonly service: string,
    options: { defaultMetrics?: boolean } = {},
  ) {
    this.prefix = `cleargate_${service.replace(/-/g, '_')}_`;
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, () => new Counter({ name: this.prefix + name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Gauge<L>) => void | Promise<void>,
  ): Gauge<L> {
    return this.getOrCreate(
      name,
      () => new Gauge({ name: this.prefix + name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) }),
    );
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return this.getOrCreate(name, () => new Histogram({ name: this.prefix + name, help, labelNames, buckets, registers: [this.registry] }));
  }

  /** A histogram of durations in seconds, with the shared LATENCY_BUCKETS_SECONDS. */
  latencyHistogram<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Histogram<L> {
    return this.histogram(name, help, labelNames, LATENCY_BUCKETS_SECONDS);
  }

  private getOrCreate<M>(name: string, create: () => M): M {
    // Two modules may ask for the same metric (e.g. a shared consumer helper); return the one
    // already registered instead of failing on a duplicate name.
    return (this.registry.getSingleMetric(this.prefix + name) as M | undefined) ?? create();
  }
}
