import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { BroadcastContract, MessageContract } from '@cleargate/contracts';
import { encodeJson } from './codec';
import { NatsService } from './nats.service';

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
    const ack = await this.nats.jetstream.publish(this.nats.subject(contract.subject), encodeJson(body), {
      headers: this.nats.headers(options.headers),
      ...(options.msgId ? { msgID: options.msgId } : {}),
    });
    return { duplicate: ack.duplicate, seq: ack.seq };
  }

  /** Sends a broadcast to every replica listening now; nothing is stored or acknowledged. */
  broadcast<C extends BroadcastContract>(contract: C, payload: z.input<C['payload']>): void {
    this.nats.connection.publish(this.nats.subject(contract.subject), encodeJson(contract.payload.parse(payload)), {
      headers: this.nats.headers(),
    });
  }
}
