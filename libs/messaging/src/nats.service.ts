import { whileJetStreamStarts } from './jetstream-admin';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CORRELATION_HEADER, currentCorrelationId } from '@cleargate/observability';
import { coalesceWrites } from './coalesce-writes';
import { StreamClient } from './frame-stream';
import { natsUserName, serviceInboxPrefix } from './permissions';
import { RequestMux } from './request-mux';

export interface NatsOptions {
  /**
   * `nats://host:port`, or `tls://host:port` to require TLS (verified against `tlsCaFile`, else
   * the system CAs); several comma-separated for the nodes of a cluster.
   */
  url: string;
  /** Prefix for subjects, streams, consumers and buckets; empty for none. */
  namespace: string;
  /** Connection name shown by the NATS server (the service name). */
  name: string;
  user?: string;
  password?: string;
  /** PEM file of the CA that signed the servers' certificates (tls:// only). */
  tlsCaFile?: string;
  requestTimeoutMs: number;
  /** Send the publishes of one event-loop turn in one socket write (coalesce-writes.ts); default true. */
  coalesceWrites?: boolean;
}

/**
 * The inbox prefix of a service's connection: replies to its requests (RPCs, JetStream API
 * calls and publish acknowledgements) come on `_INBOX.<its NATS user name>.…`, so its NATS
 * permissions can let it read its own replies and nobody else's.
 */
export const inboxPrefix = serviceInboxPrefix;

/** Connection options for the NATS client from a service's URLs, TLS settings and credentials. */
export function connectionOptions(
  options: Pick<NatsOptions, 'url' | 'name' | 'user' | 'password' | 'tlsCaFile'> & { namespace?: string },
): NodeConnectionOptions {
  const urls = options.url.split(',').map((u) => new URL(u.trim()));
  const tls = urls.some((u) => u.protocol === 'tls:');
  return {
    // Every node, so the client fails over to another when one goes; a random order spreads
    // the clients of a cluster over its nodes.
    servers: urls.map((u) => `${u.hostname}:${u.port || 4222}`),
    name: options.name,
    inboxPrefix: inboxPrefix(natsUserName(options.name, options.namespace ?? '')),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 20_000,
    noAsyncTraces: true,
    // tls:// requires TLS; the server's certificate is verified against the CA given, else the
    // system's CAs (Node's defaults), and its name against the host of the URL.
    ...(tls ? { tls: options.tlsCaFile ? { caFile: options.tlsCaFile } : {} } : {}),
    ...(options.user ? { user: options.user, pass: options.password } : {}),
  };
}

/**
 * One NATS connection per service, plus the naming rules of the deployment namespace.
 * Everything else in this library goes through it; apps use the typed helpers (RpcClient,
 * MessagePublisher, DurableConsumer, subscribeEvents, serveFrames, KvStore), not the client.
 */
export class NatsService {
  /** Request/reply for every RPC and invocation of this connection. */
  readonly requests: RequestMux;
  /** `_INBOX.<NATS user>`: every reply and stream frame this connection reads comes under it. */
  readonly inboxPrefix: string;
  private streamClient?: StreamClient;

  private constructor(
    readonly connection: NatsConnection,
    readonly jetstream: JetStreamClient,
    readonly manager: JetStreamManager,
    readonly options: NatsOptions,
    private readonly logger: Logger,
  ) {
    this.inboxPrefix = inboxPrefix(natsUserName(options.name, options.namespace));
    this.requests = new RequestMux(connection, this.inboxPrefix);
  }

  /** Streamed answers this connection asks for (see frame-stream.ts); its inbox is subscribed on first use. */
  get streams(): StreamClient {
    return (this.streamClient ??= new StreamClient(this.connection, this.inboxPrefix));
  }

  static async connect(options: NatsOptions, logger: Logger): Promise<NatsService> {
    const settings = connectionOptions(options);
    const connection = await connect(settings);
    if (options.coalesceWrites !== false && !coalesceWrites(connection))
      logger.warn('this nats client version is not the expected one: publishes are not coalesced');
    const manager = await jetstreamManager(connection);
    const service = new NatsService(connection, jetstream(connection), manager, options, logger);
    service.watchStatus();
    logger.info({ server: settings.servers, tls: Boolean(settings.tls), max_payload: connection.info?.max_payload }, 'connected to NATS');
    return service;
  }

  /**
   * A start-up step on the JetStream API (ensure a stream, consumer or bucket; read its settings),
   * asked again while JetStream is unavailable, as a cluster is while it elects its leaders.
   */
  whileJetStreamStarts<T>(what: string, step: () => Promise<T>): Promise<T> {
    return whileJetStreamStarts(step, { what, logger: this.logger });
  }

  /** `registry.machine.create.v1` → `<namespace>.registry.machine.create.v1`. */
  subject(subject: string): string {
    return this.options.namespace ? `${this.options.namespace}.${subject}` : subject;
  }

  /** The subject as the contracts name it: the namespace prefix removed. */
  unprefixed(subject: string): string {
    const prefix = this.subject('');
    return prefix && subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
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
    this.streamClient?.close();
    // drain: let subscriptions finish what they hold, flush publishes, then close.
    await this.connection.drain();
  }

  private watchStatus(): void {
    void (async () => {
      for await (const s of this.connection.status()) {
        if (s.type === 'disconnect') this.requests.setConnected(false);
        else if (s.type === 'reconnect') this.requests.setConnected(true);
        if (s.type === 'disconnect' || s.type === 'error')
          this.logger.warn({ nats_status: s.type, data: 'error' in s ? String(s.error) : undefined }, 'NATS connection problem');
        else if (s.type === 'reconnect')
          this.logger.info({ nats_status: s.type, server: 'server' in s ? s.server : undefined }, 'NATS reconnected');
      }
    })().catch(() => undefined);
  }
}
