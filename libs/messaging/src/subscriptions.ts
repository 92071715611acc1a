import { Empty, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BroadcastContract, MessageContract } from '@cleargate/contracts';
import { decodeJson } from './codec';
import { NatsService } from './nats.service';
import { HEARTBEAT_HEADER, HEARTBEAT_MAX_MS, HEARTBEAT_MIN_MS } from './request-mux';

/** A live subscription: stop it, or let what it holds finish first. */
export interface SubscriptionHandle {
  unsubscribe(): void;
  /** Stops taking messages and resolves once the ones received are handled. */
  drain(): Promise<void>;
}

const handle = (sub: Subscription): SubscriptionHandle => ({
  unsubscribe: () => sub.unsubscribe(),
  drain: () => sub.drain(),
});

/**
 * Hears a stream's messages or a broadcast as they are published (core NATS, no
 * acknowledgement): for caches and waiters that every replica must see, where a missed message
 * is healed otherwise (a resync, a deadline). A message that fails its contract is logged and
 * dropped.
 */
export function subscribeEvents<P extends z.ZodType>(
  nats: NatsService,
  contract: MessageContract<P> | BroadcastContract<P>,
  handler: (payload: z.output<P>) => void,
  logger: Logger,
): SubscriptionHandle {
  const sub = nats.connection.subscribe(nats.subject(contract.subject), {
    callback: (err, msg) => {
      if (err) return logger.error({ err, subject: contract.subject }, 'subscription error');
      let payload: z.output<P>;
      try {
        payload = contract.payload.parse(decodeJson(msg.data));
      } catch (parseErr) {
        return logger.warn({ err: parseErr, subject: contract.subject }, 'dropped an event that does not match its contract');
      }
      try {
        handler(payload);
      } catch (handlerErr) {
        logger.error({ err: handlerErr, subject: contract.subject }, 'event handler failed');
      }
    },
  });
  return handle(sub);
}

/** A binary request as the server hands it over: its bytes and a way to answer once. */
export interface FrameRequest {
  readonly data: Uint8Array;
  respond(frame: Uint8Array): void;
}

/**
 * Serves binary request frames (the on-demand invocation, see libs/contracts' invoke frame) in
 * a queue group, so replicas share the load. The handler answers through `respond`. A request
 * whose requester asked for heartbeats (HEARTBEAT_HEADER) gets them until it is answered.
 */
export function serveFrames(
  nats: NatsService,
  subject: string,
  queue: string,
  handler: (request: FrameRequest) => void,
  logger: Logger,
): SubscriptionHandle {
  const heartbeats = new Heartbeats(nats.connection);
  const sub = nats.connection.subscribe(nats.subject(subject), {
    queue,
    callback: (err, msg: Msg) => {
      if (err) return logger.error({ err, subject }, 'subscription error');
      handler(heartbeats.hold(msg));
    },
  });
  return handle(sub);
}

/** A request held longer than this (a handler that never answers) gets no more heartbeats. */
const HELD_MAX_MS = 20 * 60_000;
const TICK_MS = 25;

interface Held {
  every: number;
  due: number;
  until: number;
}

/**
 * Signs of life for the requests a server holds: an empty message with HEARTBEAT_HEADER on the
 * reply subject, the first a quarter of the interval after the request came (a quick one costs
 * nothing), then one per interval, until the handler answers. One timer for all, running only
 * while some request is held.
 */
export class Heartbeats {
  private readonly held = new Map<Msg, Held>();
  private readonly beat: MsgHdrs = natsHeaders();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly connection: NatsConnection) {
    this.beat.set(HEARTBEAT_HEADER, '1');
  }

  /** The request as the handler gets it: `msg` itself, or, when heartbeats were asked for, one whose answer ends them. */
  hold(msg: Msg): FrameRequest {
    const asked = msg.reply && msg.headers ? Number(msg.headers.get(HEARTBEAT_HEADER)) : NaN;
    if (!(asked > 0)) return msg;
    const every = Math.min(HEARTBEAT_MAX_MS, Math.max(HEARTBEAT_MIN_MS, Math.round(asked)));
    const now = Date.now();
    this.held.set(msg, { every, due: now + every / 4, until: now + HELD_MAX_MS });
    this.timer ??= setInterval(() => this.tick(), TICK_MS).unref();
    return {
      data: msg.data,
      respond: (frame) => {
        this.release(msg);
        return msg.respond(frame);
      },
    };
  }

  /** Requests held now. */
  get size(): number {
    return this.held.size;
  }

  private release(msg: Msg): void {
    if (!this.held.delete(msg) || this.held.size) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    for (const [msg, held] of this.held) {
      if (held.until <= now) {
        this.release(msg);
        continue;
      }
      if (held.due > now) continue;
      held.due = now + held.every;
      try {
        this.connection.publish(msg.reply!, Empty, { headers: this.beat });
      } catch {
        // the connection is closing: the requester's own deadline ends its wait
      }
    }
  }
}
