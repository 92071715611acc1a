import { randomUUID } from 'node:crypto';
import type { Msg } from '@nats-io/nats-core';
import { DEAD_LETTER_PREFIX, MessagePayload, runStatusChanged } from '@cleargate/contracts';
import { BatchConsumer, DurableConsumer, MessageContext, PermanentError, RetryLater } from './consumer';
import { encodeJson } from './codec';
import { MessagePublisher } from './publisher';
import { natsFixture, silent, sleep, until } from './test/nats-fixture';

type StatusEvent = MessagePayload<typeof runStatusChanged>;

const event = (n: number): StatusEvent => ({
  run_id: randomUUID(),
  status: 'queued',
  attempts: n,
  at: new Date().toISOString(),
  source: 'enqueue-worker',
});

describe('DurableConsumer', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;
  let publisher: MessagePublisher;
  const deadLetters: Msg[] = [];
  const consumers: DurableConsumer<typeof runStatusChanged.payload>[] = [];

  beforeAll(async () => {
    fx = await natsFixture();
    publisher = new MessagePublisher(fx.nats);
    fx.nats.connection.subscribe(fx.nats.subject(`${DEAD_LETTER_PREFIX}>`), { callback: (_e, m) => void deadLetters.push(m) });
    await fx.nats.connection.flush();
  });
  // Every consumer here reads the same subject: each test's consumer stops before the next starts.
  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.stop();
  });
  afterAll(() => fx.drop());

  /** A consumer of its own (a fresh durable that only sees what is published after it starts). */
  async function consume(
    handler: (payload: StatusEvent, ctx: MessageContext) => Promise<void>,
    options: { maxDeliver?: number; backoffMs?: number[] } = {},
  ) {
    const consumer = new DurableConsumer(
      fx.nats,
      silent,
      fx.metrics,
      {
        contract: runStatusChanged,
        durable: `test-${randomUUID().slice(0, 8)}`,
        maxDeliver: options.maxDeliver ?? 5,
        ackWaitMs: 5000,
        backoffMs: options.backoffMs ?? [50],
        concurrency: 4,
        deliverPolicy: 'new',
      },
      handler,
    );
    await consumer.start();
    consumers.push(consumer);
    return consumer;
  }

  const deadLetterOf = (runId: string) => deadLetters.find((m) => new TextDecoder().decode(m.data).includes(runId));

  it('acks a message once its handler succeeded: it is not delivered again', async () => {
    const seen: number[] = [];
    const consumer = await consume(async (_payload, ctx) => void seen.push(ctx.deliveryCount));
    await publisher.publish(runStatusChanged, event(1));
    await until(() => seen.length === 1);
    await sleep(300);
    expect(seen).toEqual([1]);
    expect(await consumer.backlog()).toEqual({ pending: 0, ackPending: 0 });
  });

  it('redelivers a failed message after its backoff, counting the deliveries', async () => {
    const seen: { delivery: number; at: number }[] = [];
    await consume(
      async (_payload, ctx) => {
        seen.push({ delivery: ctx.deliveryCount, at: Date.now() });
        if (ctx.deliveryCount < 3) throw new Error('not yet');
      },
      { backoffMs: [200, 400] },
    );
    await publisher.publish(runStatusChanged, event(2));
    await until(() => seen.length === 3);
    expect(seen.map((s) => s.delivery)).toEqual([1, 2, 3]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(180);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(380);
  });

  it('moves a message to the dead-letter stream at once on a PermanentError, with why and from where', async () => {
    let calls = 0;
    const consumer = await consume(async () => {
      calls++;
      throw new PermanentError('unknown task\nsecond line');
    });
    const payload = event(3);
    await publisher.publish(runStatusChanged, payload);
    await until(() => deadLetterOf(payload.run_id) !== undefined);
    const dead = deadLetterOf(payload.run_id)!;
    expect(dead.subject).toBe(fx.nats.subject(`${DEAD_LETTER_PREFIX}${runStatusChanged.subject}`));
    expect(dead.headers?.get('cg-dlq-reason')).toBe('unknown task second line');
    expect(dead.headers?.get('cg-dlq-consumer')).toBe(consumer.durableName);
    expect(dead.headers?.get('cg-dlq-deliveries')).toBe('1');
    await sleep(300);
    expect(calls).toBe(1);
  });

  it('dead-letters a payload that breaks its contract without calling the handler', async () => {
    let calls = 0;
    await consume(async () => void calls++);
    const runId = randomUUID();
    await fx.nats.jetstream.publish(fx.nats.subject(runStatusChanged.subject), encodeJson({ run_id: runId, status: 'teleported' }));
    await until(() => deadLetterOf(runId) !== undefined);
    expect(deadLetterOf(runId)!.headers?.get('cg-dlq-reason')).toMatch(/^invalid payload/);
    expect(calls).toBe(0);
  });

  it('gives up after max_deliver attempts, telling the handler which one is the last', async () => {
    const attempts: { delivery: number; last: boolean }[] = [];
    await consume(
      async (_payload, ctx) => {
        attempts.push({ delivery: ctx.deliveryCount, last: ctx.lastAttempt });
        throw new Error('still failing');
      },
      { maxDeliver: 3 },
    );
    const payload = event(4);
    await publisher.publish(runStatusChanged, payload);
    await until(() => deadLetterOf(payload.run_id) !== undefined);
    expect(attempts).toEqual([
      { delivery: 1, last: false },
      { delivery: 2, last: false },
      { delivery: 3, last: true },
    ]);
    expect(deadLetterOf(payload.run_id)!.headers?.get('cg-dlq-deliveries')).toBe('3');
  });

  it('puts a message off for as long as RetryLater asks, instead of the backoff', async () => {
    const seen: number[] = [];
    await consume(
      async () => {
        seen.push(Date.now());
        if (seen.length === 1) throw new RetryLater(600, 'rate limited');
      },
      { backoffMs: [10] },
    );
    await publisher.publish(runStatusChanged, event(5));
    await until(() => seen.length === 2);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(550);
  });
});

describe('BatchConsumer', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;
  let publisher: MessagePublisher;
  let consumer: BatchConsumer<typeof runStatusChanged.payload> | undefined;

  beforeAll(async () => {
    fx = await natsFixture();
    publisher = new MessagePublisher(fx.nats);
  });
  afterAll(async () => {
    await consumer?.stop();
    await fx.drop();
  });

  it('hands messages over in batches, all of them, and redelivers a batch whose write failed', async () => {
    const batches: number[][] = [];
    let failOnce = true;
    consumer = new BatchConsumer(
      fx.nats,
      silent,
      fx.metrics,
      {
        contract: runStatusChanged,
        durable: 'test-batch',
        maxDeliver: 5,
        ackWaitMs: 5000,
        backoffMs: [100],
        deliverPolicy: 'new',
        maxBatch: 4,
        maxWaitMs: 50,
      },
      async (payloads) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('database down');
        }
        batches.push(payloads.map((p) => p.attempts!));
      },
    );
    await consumer.start();
    for (let i = 1; i <= 10; i++) await publisher.publish(runStatusChanged, event(i));
    await until(() => batches.flat().length === 10, 10_000);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    await sleep(300);
    expect(batches.flat()).toHaveLength(10);
  });
});
