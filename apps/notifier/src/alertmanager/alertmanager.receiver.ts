import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { alertRaised, issuesOf } from '@cleargate/contracts';
import { awaitStreams, MessagePublisher, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger, Metrics, sanitizeCorrelationId } from '@cleargate/observability';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';
import { alertFromAlertmanager, alertmanagerPayloadSchema } from './alertmanager';

export const WEBHOOK_PATH = '/alertmanager/webhook';
const BODY_LIMIT = 4 * 1024 * 1024;

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Alertmanager's webhook receiver: Prometheus alerts (grouped and silenced by Alertmanager) join
 * the ALERTS work queue as ClearGate alerts and reach the same chat channels, by the same
 * routing rules, as task alerts. A request must carry `Authorization: Bearer
 * <NOTIFIER_ALERTMANAGER_TOKEN>` (Alertmanager's `http_config.authorization`); the answer is 200
 * once the alert is stored in JetStream, so Alertmanager retries until then. Without a token the
 * receiver does not listen.
 */
@Injectable()
export class AlertmanagerReceiver implements OnApplicationBootstrap, OnModuleDestroy {
  private server?: Server;
  private readonly received;
  port = 0;

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsService,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.received = metrics.counter('alertmanager_notifications_total', 'Alertmanager notifications received, by outcome', ['outcome']);
    for (const outcome of ['accepted', 'duplicate', 'unauthorized', 'invalid', 'failed']) this.received.inc({ outcome }, 0);
  }

  async onApplicationBootstrap(): Promise<void> {
    const token = this.config.NOTIFIER_ALERTMANAGER_TOKEN;
    if (!token) {
      this.logger.info('no NOTIFIER_ALERTMANAGER_TOKEN: the Alertmanager receiver is off');
      return;
    }
    await awaitStreams(this.nats, ['alerts'], this.logger);
    const expected = digest(`Bearer ${token}`);
    this.server = createServer((req, res) => void this.handle(req, res, expected));
    this.server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.NOTIFIER_WEBHOOK_PORT, this.config.NOTIFIER_WEBHOOK_HOST, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.logger.info({ port: this.port, path: WEBHOOK_PATH }, 'Alertmanager receiver listening');
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.closeIdleConnections();
      server.close(() => resolve());
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, expected: Buffer): Promise<void> {
    const requestId = sanitizeCorrelationId(req.headers['x-request-id'] as string | undefined);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>) =>
      send(status, { error: { code, message, ...(details === undefined ? {} : { details }) }, request_id: requestId }, headers);
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== WEBHOOK_PATH) return fail(404, 'not_found', 'no such route');
    if (req.method !== 'POST')
      return fail(405, 'method_not_allowed', `${req.method} is not allowed here; use POST`, undefined, { allow: 'POST' });
    // Compared as digests, in constant time: the token's length does not show either.
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      this.received.inc({ outcome: 'unauthorized' });
      req.resume();
      return fail(401, 'unauthenticated', 'missing or wrong bearer token', undefined, { 'www-authenticate': 'Bearer' });
    }
    let payload;
    try {
      const body = await readBody(req);
      payload = alertmanagerPayloadSchema.safeParse(JSON.parse(body.toString('utf8')));
    } catch (err) {
      this.received.inc({ outcome: 'invalid' });
      const tooLarge = (err as Error).message === 'too large';
      return fail(
        tooLarge ? 413 : 400,
        tooLarge ? 'payload_too_large' : 'invalid_argument',
        tooLarge ? 'the body is larger than the limit' : 'the body is not valid JSON',
      );
    }
    if (!payload.success) {
      this.received.inc({ outcome: 'invalid' });
      return fail(400, 'invalid_argument', 'not an Alertmanager webhook notification (version 4)', { issues: issuesOf(payload.error) });
    }
    const alert = alertFromAlertmanager(payload.data, { runbookBaseUrl: this.config.NOTIFIER_RUNBOOK_BASE_URL });
    try {
      const { duplicate } = await this.publisher.publish(alertRaised, alert, {
        msgId: alert.alert_id,
        headers: { 'x-correlation-id': requestId },
      });
      this.received.inc({ outcome: duplicate ? 'duplicate' : 'accepted' });
      this.logger.info(
        { alert_id: alert.alert_id, duplicate, status: payload.data.status, alerts: payload.data.alerts.length, correlation_id: requestId },
        'Alertmanager notification received',
      );
      send(200, { alert_id: alert.alert_id, duplicate });
    } catch (err) {
      this.received.inc({ outcome: 'failed' });
      this.logger.warn({ err, correlation_id: requestId }, 'could not queue an Alertmanager notification; Alertmanager will retry');
      fail(503, 'unavailable', 'the alert could not be queued; try again');
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        req.destroy();
        reject(new Error('too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
