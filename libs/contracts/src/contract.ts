import { z } from 'zod';
import { errorBodySchema } from './errors';

/** A request/reply operation over core NATS: subject plus request and response schemas. */
export interface RpcContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  kind: 'rpc';
  subject: string;
  request: Req;
  response: Res;
  /**
   * Every replica of the owning service answers (no queue group) and the caller gathers the
   * answers: for state each replica keeps on its own, such as the router's circuit breakers.
   */
  fanOut?: boolean;
}

/** A message kept in a JetStream stream (an event, or a unit of work on a work queue). */
export interface MessageContract<P extends z.ZodType = z.ZodType> {
  kind: 'message';
  subject: string;
  stream: StreamKey;
  payload: P;
}

/**
 * A notification every replica hears at once over core NATS, kept nowhere: for waking waiters
 * and refreshing caches, where a lost one is healed otherwise (a deadline, a resync).
 */
export interface BroadcastContract<P extends z.ZodType = z.ZodType> {
  kind: 'broadcast';
  subject: string;
  payload: P;
}

export type StreamKey = 'events' | 'calllogs' | 'enqueue' | 'alerts' | 'deadLetter';

export const defineRpc = <Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  request: Req,
  response: Res,
  options: { fanOut?: boolean } = {},
): RpcContract<Req, Res> => ({ kind: 'rpc', subject, request, response, ...(options.fanOut ? { fanOut: true } : {}) });

export const defineMessage = <P extends z.ZodType>(subject: string, stream: StreamKey, payload: P): MessageContract<P> => ({
  kind: 'message',
  subject,
  stream,
  payload,
});

export const defineBroadcast = <P extends z.ZodType>(subject: string, payload: P): BroadcastContract<P> => ({
  kind: 'broadcast',
  subject,
  payload,
});

/** What a handler receives: the request after validation (defaults applied). */
export type RpcParsed<C> = C extends RpcContract<infer Req, z.ZodType> ? z.output<Req> : never;
export type MessagePayload<C> = C extends MessageContract<infer P> | BroadcastContract<infer P> ? z.output<P> : never;

/** The reply of every RPC: either data or the error envelope. */
export const rpcReplySchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorBodySchema }),
]);
export type RpcReply = z.infer<typeof rpcReplySchema>;
