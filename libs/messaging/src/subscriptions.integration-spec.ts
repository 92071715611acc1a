import { randomUUID } from 'node:crypto';
import { runStatusApplied, runStatusChanged } from '@cleargate/contracts';
import { encodeJson } from './codec';
import { MessagePublisher } from './publisher';
import { serveFrames, subscribeEvents } from './subscriptions';
import { natsFixture, silent, sleep, until } from './test/nats-fixture';

describe('subscribeEvents and serveFrames', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;

  beforeAll(async () => {
    fx = await natsFixture();
  });
  afterAll(() => fx.drop());

  it('hands every replica each valid event and drops one that breaks its contract', async () => {
    const [a, b] = await Promise.all([fx.another('a'), fx.another('b')]);
    const heard: string[] = [];
    const subs = [a, b].map((nats, i) => subscribeEvents(nats, runStatusChanged, (e) => heard.push(`${i}:${e.attempts}`), silent));
    await Promise.all([a.connection.flush(), b.connection.flush()]);
    await fx.nats.jetstream.publish(fx.nats.subject(runStatusChanged.subject), encodeJson({ run_id: 'not a uuid' }));
    await new MessagePublisher(fx.nats).publish(runStatusChanged, {
      run_id: randomUUID(),
      status: 'queued',
      attempts: 7,
      at: new Date().toISOString(),
      source: 'registry',
    });
    await until(() => heard.length === 2);
    await sleep(100);
    expect(heard.sort()).toEqual(['0:7', '1:7']);
    for (const s of subs) s.unsubscribe();
  });

  it('keeps listening when a handler throws', async () => {
    let calls = 0;
    const sub = subscribeEvents(
      fx.nats,
      runStatusApplied,
      () => {
        calls++;
        throw new Error('handler bug');
      },
      silent,
    );
    await fx.nats.connection.flush();
    const publisher = new MessagePublisher(fx.nats);
    const run = {
      run_id: randomUUID(),
      task_id: 'a'.repeat(64),
      template_name: null,
      caller: 'alice',
      params: {},
      queue: 'default',
      status: 'queued' as const,
      clearml_task_id: null,
      error: null,
      error_code: null,
      attempts: 1,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      queued_at: null,
      started_at: null,
      finished_at: null,
      worker: null,
      gpu_seconds: null,
    };
    publisher.broadcast(runStatusApplied, run);
    publisher.broadcast(runStatusApplied, run);
    await until(() => calls === 2);
    sub.unsubscribe();
  });

  it('shares frames among the replicas of a queue group, each frame answered once', async () => {
    const replicas = await Promise.all([fx.another('r1'), fx.another('r2')]);
    const served = [0, 0];
    const subs = replicas.map((nats, i) =>
      serveFrames(
        nats,
        'test.frame.invoke.v1',
        'test-group',
        (req) => {
          served[i]!++;
          req.respond(req.data);
        },
        silent,
      ),
    );
    await Promise.all(replicas.map((r) => r.connection.flush()));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        fx.nats.requests.request(fx.nats.subject('test.frame.invoke.v1'), new Uint8Array([n]), { timeoutMs: 2000 }),
      ),
    );
    expect(answers.map((a) => a[0])).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(served[0]! + served[1]!).toBe(40);
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
    await Promise.all(subs.map((s) => s.drain()));
  });
});
