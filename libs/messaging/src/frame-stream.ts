import { createInbox, Empty, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import {
  decodeStreamFrame,
  DecodedStreamFrame,
  encodeStreamFrame,
  encodeStreamJson,
  STREAM_FRAME,
  StreamAccept,
  streamAcceptSchema,
  StreamEnd,
  streamEndSchema,
  StreamError,
  streamErrorSchema,
  StreamHead,
  streamHeadSchema,
  streamPayload,
} from '@cleargate/contracts';
import { NatsService } from './nats.service';
import { askingHeartbeats, BEAT, heartbeatAsked, HEARTBEAT_MISSES, isHeartbeat } from './heartbeats';
import { Sweeper } from './sweeper';

/**
 * The mechanics of a streamed answer over core NATS (the frames are in libs/contracts'
 * ondemand/stream.ts): ordered, sequence-numbered frames on the caller's inbox, a credit window
 * acked by the caller, cancellation, and idle deadlines on both ends. Neither end ever holds more
 * than `window` frames of an answer.
 */

/** How often deadlines are checked: far finer than any idle timeout in use. */
const SWEEP_MS = 25;

// ---------------------------------------------------------------------------------------------
// The caller's end

export interface StreamCallOptions {
  /** Frames the server may send past the last ack. */
  window: number;
  /** How long to wait for the server's accept frame (a server took the request). */
  acceptTimeoutMs: number;
  /** Added to the server's own idle timeout before the caller gives up on a silent stream. */
  idleGraceMs: number;
  /**
   * Ask the server for a sign of life after this long without a frame; once it says it sends
   * them (its accept), HEARTBEAT_MISSES missed end the stream with 503: a server gone is known
   * in seconds, not after its idle timeout. 0 or absent: none asked for.
   */
  heartbeatMs?: number;
}

/** What the caller hears, in order: at most one head, data, then exactly one end or error. */
export interface StreamListener {
  onHead(head: StreamHead): void;
  onData(payload: Uint8Array): void;
  onEnd(end: StreamEnd): void;
  /** The stream failed: the server's error frame, a lost frame, silence, or no server at all. */
  onError(error: StreamError): void;
}

/** The caller's handle on one stream. */
export interface StreamCall {
  /** Stop acking: the caller's own consumer is backed up (the server runs out of credit). */
  pause(): void;
  /** Ack everything delivered so far and start counting idle time again. */
  resume(): void;
  /** The caller is gone: tell the server to stop, and hear nothing more. */
  cancel(): void;
}

class CallerStream implements StreamCall {
  control: string | undefined;
  expected = 0;
  /** Highest data-bearing seq handed to the listener / acked to the server. */
  delivered = 0;
  acked = 0;
  paused = false;
  cancelled = false;
  done = false;
  idleMs = 0;
  deadline: number;
  /** After this, with heartbeats agreed in the accept, the server counts as gone. */
  aliveUntil = Infinity;
  silenceMs = 0;

  constructor(
    readonly id: number,
    private readonly owner: StreamClient,
    readonly listener: StreamListener,
    readonly options: StreamCallOptions,
    readonly subject: string,
  ) {
    this.deadline = Date.now() + options.acceptTimeoutMs;
  }

  pause(): void {
    if (this.done) return;
    this.paused = true;
    this.deadline = Infinity;
  }

  resume(): void {
    if (this.done || !this.paused) return;
    this.paused = false;
    this.ack(true);
    this.deadline = Date.now() + (this.control ? this.idleMs : this.options.acceptTimeoutMs);
  }

  cancel(): void {
    if (this.done) return;
    this.cancelled = true;
    this.done = true;
    if (this.control) this.owner.publish(this.control, encodeStreamFrame(STREAM_FRAME.cancel, this.expected));
    // Without a control subject yet, the accept frame that may still come is answered with a cancel.
    else this.owner.rememberCancelled(this.id);
    this.owner.forget(this.id);
  }

  /** Acks what was delivered once half the window is used (or at once when `force`). */
  ack(force = false): void {
    if (!this.control || this.delivered <= this.acked) return;
    if (!force && this.delivered - this.acked < Math.max(1, this.options.window >> 1)) return;
    this.acked = this.delivered;
    this.owner.publish(this.control, encodeStreamFrame(STREAM_FRAME.ack, this.acked));
  }

  fail(error: StreamError): void {
    if (this.done) return;
    this.done = true;
    this.owner.forget(this.id);
    if (this.control) this.owner.publish(this.control, encodeStreamFrame(STREAM_FRAME.cancel, this.expected));
    this.listener.onError(error);
  }
}

const failure = (status: number, code: StreamError['error']['code'], message: string): StreamError => ({
  status,
  error: { code, message },
});

/**
 * The caller's side: one wildcard inbox subscription for every stream of the connection (as
 * RequestMux does for replies), frames dispatched by the inbox's last token.
 */
export class StreamClient {
  private readonly prefix: string;
  private readonly streams = new Map<number, CallerStream>();
  /** Streams cancelled before their accept frame came: the accept is answered with a cancel. */
  private readonly cancelledEarly = new Set<number>();
  private readonly subscription: Subscription;
  private readonly sweeper = new Sweeper(() => this.sweep(), SWEEP_MS);
  private seq = 0;

  /** `inboxPrefix`: the connection's, so the frames fall within its NATS permissions. */
  constructor(
    private readonly connection: NatsConnection,
    inboxPrefix?: string,
  ) {
    this.prefix = `${createInbox(inboxPrefix)}.`;
    this.subscription = connection.subscribe(`${this.prefix}*`, { callback: (_err, msg) => this.onFrame(msg) });
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /** Publishes the request frame to `subject`; the answer comes to `listener` frame by frame. */
  open(subject: string, request: Uint8Array, listener: StreamListener, options: StreamCallOptions): StreamCall {
    const id = ++this.seq;
    const stream = new CallerStream(id, this, listener, options, subject);
    this.streams.set(id, stream);
    this.sweeper.arm();
    try {
      const headers = options.heartbeatMs ? askingHeartbeats(options.heartbeatMs) : undefined;
      this.connection.publish(subject, request, { reply: this.prefix + id, ...(headers ? { headers } : {}) });
    } catch (err) {
      this.streams.delete(id);
      stream.done = true;
      queueMicrotask(() => listener.onError(failure(503, 'unavailable', `cannot publish on ${subject}: ${(err as Error).message}`)));
    }
    return stream;
  }

  close(): void {
    this.sweeper.stop();
    this.subscription.unsubscribe();
    for (const s of [...this.streams.values()]) s.fail(failure(503, 'unavailable', 'connection closing'));
    this.streams.clear();
  }

  /** @internal */
  publish(subject: string, frame: Uint8Array): void {
    try {
      this.connection.publish(subject, frame);
    } catch {
      // closed connection: the server's own deadlines end its side
    }
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** @internal */
  rememberCancelled(id: number): void {
    this.cancelledEarly.add(id);
    // The accept comes within milliseconds or never; a bounded set either way.
    if (this.cancelledEarly.size > 10_000) this.cancelledEarly.delete(this.cancelledEarly.values().next().value!);
  }

  private onFrame(msg: Msg): void {
    const id = Number(msg.subject.slice(this.prefix.length));
    const stream = this.streams.get(id);
    if (!stream) return this.lateFrame(id, msg);
    if (stream.silenceMs) stream.aliveUntil = Date.now() + stream.silenceMs;
    if (msg.data.length === 0) {
      if (msg.headers?.code === 503) return stream.fail(failure(503, 'unavailable', `no responders for ${stream.subject}`));
      if (isHeartbeat(msg)) return; // a sign of life, nothing to deliver
    }
    let frame: DecodedStreamFrame;
    try {
      frame = decodeStreamFrame(msg.data);
      if (frame.seq !== stream.expected) {
        return stream.fail(failure(502, 'upstream_error', `stream frame ${stream.expected} was lost (got ${frame.seq})`));
      }
      stream.expected++;
      this.deliver(stream, frame);
    } catch (err) {
      stream.fail(failure(502, 'upstream_error', (err as Error).message));
    }
  }

  private deliver(stream: CallerStream, frame: DecodedStreamFrame): void {
    switch (frame.kind) {
      case STREAM_FRAME.accept: {
        const accept: StreamAccept = streamPayload(frame, streamAcceptSchema);
        stream.control = accept.control;
        stream.idleMs = accept.idle_ms + stream.options.idleGraceMs;
        if (accept.heartbeat_ms && stream.options.heartbeatMs) {
          stream.silenceMs = accept.heartbeat_ms * HEARTBEAT_MISSES;
          stream.aliveUntil = Date.now() + stream.silenceMs;
        }
        break;
      }
      case STREAM_FRAME.head:
        stream.delivered = frame.seq;
        stream.listener.onHead(streamPayload(frame, streamHeadSchema));
        if (stream.done) return;
        break;
      case STREAM_FRAME.data:
        stream.delivered = frame.seq;
        stream.listener.onData(frame.payload);
        if (stream.done) return;
        break;
      case STREAM_FRAME.end: {
        const end = streamPayload(frame, streamEndSchema);
        stream.done = true;
        this.streams.delete(stream.id);
        stream.listener.onEnd(end);
        return;
      }
      case STREAM_FRAME.error: {
        const error = streamPayload(frame, streamErrorSchema);
        stream.done = true;
        this.streams.delete(stream.id);
        stream.listener.onError(error);
        return;
      }
      default:
        throw new Error(`unexpected frame kind ${frame.kind} on a caller's inbox`);
    }
    if (!stream.paused) {
      stream.ack();
      stream.deadline = Date.now() + stream.idleMs;
    }
  }

  /** A frame for a stream that is over: a server still sending after a cancel is told again. */
  private lateFrame(id: number, msg: Msg): void {
    if (!this.cancelledEarly.has(id) || msg.data.length < 5) return;
    try {
      const frame = decodeStreamFrame(msg.data);
      if (frame.kind !== STREAM_FRAME.accept) return;
      this.cancelledEarly.delete(id);
      this.publish(streamPayload(frame, streamAcceptSchema).control, encodeStreamFrame(STREAM_FRAME.cancel, frame.seq + 1));
    } catch {
      // nothing to tell
    }
  }

  /** Fails the streams past their deadline or silence; returns how many are left. */
  private sweep(): number {
    const now = Date.now();
    for (const s of this.streams.values()) {
      if (s.aliveUntil <= now) {
        s.fail(
          failure(503, 'unavailable', `the server of the stream on ${s.subject} stopped answering (no sign of life for ${s.silenceMs} ms)`),
        );
        continue;
      }
      if (s.deadline > now) continue;
      if (!s.control)
        s.fail(failure(503, 'unavailable', `no server took the stream on ${s.subject} within ${s.options.acceptTimeoutMs} ms`));
      else s.fail(failure(504, 'upstream_timeout', `the stream stopped: nothing came for ${s.idleMs} ms`));
    }
    return this.streams.size;
  }
}

// ---------------------------------------------------------------------------------------------
// The server's end

export interface StreamServeOptions {
  /** How long a stream may wait for credit before it is treated as cancelled (the caller is gone). */
  stallMs: number;
}

/** Why a server-side stream stopped early. */
export type StreamCancelReason = 'cancelled' | 'stalled';

/** One request as the server handles it: the request frame, then the answer frame by frame. */
export interface StreamRequest {
  readonly data: Uint8Array;
  /** Tells the caller where to send acks and cancel, and the idle timeout the server keeps. Send first. */
  accept(idleMs: number): void;
  head(head: StreamHead): void;
  /**
   * Sends the bytes, or queues them when the credit is used up; false means "stop reading, wait
   * for onDrain". The queue holds what came after credit ran out, so keep it to one read.
   */
  write(payload: Uint8Array): boolean;
  /** Called once the queued frames are sent and there is credit again. */
  onDrain(listener: () => void): void;
  end(end?: StreamEnd): void;
  fail(error: StreamError): void;
  /** Called once if the caller cancels or stops taking frames for `stallMs`. */
  onCancel(listener: (reason: StreamCancelReason) => void): void;
  readonly cancelled: boolean;
  /** Frames sent, head and data. */
  readonly frames: number;
}

class ServerStream implements StreamRequest {
  private seq = 0;
  private acked = 0;
  private readonly queue: (Uint8Array | (() => void))[] = [];
  private drainListener?: () => void;
  private cancelListener?: (reason: StreamCancelReason) => void;
  private finished = false;
  private needsDrain = false;
  cancelled = false;
  frames = 0;
  /** Since when the stream waits for credit (0 = not waiting). */
  waitingSince = 0;
  /** When something last went to the caller (a frame or a heartbeat). */
  lastSent = 0;

  constructor(
    readonly id: number,
    readonly data: Uint8Array,
    private readonly reply: string,
    private readonly window: number,
    private readonly owner: StreamServer,
    /** The caller asked for a sign of life after this long without a frame (0: not asked). */
    readonly heartbeatMs: number,
  ) {}

  accept(idleMs: number): void {
    this.owner.register(this);
    this.send(
      encodeStreamJson(STREAM_FRAME.accept, this.seq++, {
        control: this.owner.controlSubject(this.id),
        idle_ms: idleMs,
        ...(this.heartbeatMs ? { heartbeat_ms: this.heartbeatMs } : {}),
      }),
    );
  }

  /** @internal A sign of life when nothing went to the caller for the interval it asked. */
  beatIfSilent(now: number): void {
    if (!this.heartbeatMs || this.finished || now - this.lastSent < this.heartbeatMs) return;
    this.lastSent = now;
    this.owner.publish(this.reply, Empty, BEAT);
  }

  head(head: StreamHead): void {
    this.frames++;
    this.sendCounted(encodeStreamJson(STREAM_FRAME.head, this.seq++, head));
  }

  write(payload: Uint8Array): boolean {
    if (this.finished) return false;
    this.frames++;
    return this.sendCounted(encodeStreamFrame(STREAM_FRAME.data, this.seq++, payload));
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  onCancel(listener: (reason: StreamCancelReason) => void): void {
    this.cancelListener = listener;
  }

  end(end: StreamEnd = {}): void {
    this.finish(() => encodeStreamJson(STREAM_FRAME.end, this.seq++, end));
  }

  fail(error: StreamError): void {
    this.finish(() => encodeStreamJson(STREAM_FRAME.error, this.seq++, error));
  }

  /** @internal A control frame from the caller. */
  control(kind: number, seq: number): void {
    if (kind === STREAM_FRAME.cancel) return this.stop('cancelled');
    if (kind !== STREAM_FRAME.ack || seq <= this.acked) return;
    this.acked = seq;
    this.flush();
  }

  /** @internal */
  stop(reason: StreamCancelReason): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.finished = true;
    this.queue.length = 0;
    this.owner.unregister(this.id);
    this.cancelListener?.(reason);
  }

  private finish(frame: () => Uint8Array): void {
    if (this.finished) return;
    this.finished = true;
    // The last frame needs no credit, but follows whatever waits for it.
    const last = () => {
      this.send(frame());
      this.owner.unregister(this.id);
    };
    if (this.queue.length) this.queue.push(last);
    else last();
  }

  /** Sends a head or data frame if the window allows, else queues it; false once out of credit. */
  private sendCounted(frame: Uint8Array): boolean {
    if (this.queue.length || this.seq - 1 > this.acked + this.window) {
      this.queue.push(frame);
      if (!this.waitingSince) this.waitingSince = Date.now();
      this.needsDrain = true;
      return false;
    }
    this.send(frame);
    if (this.seq <= this.acked + this.window) return true;
    this.needsDrain = true;
    if (!this.waitingSince) this.waitingSince = Date.now();
    return false;
  }

  private flush(): void {
    while (this.queue.length) {
      const next = this.queue[0]!;
      if (typeof next === 'function') {
        this.queue.shift();
        next();
        continue;
      }
      if (decodeStreamFrame(next).seq > this.acked + this.window) {
        this.waitingSince = Date.now(); // the caller is alive: the stall clock starts again
        return;
      }
      this.queue.shift();
      this.send(next);
    }
    if (this.finished || this.seq > this.acked + this.window) return;
    this.waitingSince = 0;
    if (this.needsDrain) {
      this.needsDrain = false;
      this.drainListener?.();
    }
  }

  private send(frame: Uint8Array): void {
    if (this.heartbeatMs) this.lastSent = Date.now();
    this.owner.publish(this.reply, frame);
  }
}

/**
 * The server's side: requests in a queue group, one wildcard control subscription for the acks
 * and cancels of every stream of this process.
 */
export class StreamServer {
  private readonly prefix: string;
  private readonly streams = new Map<number, ServerStream>();
  private readonly requests: Subscription;
  private readonly controls: Subscription;
  private readonly sweeper = new Sweeper(() => this.sweep(), SWEEP_MS);
  private seq = 0;

  constructor(
    private readonly nats: NatsService,
    subject: string,
    queue: string,
    private readonly window: (request: Uint8Array) => number,
    handler: (request: StreamRequest) => void,
    private readonly options: StreamServeOptions,
    private readonly logger: Logger,
  ) {
    // Acks and cancels come to the connection's own inbox, which its NATS permissions allow.
    this.prefix = `${createInbox(nats.inboxPrefix)}.`;
    this.controls = nats.connection.subscribe(`${this.prefix}*`, {
      callback: (_err, msg) => {
        const stream = this.streams.get(Number(msg.subject.slice(this.prefix.length)));
        if (!stream || msg.data.length < 5) return;
        try {
          const frame = decodeStreamFrame(msg.data);
          stream.control(frame.kind, frame.seq);
        } catch (err) {
          this.logger.warn({ err }, 'dropped an invalid stream control frame');
        }
      },
    });
    this.requests = nats.connection.subscribe(nats.subject(subject), {
      queue,
      callback: (err, msg) => {
        if (err) return this.logger.error({ err, subject }, 'subscription error');
        if (!msg.reply) return this.logger.warn({ subject }, 'dropped a stream request without a reply inbox');
        let window: number;
        try {
          window = this.window(msg.data);
        } catch {
          window = 1;
        }
        handler(new ServerStream(++this.seq, msg.data, msg.reply, Math.max(1, window), this, heartbeatAsked(msg)));
      },
    });
  }

  /** Streams being answered now. */
  get size(): number {
    return this.streams.size;
  }

  /** Stops taking requests; the streams under way go on until they end. */
  async drain(): Promise<void> {
    await this.requests.drain();
  }

  close(): void {
    this.sweeper.stop();
    this.requests.unsubscribe();
    this.controls.unsubscribe();
    for (const s of [...this.streams.values()]) s.stop('cancelled');
  }

  /** @internal */
  controlSubject(id: number): string {
    return this.prefix + id;
  }

  /** @internal */
  register(stream: ServerStream): void {
    this.streams.set(stream.id, stream);
    this.sweeper.arm();
  }

  /** @internal */
  unregister(id: number): void {
    this.streams.delete(id);
  }

  /** @internal */
  publish(subject: string, frame: Uint8Array, headers?: MsgHdrs): void {
    try {
      this.nats.connection.publish(subject, frame, headers ? { headers } : undefined);
    } catch (err) {
      this.logger.warn({ err }, 'a stream frame could not be published');
    }
  }

  /** Stops the stalled streams and beats for the silent ones; returns how many are left. */
  private sweep(): number {
    const now = Date.now();
    const limit = now - this.options.stallMs;
    for (const s of [...this.streams.values()]) {
      if (s.waitingSince && s.waitingSince <= limit) s.stop('stalled');
      else s.beatIfSilent(now);
    }
    return this.streams.size;
  }
}

/**
 * Serves streamed answers to request frames of `subject` in a queue group. `window` reads the
 * caller's credit window from its request frame.
 */
export function serveStreams(
  nats: NatsService,
  subject: string,
  queue: string,
  window: (request: Uint8Array) => number,
  handler: (request: StreamRequest) => void,
  options: StreamServeOptions,
  logger: Logger,
): StreamServer {
  return new StreamServer(nats, subject, queue, window, handler, options, logger);
}
