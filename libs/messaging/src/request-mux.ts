import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { askingHeartbeats, HEARTBEAT_HEADER, HEARTBEAT_MISSES, isHeartbeat } from './heartbeats';
import { Sweeper } from './sweeper';

/** Nobody subscribes to the subject: the NATS server answered 503 on the reply subject. */
export class NoRespondersError extends Error {
  constructor(readonly subject: string) {
    super(`no responders for ${subject}`);
    this.name = 'NoRespondersError';
  }
}

/** The connection to NATS is down (reconnecting): the request was not sent. */
export class NatsUnavailableError extends Error {
  constructor(readonly subject: string) {
    super(`NATS is unreachable; ${subject} not sent`);
    this.name = 'NatsUnavailableError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * The responder that took the request fell silent (see heartbeats.ts): it stopped or lost its
 * connection while the request was in its hands, and no reply will come.
 */
export class ResponderLostError extends Error {
  constructor(
    readonly subject: string,
    readonly silentMs: number,
  ) {
    super(`the responder to ${subject} stopped answering (nothing heard for ${silentMs} ms)`);
    this.name = 'ResponderLostError';
  }
}

interface Pending {
  resolve(data: Uint8Array): void;
  reject(err: Error): void;
  deadline: number;
  subject: string;
  timeoutMs: number;
  /** The time after which the responder counts as lost: Infinity until its first sign of life. */
  aliveUntil: number;
  /** HEARTBEAT_MISSES intervals; 0 when no heartbeats were asked for. */
  silenceMs: number;
}

/**
 * Request/reply with one wildcard inbox subscription for every request of the connection.
 * The nats client's own request() allocates several Error objects per call (stack capture for
 * traces and cancellation), which showed up as the largest single cost of the gateway's hot
 * path; this keeps a request to one map entry. Deadlines are swept every 25 ms while requests
 * wait (far finer than any timeout we use), not at all when none does.
 */
export class RequestMux {
  private readonly prefix: string;
  private readonly pending = new Map<number, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper = new Sweeper(() => this.sweep(), 25);
  private seq = 0;
  /** False while the connection is down: requests then fail at once instead of waiting in the client's buffer. */
  private connected = true;

  /** `inboxPrefix`: the connection's (see nats.service.ts inboxPrefix), so replies fall within its permissions. */
  constructor(
    private readonly connection: NatsConnection,
    inboxPrefix?: string,
  ) {
    this.prefix = `${createInbox(inboxPrefix)}.`;
    this.subscription = connection.subscribe(`${this.prefix}*`, { callback: (_err, msg) => this.onReply(msg) });
  }

  /**
   * Publishes `data` to `subject` and resolves with the reply's bytes. With `heartbeatMs`, the
   * responder is asked for a sign of life that often while it holds the request, and the request
   * fails with ResponderLostError once HEARTBEAT_MISSES of them are missing: a responder that
   * died with the request costs the caller seconds, not the whole `timeoutMs`. The ask is added
   * to `headers` when given (they are this request's own: RPC builds them per call).
   */
  request(subject: string, data: Uint8Array, options: { timeoutMs: number; headers?: MsgHdrs; heartbeatMs?: number }): Promise<Uint8Array> {
    if (!this.connected) return Promise.reject(new NatsUnavailableError(subject));
    const id = ++this.seq;
    let headers = options.headers;
    const silenceMs = options.heartbeatMs ? options.heartbeatMs * HEARTBEAT_MISSES : 0;
    if (options.heartbeatMs) {
      if (headers) headers.set(HEARTBEAT_HEADER, String(options.heartbeatMs));
      else headers = askingHeartbeats(options.heartbeatMs);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject,
        deadline: Date.now() + options.timeoutMs,
        subject,
        timeoutMs: options.timeoutMs,
        aliveUntil: Infinity, // armed by the first sign of life
        silenceMs,
      });
      this.sweeper.arm();
      try {
        this.connection.publish(subject, data, { reply: this.prefix + id, ...(headers ? { headers } : {}) });
      } catch (err) {
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  /**
   * The connection went down or came back. While it is down, new requests fail at once and the
   * ones waiting fail now: their replies would come, if at all, after the caller gave up (the
   * client buffers what is published while reconnecting and sends it later). Callers answer 503.
   */
  setConnected(connected: boolean): void {
    this.connected = connected;
    if (connected) return;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new NatsUnavailableError(p.subject));
    }
  }

  close(): void {
    this.sweeper.stop();
    this.subscription.unsubscribe();
    for (const p of this.pending.values()) p.reject(new Error('connection closing'));
    this.pending.clear();
  }

  private onReply(msg: Msg): void {
    const id = Number(msg.subject.slice(this.prefix.length));
    const pending = this.pending.get(id);
    if (!pending) return; // late reply after a timeout
    if (pending.silenceMs && isHeartbeat(msg)) {
      pending.aliveUntil = Date.now() + pending.silenceMs;
      return;
    }
    this.pending.delete(id);
    if (msg.data.length === 0 && msg.headers?.code === 503) pending.reject(new NoRespondersError(pending.subject));
    else pending.resolve(msg.data);
  }

  /** Fails the requests past their deadline or silence; returns how many still wait. */
  private sweep(): number {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(id);
        p.reject(new RequestTimeoutError(p.subject, p.timeoutMs));
      } else if (p.aliveUntil <= now) {
        this.pending.delete(id);
        p.reject(new ResponderLostError(p.subject, p.silenceMs));
      }
    }
    return this.pending.size;
  }
}
