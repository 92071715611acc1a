import type { FastifyInstance } from 'fastify';
import { LATENCY_BUCKETS_SECONDS, Metrics } from '@cleargate/observability';

/**
 * RED metrics per route template (never the raw URL, which carries ids) and status class.
 */
export class HttpMetrics {
  private readonly requests;
  private readonly duration;

  constructor(metrics: Metrics) {
    this.requests = metrics.counter('http_requests_total', 'HTTP requests, by method, route template and status code', [
      'method',
      'route',
      'status',
    ]);
    this.duration = metrics.histogram(
      'http_request_duration_seconds',
      'HTTP request duration, by route template',
      ['method', 'route'],
      LATENCY_BUCKETS_SECONDS,
    );
  }

  register(app: FastifyInstance): void {
    app.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions?.url ?? 'unmatched';
      const labels = { method: req.method, route };
      this.requests.inc({ ...labels, status: String(reply.statusCode) });
      this.duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }
}
