import { Injectable } from '@nestjs/common';
import { JetStreamApiError } from '@nats-io/jetstream';
import { z } from 'zod';
import { BroadcastContract, MessageContract } from '@cleargate/contracts';
import { encodeJson } from './codec';
import { NatsService } from './nats.service';

/** JetStream's codes for a store refusing a message: the stream's own limit, or the server's. */
const STORE_FAILED = 10077;
const INSUFFICIENT_RESOURCES = 10047;

/**
 * JetStream refused to store a message because the stream (its max_bytes or max_msgs, with
 * discard new) or the server's store is full. Nothing was stored; retrying helps only once
 * consumers have made room.
 */
export class StreamFullError extends Error {
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`JetStream did not store the message on ${subject}: ${reason}`);
    this.name = 'StreamFullError';
  }
}

export function isStoreFull(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    ((err.code === STORE_FAILED && /maximum (bytes|messages)/.test(err.message)) || err.code === INSUFFICIENT_RESOURCES)
  );
}

/**
 * Publishes validated messages to JetStream and waits for the stream's acknowledgement, so a
 * message counts as accepted only once it is stored. A message id makes retried publishes
 * idempotent within the stream's duplicate window.
 */
@Injectable()
export class MessagePublisher {
  constructor(private readonly nats: NatsService) {}

  async publish<C extends MessageContract>(
    contract: C,
    payload: z.input<C['payload']>,
    options: { msgId?: string; headers?: Record<string, string> } = {},
  ): Promise<{ duplicate: boolean; seq: number }> {
    const body = contract.payload.parse(payload);
    try {
      const ack = await this.nats.jetstream.publish(this.nats.subject(contract.subject), encodeJson(body), {
        headers: this.nats.headers(options.headers),
        ...(options.msgId ? { msgID: options.msgId } : {}),
      });
      return { duplicate: ack.duplicate, seq: ack.seq };
    } catch (err) {
      if (isStoreFull(err)) throw new StreamFullError(contract.subject, (err as Error).message);
      throw err;
    }
  }

  /** Sends a broadcast to every replica listening now; nothing is stored or acknowledged. */
  broadcast<C extends BroadcastContract>(contract: C, payload: z.input<C['payload']>): void {
    this.nats.connection.publish(this.nats.subject(contract.subject), encodeJson(contract.payload.parse(payload)), {
      headers: this.nats.headers(),
    });
  }
}
