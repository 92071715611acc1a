import { Client } from 'pg';
import { runCreate, runRequested, tasks, TaskTemplate } from '@cleargate/contracts';
import { decodeJson } from '@cleargate/messaging';
import { waitFor } from '@cleargate/testing';
import { alice, bob, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

// Runs accepted against kept templates and stored in batches (runs/run-acceptance.ts).
let fx: RegistryFixture;
let pg: Client;
let template: TaskTemplate;
const published = new Map<string, number>();

beforeAll(async () => {
  fx = await startRegistryFixture({ TEMPLATE_CACHE_MS: '600000', RUN_INSERT_BATCH: '50' });
  pg = new Client({ connectionString: fx.db.url });
  await pg.connect();
  fx.bus.nats.connection.subscribe(fx.bus.nats.subject(runRequested.subject), {
    callback: (_e, msg) => {
      const { run_id } = decodeJson(msg.data) as { run_id: string };
      published.set(run_id, (published.get(run_id) ?? 0) + 1);
    },
  });
  template = await fx.bus.rpc.request(tasks.create, {
    caller: alice,
    task: {
      clearml_task_id: 'c1b2c3d4e5f60718293a4b5c6d7e8f90',
      default_queue: 'default',
      name: 'forecast',
      params_schema: { type: 'object', properties: { lr: { type: 'number' } } },
    },
  });
});
afterAll(async () => {
  await pg?.end();
  await fx?.close();
});

const run = (params: Record<string, unknown> = { lr: 0.1 }) =>
  fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params, route: 'v1' });

/** A change made by another replica (or by hand): this registry hears nothing of it. */
const changeBehindItsBack = (set: string) => pg.query(`UPDATE task_templates SET ${set}, updated_at = now() WHERE id = $1`, [template.id]);

describe('run acceptance', () => {
  it('stores and publishes each of 300 runs sent at once exactly once, in batches', async () => {
    const runs = await Promise.all(Array.from({ length: 300 }, (_, i) => run({ lr: i })));
    const ids = runs.map((r) => r.run_id);
    expect(new Set(ids).size).toBe(300);
    const stored = await pg.query<{ id: string; params: { lr: number } }>('SELECT id, params FROM runs WHERE id = ANY($1::uuid[])', [ids]);
    expect(stored.rows).toHaveLength(300);
    // Each run kept its own params through the batch.
    const byId = new Map(stored.rows.map((r) => [r.id, r.params.lr]));
    runs.forEach((r) => expect(byId.get(r.run_id)).toBe(r.params.lr));
    await waitFor(() => ids.every((id) => published.has(id)));
    expect(ids.filter((id) => published.get(id) !== 1)).toEqual([]);
  });

  it('never accepts a run against a kept template that changed since: a disabled task is refused at once', async () => {
    await run(); // the template is kept now
    await changeBehindItsBack('enabled = false');
    const before = Number((await pg.query('SELECT count(*) AS n FROM runs')).rows[0].n);
    expect((await rejects(run())).code).toBe('not_found');
    expect(Number((await pg.query('SELECT count(*) AS n FROM runs')).rows[0].n)).toBe(before);
    // Enabled again: the kept refusal is checked against the stored template, not trusted.
    await changeBehindItsBack('enabled = true');
    expect((await run()).status).toBe('accepted');
  });

  it('checks params against the schema stored now, not the one kept', async () => {
    await run({ lr: 0.5 });
    await changeBehindItsBack(`params_schema = '{"type":"object","properties":{"lr":{"type":"string"}}}'::jsonb`);
    expect((await rejects(run({ lr: 0.5 }))).code).toBe('invalid_argument');
    expect((await run({ lr: 'fast' })).status).toBe('accepted');
  });

  it('refuses a caller the task is no longer shared with', async () => {
    await run({ lr: 'slow' });
    await changeBehindItsBack(`visibility = 'private'`);
    expect((await rejects(run({ lr: 'slow' }))).code).toBe('forbidden');
  });
});
