import { LRUCache } from 'lru-cache';
import { LATENCY_BUCKETS_SECONDS, Metrics } from '@cleargate/observability';
import { Outcome } from './invocation';

/** prom-client children of one endpoint label, looked up once instead of hashing labels per call. */
interface EndpointSeries {
  outcomes: Map<string, { inc(): void }>;
  total: { observe(v: number): void };
  upstream: { observe(v: number): void };
  requestBytes: { inc(v: number): void };
  responseBytes: { inc(v: number): void };
}

/**
 * The router's per-endpoint series. Labelled by machine and endpoint name (both registered by
 * admins, so bounded): the same endpoint name on two machines stays two series.
 */
export class InvokeMetrics {
  private readonly requests;
  private readonly totalDuration;
  private readonly upstreamDuration;
  private readonly requestBytes;
  private readonly responseBytes;
  /** Renamed or deleted endpoints leave their series behind; the children kept here stay bounded. */
  private readonly byEndpoint = new LRUCache<string, EndpointSeries>({ max: 10_000 });
  readonly inFlight;

  constructor(metrics: Metrics) {
    const labels = ['machine', 'endpoint'] as const;
    this.requests = metrics.counter('requests_total', 'On-demand invocations, by machine, endpoint and outcome', [...labels, 'outcome']);
    this.totalDuration = metrics.histogram(
      'request_duration_seconds',
      'Time from receiving an invocation to replying',
      labels,
      LATENCY_BUCKETS_SECONDS,
    );
    this.upstreamDuration = metrics.histogram(
      'upstream_duration_seconds',
      'Time spent waiting for the serving machine',
      labels,
      LATENCY_BUCKETS_SECONDS,
    );
    this.requestBytes = metrics.counter('request_bytes_total', 'Bytes of model input forwarded', labels);
    this.responseBytes = metrics.counter('response_bytes_total', 'Bytes of model answers relayed', labels);
    this.inFlight = metrics.gauge('in_flight_requests', 'Invocations being handled now');
  }

  record(machine: string, endpoint: string, result: Outcome, durationMs: number, requestBytes: number): void {
    this.observe(machine, endpoint, result.outcome, durationMs, result.upstreamMs, requestBytes, result.body.length);
  }

  /** One call's series, however it was answered (a reply frame or a stream). */
  observe(
    machine: string,
    endpoint: string,
    outcomeName: string,
    durationMs: number,
    upstreamMs: number | null,
    requestBytes: number,
    responseBytes: number,
  ): void {
    const series = this.seriesOf(machine, endpoint);
    let outcome = series.outcomes.get(outcomeName);
    if (!outcome) series.outcomes.set(outcomeName, (outcome = this.requests.labels(machine, endpoint, outcomeName)));
    outcome.inc();
    series.total.observe(durationMs / 1000);
    if (upstreamMs !== null) series.upstream.observe(upstreamMs / 1000);
    series.requestBytes.inc(requestBytes);
    series.responseBytes.inc(responseBytes);
  }

  private seriesOf(machine: string, endpoint: string): EndpointSeries {
    const key = `${machine}\u0000${endpoint}`;
    let series = this.byEndpoint.get(key);
    if (!series) {
      series = {
        outcomes: new Map(),
        total: this.totalDuration.labels(machine, endpoint),
        upstream: this.upstreamDuration.labels(machine, endpoint),
        requestBytes: this.requestBytes.labels(machine, endpoint),
        responseBytes: this.responseBytes.labels(machine, endpoint),
      };
      this.byEndpoint.set(key, series);
    }
    return series;
  }
}
