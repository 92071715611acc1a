import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DEAD_LETTER_PREFIX, MessageContract } from '@cleargate/contracts';
import { CORRELATION_HEADER, Metrics, sanitizeCorrelationId, withCorrelation } from '@cleargate/observability';
import { decodeJson } from './codec';
import { NatsService } from './nats.service';
import { isNotFound, streamName, workMaxAgeMs } from './streams';

const consumersByRegistry = new WeakMap<Metrics, Set<DurableConsumer<z.ZodType>>>();

/**
 * One gauge per service for every durable consumer it runs: messages not yet delivered and
 * delivered but not yet acked (the enqueue backlog, the alerts waiting for the notifier...).
 */
function registerBacklogGauge(metrics: Metrics, consumer: DurableConsumer<z.ZodType>): void {
  let consumers = consumersByRegistry.get(metrics);
  if (!consumers) {
    const all = (consumers = new Set());
    consumersByRegistry.set(metrics, all);
    metrics.gauge(
      'consumer_pending_messages',
      'Messages waiting for a durable consumer, by consumer and state',
      ['consumer', 'state'],
      async function () {
        for (const c of all) {
          const b = await c.backlog();
          if (!b) continue;
          this.set({ consumer: c.name, state: 'undelivered' }, b.pending);
          this.set({ consumer: c.name, state: 'unacked' }, b.ackPending);
        }
      },
    );
  }
  consumers.add(consumer);
}

/** Thrown by a handler when retrying cannot help (unknown task, invalid params): no redelivery. */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/**
 * Thrown by a handler that knows when to try again (a rate limit's Retry-After): the message is
 * redelivered after `delayMs` instead of the consumer's backoff. On the last allowed delivery it
 * is dead-lettered like any failure.
 */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface MessageContext {
  correlationId: string;
  /** 1 on first delivery. */
  deliveryCount: number;
  /** True when this is the last delivery before the dead letter. */
  lastAttempt: boolean;
  /** Tells JetStream the message is still being worked on (extends the ack deadline). */
  working(): void;
}

/**
 * The retry settings of a consumer whose work is ClearGate's own (writing records, applying
 * status): a failure is retried within seconds, up to 20 deliveries over about two minutes,
 * before the message goes to the dead-letter stream. Consumers that wait on others (ClearML,
 * chat providers) configure their own.
 */
export const INTERNAL_RETRY = {
  maxDeliver: 20,
  ackWaitMs: 30_000,
  backoffMs: [500, 1000, 2000, 5000, 10_000],
} as const satisfies Pick<ConsumerOptions<z.ZodType>, 'maxDeliver' | 'ackWaitMs' | 'backoffMs'>;

export interface ConsumerOptions<P extends z.ZodType> {
  contract: MessageContract<P>;
  /** Durable consumer name; replicas of a service share it. */
  durable: string;
  maxDeliver: number;
  ackWaitMs: number;
  /** Delay before redelivery after a failure, indexed by delivery count (last value repeats). */
  backoffMs: readonly number[];
  /** Messages worked on at the same time by this process. */
  concurrency: number;
  /** Where a brand-new consumer starts; existing consumers resume where they stopped. */
  deliverPolicy?: 'all' | 'new';
  /**
   * Messages delivered but not yet acked, across replicas (those waiting for a delayed retry
   * count too); beyond it JetStream stops delivering. Default max(concurrency × 4, 64).
   */
  maxAckPending?: number;
}

interface Outcome {
  counter: (outcome: string, n?: number) => void;
}

/** The server-side name of a durable consumer: namespaced, lower case, dashes. */
export function durableConsumerName(nats: NatsService, durable: string): string {
  return nats.name(durable).toLowerCase().replace(/_/g, '-');
}

/**
 * A durable JetStream pull consumer. A message is acked only after its handler finished;
 * a failure is nak'ed with backoff; a PermanentError, an unreadable payload or the last
 * allowed delivery sends it to `dlq.<subject>` with the reason, then terms it.
 */
export class DurableConsumer<P extends z.ZodType> {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly inflight = new Set<Promise<void>>();
  protected readonly metrics: Outcome;
  /** Work older than this (stream metadata set by the migration step) is dead-lettered, not done. */
  private maxAgeMs: number | null = null;
  private readonly deadLetters;

  constructor(
    protected readonly nats: NatsService,
    protected readonly logger: Logger,
    metrics: Metrics,
    protected readonly options: ConsumerOptions<P>,
    private readonly handler?: (payload: z.output<P>, ctx: MessageContext) => Promise<void>,
  ) {
    const processed = metrics.counter('messages_total', 'Stream messages processed, by consumer and outcome', ['consumer', 'outcome']);
    this.metrics = { counter: (outcome, n = 1) => processed.inc({ consumer: options.durable, outcome }, n) };
    for (const outcome of ['ok', 'retried', 'dead_lettered']) processed.inc({ consumer: options.durable, outcome }, 0);
    this.deadLetters = metrics.counter('dead_letters_total', 'Messages moved to the dead-letter stream, by consumer', ['consumer']);
    this.deadLetters.inc({ consumer: options.durable }, 0);
    registerBacklogGauge(metrics, this);
  }

  get name(): string {
    return this.options.durable;
  }

  /** The consumer's backlog as the server sees it, or null before start. */
  async backlog(): Promise<{ pending: number; ackPending: number } | null> {
    if (!this.messages) return null;
    try {
      const info = await this.nats.manager.consumers.info(this.stream, this.durableName);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    } catch {
      return null;
    }
  }

  get stream(): string {
    return streamName(this.nats, this.options.contract.stream);
  }

  get durableName(): string {
    return durableConsumerName(this.nats, this.options.durable);
  }

  async start(): Promise<void> {
    const { options } = this;
    const config = {
      durable_name: this.durableName,
      ack_policy: AckPolicy.Explicit,
      filter_subject: this.nats.subject(options.contract.subject),
      max_deliver: options.maxDeliver,
      ack_wait: nanos(options.ackWaitMs),
      max_ack_pending: options.maxAckPending ?? Math.max(options.concurrency * 4, 64),
      deliver_policy: options.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    };
    const consumer = await this.nats.whileJetStreamStarts(`ensure consumer ${config.durable_name}`, async () => {
      try {
        await this.nats.manager.consumers.info(this.stream, config.durable_name);
        const { deliver_policy: _ignored, ...updatable } = config;
        await this.nats.manager.consumers.update(this.stream, config.durable_name, updatable);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.nats.manager.consumers.add(this.stream, config);
      }
      return this.nats.jetstream.consumers.get(this.stream, config.durable_name);
    });
    this.maxAgeMs = await workMaxAgeMs(this.nats, options.contract.stream);
    this.messages = await consumer.consume({ max_messages: this.batchSize() });
    this.loop = this.run(this.messages);
    this.logger.info({ stream: this.stream, consumer: config.durable_name }, 'consuming');
  }

  /** Stops pulling, then waits for the messages in hand to finish. */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    await Promise.all(this.inflight);
  }

  protected batchSize(): number {
    return this.options.concurrency;
  }

  protected async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      while (this.inflight.size >= this.options.concurrency) await Promise.race(this.inflight);
      const task = this.process(msg).finally(() => this.inflight.delete(task));
      this.inflight.add(task);
    }
  }

  protected decode(msg: JsMsg): { ok: true; payload: z.output<P> } | { ok: false; reason: string } {
    if (this.maxAgeMs !== null) {
      const waitedMs = Math.round(Date.now() - msg.info.timestampNanos / 1e6);
      if (waitedMs > this.maxAgeMs) return { ok: false, reason: `waited ${waitedMs} ms, longer than the work age of ${this.maxAgeMs} ms` };
    }
    try {
      const parsed = this.options.contract.payload.safeParse(decodeJson(msg.data));
      return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, reason: `invalid payload: ${parsed.error.message}` };
    } catch {
      return { ok: false, reason: 'payload is not valid JSON' };
    }
  }

  protected context(msg: JsMsg): MessageContext {
    const deliveryCount = msg.info.deliveryCount;
    return {
      correlationId: sanitizeCorrelationId(msg.headers?.get(CORRELATION_HEADER)),
      deliveryCount,
      lastAttempt: deliveryCount >= this.options.maxDeliver,
      working: () => msg.working(),
    };
  }

  private async process(msg: JsMsg): Promise<void> {
    const ctx = this.context(msg);
    await withCorrelation(ctx.correlationId, async () => {
      try {
        const decoded = this.decode(msg);
        if (!decoded.ok) {
          await this.deadLetter(msg, decoded.reason);
          return;
        }
        const heartbeat = setInterval(() => msg.working(), Math.max(this.options.ackWaitMs / 3, 1000));
        try {
          await this.handler!(decoded.payload, ctx);
          await msg.ackAck();
          this.metrics.counter('ok');
        } catch (err) {
          await this.fail(msg, err, ctx);
        } finally {
          clearInterval(heartbeat);
        }
      } catch (err) {
        // NATS itself failed while acking or dead-lettering: the message was not acked, so
        // JetStream redelivers it after ack_wait. Never let this stop the consumer loop.
        this.logger.error({ err, subject: msg.subject, delivery: ctx.deliveryCount }, 'could not settle a message; it will be redelivered');
      }
    });
  }

  protected async fail(msg: JsMsg, err: unknown, ctx: MessageContext): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof RetryLater && !ctx.lastAttempt) {
      this.logger.info({ delivery: ctx.deliveryCount, retry_in_ms: err.delayMs, reason }, 'message put off');
      msg.nak(err.delayMs);
      this.metrics.counter('retried');
      return;
    }
    if (err instanceof PermanentError || ctx.lastAttempt) {
      this.logger.warn({ err, delivery: ctx.deliveryCount, subject: msg.subject }, 'giving up on message');
      await this.deadLetter(msg, reason);
      return;
    }
    const delay = this.options.backoffMs[Math.min(ctx.deliveryCount - 1, this.options.backoffMs.length - 1)] ?? 1000;
    this.logger.info({ delivery: ctx.deliveryCount, retry_in_ms: delay, reason }, 'message failed, will retry');
    msg.nak(delay);
    this.metrics.counter('retried');
  }

  protected async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    const original = this.nats.unprefixed(msg.subject);
    const headers = this.nats.headers(
      {
        // A header value is one line; validation messages span several.
        'cg-dlq-reason': reason.replace(/\s*[\r\n]+\s*/g, ' ').slice(0, 1000),
        'cg-dlq-consumer': this.durableName,
        'cg-dlq-deliveries': String(msg.info.deliveryCount),
        'cg-dlq-stream-seq': String(msg.seq),
      },
      // The original's correlation id, so that a replay keeps it (batches have no context of their own).
      msg.headers?.get(CORRELATION_HEADER) ? sanitizeCorrelationId(msg.headers.get(CORRELATION_HEADER)) : undefined,
    );
    await this.nats.jetstream.publish(this.nats.subject(`${DEAD_LETTER_PREFIX}${original}`), msg.data, {
      headers,
      msgID: `${this.durableName}:${msg.seq}`,
    });
    msg.term();
    this.deadLetters.inc({ consumer: this.options.durable });
    this.metrics.counter('dead_lettered');
  }
}

/**
 * Like DurableConsumer but hands the handler up to `maxBatch` messages at a time (waiting at
 * most `maxWaitMs` to fill a batch) and acks them together: for writers that insert in bulk.
 */
export class BatchConsumer<P extends z.ZodType> extends DurableConsumer<P> {
  constructor(
    nats: NatsService,
    logger: Logger,
    metrics: Metrics,
    options: Omit<ConsumerOptions<P>, 'concurrency'> & { maxBatch: number; maxWaitMs: number },
    private readonly batchHandler: (payloads: z.output<P>[]) => Promise<void>,
  ) {
    super(nats, logger, metrics, { ...options, concurrency: 1 });
    this.batchOptions = options;
  }

  private readonly batchOptions: { maxBatch: number; maxWaitMs: number };

  protected override batchSize(): number {
    return this.batchOptions.maxBatch;
  }

  protected override async run(messages: ConsumerMessages): Promise<void> {
    let batch: JsMsg[] = [];
    let timer: NodeJS.Timeout | undefined;
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      const taken = batch;
      batch = [];
      if (taken.length) {
        flushing = flushing
          .then(() => this.processBatch(taken))
          .catch((err) => this.logger.error({ err }, 'could not settle a batch; its messages will be redelivered'));
      }
      return flushing;
    };
    for await (const msg of messages) {
      batch.push(msg);
      if (batch.length >= this.batchOptions.maxBatch) await flush();
      else timer ??= setTimeout(() => void flush(), this.batchOptions.maxWaitMs);
    }
    await flush();
  }

  private async processBatch(msgs: JsMsg[]): Promise<void> {
    const good: { msg: JsMsg; payload: z.output<P> }[] = [];
    for (const msg of msgs) {
      const decoded = this.decode(msg);
      if (decoded.ok) good.push({ msg, payload: decoded.payload });
      else await this.deadLetter(msg, decoded.reason);
    }
    if (!good.length) return;
    try {
      await this.batchHandler(good.map((g) => g.payload));
      await Promise.all(good.map((g) => g.msg.ackAck()));
      this.metrics.counter('ok', good.length);
    } catch (err) {
      for (const { msg } of good) await this.fail(msg, err, this.context(msg));
    }
  }
}
