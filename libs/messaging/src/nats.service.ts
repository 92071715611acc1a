import { connect, ConnectionOptions, headers as natsHeaders, JetStreamClient, JetStreamManager, MsgHdrs, NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { coalesceWrites } from './coalesce-writes';
import { RequestMux } from './request-mux';
import { CORRELATION_HEADER, currentCorrelationId } from '@cleargate/observability';

export interface NatsOptions {
  url: string;
  /** Prefix for subjects, streams, consumers and buckets; empty for none. */
  namespace: string;
  /** Connection name shown by the NATS server (the service name). */
  name: string;
  user?: string;
  password?: string;
  requestTimeoutMs: number;
}

/**
 * One NATS connection per service, plus the naming rules of the deployment namespace.
 * Everything else in this library goes through it.
 */
export class NatsService {
  /** Request/reply for every RPC and invocation of this connection. */
  readonly requests: RequestMux;

  private constructor(
    readonly connection: NatsConnection,
    readonly jetstream: JetStreamClient,
    readonly manager: JetStreamManager,
    readonly options: NatsOptions,
    private readonly logger: Logger,
  ) {
    this.requests = new RequestMux(connection);
  }

  static async connect(options: NatsOptions, logger: Logger): Promise<NatsService> {
    const url = new URL(options.url);
    const connectionOptions: ConnectionOptions = {
      servers: `${url.hostname}:${url.port || 4222}`,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 20_000,
      noAsyncTraces: true,
      ...(options.user ? { user: options.user, pass: options.password } : {}),
    };
    const connection = await connect(connectionOptions);
    if (!coalesceWrites(connection)) logger.warn('this nats client version is not the expected one: publishes are not coalesced');
    const manager = await connection.jetstreamManager();
    const service = new NatsService(connection, connection.jetstream(), manager, options, logger);
    service.watchStatus();
    logger.info({ server: connectionOptions.servers, max_payload: connection.info?.max_payload }, 'connected to NATS');
    return service;
  }

  /** `registry.machine.create.v1` → `<namespace>.registry.machine.create.v1`. */
  subject(subject: string): string {
    return this.options.namespace ? `${this.options.namespace}.${subject}` : subject;
  }

  /** Stream, consumer and bucket names: `[A-Za-z0-9_-]`, prefixed with the namespace. */
  name(base: string): string {
    const ns = this.options.namespace ? this.options.namespace.replace(/[^A-Za-z0-9]/g, '_').toUpperCase() : 'CLEARGATE';
    return `${ns}_${base}`;
  }

  get maxPayload(): number {
    return this.connection.info?.max_payload ?? 1024 * 1024;
  }

  /**
   * Headers carrying the correlation id plus any extras. The id is the one given, else the one
   * of the current async context (see withCorrelation).
   */
  headers(extra: Record<string, string> = {}, correlationId?: string): MsgHdrs {
    const h = natsHeaders();
    const id = correlationId ?? currentCorrelationId();
    if (id) h.set(CORRELATION_HEADER, id);
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return h;
  }

  async ping(): Promise<void> {
    if (this.connection.isClosed()) throw new Error('NATS connection closed');
    await this.connection.flush();
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    this.requests.close();
    // drain: let subscriptions finish what they hold, flush publishes, then close.
    await this.connection.drain();
  }

  private watchStatus(): void {
    void (async () => {
      for await (const s of this.connection.status()) {
        if (s.type === 'disconnect' || s.type === 'error')
          this.logger.warn({ nats_status: s.type, data: String(s.data) }, 'NATS connection problem');
        else if (s.type === 'reconnect') this.logger.info({ nats_status: s.type }, 'NATS reconnected');
      }
    })().catch(() => undefined);
  }
}
