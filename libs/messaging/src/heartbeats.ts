import { Empty, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import type { FrameRequest } from './subscriptions';
import { Sweeper } from './sweeper';

/**
 * Signs of life from a responder holding a request, so that its requester tells one that died
 * with the request (a process killed, a connection lost) from a slow one in seconds rather than
 * at its timeout.
 *
 * On a request, HEARTBEAT_HEADER says how often (ms) the requester wants a sign of life while the
 * request is held. On a message to the reply subject, an empty message with that header is the
 * sign, not the reply. The requester gives up after HEARTBEAT_MISSES intervals without one.
 * Request/reply (RequestMux, serveFrames): the first a quarter of the interval after the request
 * came (a quick one costs none), then one per interval, counted from the first. Streams
 * (frame-stream.ts): after every silence that long, once the server's accept said it sends them.
 * Either way a responder of an earlier release, which sends none, is waited for as before.
 */
export const HEARTBEAT_HEADER = 'Cleargate-Heartbeat-Ms';
export const HEARTBEAT_MISSES = 3;
/** Intervals a requester may ask for; a responder brings others within them. */
export const HEARTBEAT_MIN_MS = 100;
export const HEARTBEAT_MAX_MS = 60_000;

const asking = new Map<number, MsgHdrs>();

/** The headers asking for heartbeats every `ms` (one object per interval; the client encodes them at each publish). */
export function askingHeartbeats(ms: number): MsgHdrs {
  let h = asking.get(ms);
  if (!h) {
    h = natsHeaders();
    h.set(HEARTBEAT_HEADER, String(ms));
    asking.set(ms, h);
  }
  return h;
}

/** The interval a request asked for, within the bounds; 0 when it asked for none. */
export function heartbeatAsked(msg: Msg): number {
  const asked = msg.reply && msg.headers ? Number(msg.headers.get(HEARTBEAT_HEADER)) : NaN;
  return asked > 0 ? Math.min(HEARTBEAT_MAX_MS, Math.max(HEARTBEAT_MIN_MS, Math.round(asked))) : 0;
}

/** The headers of a sign of life. */
export const BEAT: MsgHdrs = (() => {
  const h = natsHeaders();
  h.set(HEARTBEAT_HEADER, '1');
  return h;
})();

/** A sign of life rather than a reply or a frame. */
export function isHeartbeat(msg: Msg): boolean {
  return msg.data.length === 0 && msg.headers?.has(HEARTBEAT_HEADER) === true;
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
 * Signs of life for the requests a server holds: an empty message with the heartbeat header on the
 * reply subject, the first a quarter of the interval after the request came (a quick one costs
 * nothing), then one per interval, until the handler answers. One timer for all, running only
 * while some request is held.
 */
export class Heartbeats {
  private readonly held = new Map<Msg, Held>();
  private readonly sweeper = new Sweeper(() => this.tick(), TICK_MS);

  constructor(private readonly connection: NatsConnection) {}

  /** The request as the handler gets it: `msg` itself, or, when heartbeats were asked for, one whose answer ends them. */
  hold(msg: Msg): FrameRequest {
    const every = heartbeatAsked(msg);
    if (!every) return msg;
    const now = Date.now();
    this.held.set(msg, { every, due: now + every / 4, until: now + HELD_MAX_MS });
    this.sweeper.arm();
    return {
      data: msg.data,
      respond: (frame) => {
        this.held.delete(msg);
        return msg.respond(frame);
      },
    };
  }

  /** Requests held now. */
  get size(): number {
    return this.held.size;
  }

  /** Beats for the requests due one; returns how many are still held. */
  private tick(): number {
    const now = Date.now();
    for (const [msg, held] of this.held) {
      if (held.until <= now) {
        this.held.delete(msg);
        continue;
      }
      if (held.due > now) continue;
      held.due = now + held.every;
      try {
        this.connection.publish(msg.reply!, Empty, { headers: BEAT });
      } catch {
        // the connection is closing: the requester's own deadline ends its wait
      }
    }
    return this.held.size;
  }
}
