import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { api, createTestDatabase, natsPasswords, natsServer, NatsServer, ROOT, TestDatabase, waitFor } from '@cleargate/testing';
import { BusStack, startBusStack, testClient } from './support/bus-stack';

jest.setTimeout(120_000);

const WORK_MAX_AGE_MS = 1500;
const passwords = natsPasswords();
let nats: NatsServer;
let db: TestDatabase;
let stack: BusStack;

beforeAll(async () => {
  nats = await natsServer({ passwords });
  await nats.start();
  db = await createTestDatabase();
  stack = await startBusStack({
    natsUrl: nats.url,
    passwords,
    databaseUrl: db.url,
    deferred: ['enqueue-worker'],
    env: { registry: { JETSTREAM_WORK_MAX_AGE_MS: String(WORK_MAX_AGE_MS), RUN_REPUBLISH_AFTER_MS: '3600000' } },
  });
});
afterAll(async () => {
  await stack?.close();
  await nats?.kill();
  nats?.remove();
  await db?.drop();
});

/** `npm run dlq -- <args>` as an operator runs it: the built command, the operator's credentials. */
function dlq(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist/apps/registry/src/dlq.js'), ...args], {
    env: { PATH: process.env.PATH, NATS_URL: nats.url, NATS_USER: 'operator', NATS_PASSWORD: passwords.operator },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: result.status,
    stderr: result.stderr,
    lines: result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  };
}

describe('work older than its age, and the dead-letter command', () => {
  it('dead-letters runs that waited longer than the work age instead of starting them, and replays them on request', async () => {
    const gw = stack.gatewayUrls[0]!;
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(gw, '/v1/runs', { token: stack.user, body: { task_id: stack.taskId, params: {} } });
      expect(res.status).toBe(202);
      runIds.push(res.json.run_id);
    }
    // No worker for longer than the work age: the runs wait in ENQUEUE, and JetStream keeps them.
    const client = await testClient(nats.url, 'operator', { user: 'operator', password: passwords.operator });
    try {
      const enqueue = await client.manager.streams.info('CLEARGATE_ENQUEUE');
      expect(enqueue.state.messages).toBe(3);
      expect(enqueue.config.max_age).toBe(0);
      expect(enqueue.config.metadata?.['cleargate_work_max_age_ms']).toBe(String(WORK_MAX_AGE_MS));
      await new Promise((r) => setTimeout(r, WORK_MAX_AGE_MS + 200));
      expect((await client.manager.streams.info('CLEARGATE_ENQUEUE')).state.messages).toBe(3);

      const worker = stack.processes['enqueue-worker'][0]!;
      await worker.start();
      await waitFor(async () => (await client.manager.streams.info('CLEARGATE_DEAD_LETTER')).state.messages === 3, {
        timeoutMs: 20_000,
        message: 'three dead letters',
      });
      expect((await client.manager.streams.info('CLEARGATE_ENQUEUE')).state.messages).toBe(0);
      expect((await stack.clonesByRun()).size).toBe(0);
    } finally {
      await client.close();
    }

    const listed = dlq('list');
    expect(listed.status).toBe(0);
    expect(listed.lines).toHaveLength(3);
    for (const letter of listed.lines) {
      expect(letter).toMatchObject({
        subject: 'enqueue.run.requested.v1',
        consumer: 'cleargate-enqueue-worker',
        reason: expect.stringMatching(/^waited \d+ ms, longer than the work age of 1500 ms$/),
        correlationId: expect.any(String),
      });
    }
    const shown = dlq('show', String(listed.lines[0].seq));
    expect(shown.lines[0].payload).toMatchObject({ run_id: expect.any(String), task_id: stack.taskId });
    expect(runIds).toContain(shown.lines[0].payload.run_id);

    // Replayed now, the runs are fresh work: each cloned once, and the dead letters are gone.
    const replayed = dlq('replay', '--all');
    expect(replayed.status).toBe(0);
    expect(replayed.lines.map((l) => l.replayed?.subject)).toEqual(Array(3).fill('enqueue.run.requested.v1'));
    expect(dlq('list').lines).toEqual([]);
    await waitFor(
      async () => {
        const clones = await stack.clonesByRun();
        return runIds.every((id) => clones.get(id) === 1);
      },
      { timeoutMs: 20_000, message: 'each replayed run cloned once' },
    );
    for (const id of runIds) {
      await waitFor(async () => (await api(gw, `/v1/runs/${id}`, { token: stack.user })).json.status === 'queued', { timeoutMs: 10_000 });
    }
    // Replaying a letter that is no longer there says so and changes nothing.
    const again = dlq('replay', String(listed.lines[0].seq));
    expect(again.status).toBe(1);
    expect(again.lines[0].error).toMatch(/no dead letter/);
  });
});
