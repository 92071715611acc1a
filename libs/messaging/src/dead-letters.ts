import { JetStreamApiError } from '@nats-io/jetstream';
import { DEAD_LETTER_PREFIX } from '@cleargate/contracts';
import { CORRELATION_HEADER } from '@cleargate/observability';
import { NatsService } from './nats.service';
import { streamName } from './streams';

/** A message kept in DEAD_LETTER, with why it is there. */
export interface DeadLetter {
  /** Its sequence in DEAD_LETTER: the id the commands take. */
  seq: number;
  at: string;
  /** The subject it was published on first, as the contracts name it. */
  subject: string;
  reason: string;
  consumer: string;
  deliveries: number;
  correlationId: string | null;
  bytes: number;
}

/** JetStream's answer for a sequence that holds no message (deleted, or never there). */
const NO_MESSAGE = 10037;

/**
 * Lists, shows and replays the dead letters (`npm run dlq`). A replay publishes the message
 * back on its original subject, with its correlation id, and deletes it from DEAD_LETTER only
 * once JetStream has acknowledged the new copy: a replay interrupted half-way leaves it where it
 * was. Each replay carries the message id `replay:<seq>`, so repeating one within the stream's
 * duplicate window stores it once.
 */
export class DeadLetters {
  constructor(private readonly nats: NatsService) {}

  private get stream(): string {
    return streamName(this.nats, 'deadLetter');
  }

  async list(limit = 100): Promise<DeadLetter[]> {
    const info = await this.nats.manager.streams.info(this.stream);
    const out: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && out.length < limit; seq++) {
      const letter = await this.get(seq);
      if (letter) out.push(letter.letter);
    }
    return out;
  }

  /** One dead letter and its payload, or null when there is none at `seq`. */
  async get(seq: number): Promise<{ letter: DeadLetter; data: Uint8Array } | null> {
    let msg;
    try {
      msg = await this.nats.manager.streams.getMessage(this.stream, { seq });
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === NO_MESSAGE) return null;
      throw err;
    }
    if (!msg) return null;
    const header = (name: string) => msg.header?.get(name) || null;
    const stored = this.nats.unprefixed(msg.subject);
    return {
      letter: {
        seq: msg.seq,
        at: msg.time.toISOString(),
        subject: stored.startsWith(DEAD_LETTER_PREFIX) ? stored.slice(DEAD_LETTER_PREFIX.length) : stored,
        reason: header('cg-dlq-reason') ?? '',
        consumer: header('cg-dlq-consumer') ?? '',
        deliveries: Number(header('cg-dlq-deliveries') ?? 0),
        correlationId: header(CORRELATION_HEADER),
        bytes: msg.data.length,
      },
      data: msg.data,
    };
  }

  /** Publishes the letter back on its subject; removes it from DEAD_LETTER once that is stored. */
  async replay(seq: number): Promise<{ seq: number; subject: string; storedAs: number; duplicate: boolean }> {
    const found = await this.get(seq);
    if (!found) throw new Error(`no dead letter at sequence ${seq}`);
    const { letter, data } = found;
    const headers = this.nats.headers({ 'cg-replayed-from': String(seq) }, letter.correlationId ?? undefined);
    const ack = await this.nats.jetstream.publish(this.nats.subject(letter.subject), data, { headers, msgID: `replay:${seq}` });
    await this.nats.manager.streams.deleteMessage(this.stream, seq, false);
    return { seq, subject: letter.subject, storedAs: ack.seq, duplicate: ack.duplicate };
  }
}
