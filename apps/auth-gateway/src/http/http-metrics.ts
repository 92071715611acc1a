import type { FastifyInstance } from 'fastify';
import { Metrics } from '@cleargate/observability';

/** The metric children of one route template, looked up once rather than hashing labels per request. */
export class RouteMetrics {
  private readonly byStatus = new Map<number, { inc(): void }>();
  private readonly duration: { observe(seconds: number): void };

  constructor(
    private readonly metrics: HttpMetrics,
    readonly method: string,
    readonly route: string,
  ) {
    this.duration = metrics.duration.labels(method, route);
  }

  observe(status: number, seconds: number): void {
    let requests = this.byStatus.get(status);
    if (!requests) this.byStatus.set(status, (requests = this.metrics.requests.labels(this.method, this.route, String(status))));
    requests.inc();
    this.duration.observe(seconds);
  }
}

/**
 * RED metrics per route template (never the raw URL, which carries ids) and status code.
 */
export class HttpMetrics {
  readonly requests;
  readonly duration;
  private readonly routes = new Map<string, RouteMetrics>();

  constructor(metrics: Metrics) {
    this.requests = metrics.counter('http_requests_total', 'HTTP requests, by method, route template and status code', [
      'method',
      'route',
      'status',
    ]);
    this.duration = metrics.latencyHistogram('http_request_duration_seconds', 'HTTP request duration, by route template', [
      'method',
      'route',
    ]);
  }

  /** One route's metrics. Methods and route templates are the server's own, so the set is bounded. */
  route(method: string, route: string): RouteMetrics {
    const key = `${method} ${route}`;
    let m = this.routes.get(key);
    if (!m) this.routes.set(key, (m = new RouteMetrics(this, method, route)));
    return m;
  }

  /** Observes every request Fastify answers. */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', (req, reply, done) => {
      this.route(req.method, req.routeOptions?.url ?? 'unmatched').observe(reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
}
