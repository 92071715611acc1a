import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { HealthRegistry } from './health';
import { Metrics } from './metrics';

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The operations port, separate from any public port: `/health/live` (no I/O),
 * `/health/ready` (dependency checks) and `/metrics` (Prometheus text format).
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: Metrics;
  health: HealthRegistry;
  logger: Logger;
}): Promise<OpsServer> {
  const { metrics, health, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: { code: 'method_not_allowed', message: 'GET only' } });
    if (path === '/health/live') return send(200, { status: 'ok' });
    if (path === '/health/ready') {
      health.readiness().then(
        (report) => send(report.status === 'ok' ? 200 : 503, report),
        (err) => send(503, { status: 'unavailable', checks: { error: String(err) } }),
      );
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, text, metrics.registry.contentType),
        (err) => {
          logger.error({ err }, 'metrics collection failed');
          send(500, 'metrics collection failed', 'text/plain');
        },
      );
      return;
    }
    send(404, { error: { code: 'not_found', message: 'unknown path' } });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'ops server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
