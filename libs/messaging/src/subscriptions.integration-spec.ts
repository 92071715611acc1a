import { randomUUID } from 'node:crypto';
import { createInbox, type Msg } from '@nats-io/nats-core';
import { runStatusApplied, runStatusChanged } from '@cleargate/contracts';
import { encodeJson } from './codec';
import { MessagePublisher } from './publisher';
import { askingHeartbeats, isHeartbeat } from './heartbeats';
import { ResponderLostError } from './request-mux';
import { FrameRequest, serveFrames, subscribeEvents } from './subscriptions';
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

  describe('heartbeats', () => {
    /** Sends one request asking for heartbeats every `everyMs`; records what comes back, in order, until 300 ms after the reply. */
    async function ask(subject: string, everyMs: number): Promise<{ heard: ('beat' | 'reply')[]; at: number[] }> {
      const inbox = createInbox();
      const heard: ('beat' | 'reply')[] = [];
      const at: number[] = [];
      const sent = Date.now();
      const sub = fx.nats.connection.subscribe(inbox, {
        callback: (_err, msg: Msg) => {
          heard.push(isHeartbeat(msg) ? 'beat' : 'reply');
          at.push(Date.now() - sent);
        },
      });
      fx.nats.connection.publish(fx.nats.subject(subject), new Uint8Array([1]), { reply: inbox, headers: askingHeartbeats(everyMs) });
      await until(() => heard.includes('reply'));
      await sleep(300);
      sub.unsubscribe();
      return { heard, at };
    }

    it('sends a sign of life every interval while a request is held, the first after a quarter of it, none once answered', async () => {
      const server = await fx.another('beating');
      const sub = serveFrames(server, 'test.frame.beat.v1', 'beat-group', (req) => setTimeout(() => req.respond(req.data), 700), silent);
      await server.connection.flush();
      const { heard, at } = await ask('test.frame.beat.v1', 200);
      // Beats at about 50, 250, 450 and 650 ms, then the reply at 700, then nothing.
      expect(heard.at(-1)).toBe('reply');
      expect(heard.indexOf('reply')).toBe(heard.length - 1);
      const beats = heard.length - 1;
      expect(beats).toBeGreaterThanOrEqual(2);
      expect(beats).toBeLessThanOrEqual(Math.floor(at.at(-1)! / 200) + 1);
      expect(at[0]).toBeLessThan(400);
      await sub.drain();
    });

    it('costs a request answered quickly nothing, and one that asked for none nothing', async () => {
      const server = await fx.another('quick');
      const sub = serveFrames(server, 'test.frame.quick.v1', 'quick-group', (req) => req.respond(req.data), silent);
      await server.connection.flush();
      expect((await ask('test.frame.quick.v1', 400)).heard).toEqual(['reply']);
      const slow = serveFrames(server, 'test.frame.slow.v1', 'slow-group', (req) => setTimeout(() => req.respond(req.data), 300), silent);
      await server.connection.flush();
      const answer = await fx.nats.requests.request(fx.nats.subject('test.frame.slow.v1'), new Uint8Array([9]), { timeoutMs: 2000 });
      expect([...answer]).toEqual([9]);
      await Promise.all([sub.drain(), slow.drain()]);
    });

    it('lets the requester tell a responder that went away with its request from a slow one', async () => {
      const server = await fx.another('doomed');
      const held: FrameRequest[] = [];
      serveFrames(server, 'test.frame.doomed.v1', 'doomed-group', (req) => held.push(req), silent);
      await server.connection.flush();
      const started = Date.now();
      const pending = fx.nats.requests.request(fx.nats.subject('test.frame.doomed.v1'), new Uint8Array([1]), {
        timeoutMs: 10_000,
        heartbeatMs: 100,
      });
      await until(() => held.length === 1);
      // Alive for a while: the request is not given up while the beats come.
      await sleep(600);
      let settled = false;
      void pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      await sleep(0);
      expect(settled).toBe(false);
      // The responder's process goes (its connection with it): three missed beats later the requester knows.
      const gone = Date.now();
      await server.close();
      await expect(pending).rejects.toBeInstanceOf(ResponderLostError);
      expect(Date.now() - gone).toBeLessThan(1500);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
