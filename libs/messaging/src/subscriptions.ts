import type { Msg, Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BroadcastContract, MessageContract } from '@cleargate/contracts';
import { decodeJson } from './codec';
import { NatsService } from './nats.service';
import { Heartbeats } from './heartbeats';

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
 * whose requester asked for heartbeats (heartbeats.ts) gets them until it is answered.
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
