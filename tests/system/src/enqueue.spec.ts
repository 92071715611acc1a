import { Client } from 'pg';
import { ClearmlClient } from '@cleargate/clearml';
import { api, waitFor } from '@cleargate/testing';
import { EnqueueStack, startEnqueueStack, TEMPLATE_TASK } from './support/enqueue-stack';

let stack: EnqueueStack;
let clearml: ClearmlClient;
let admin: string;
let user: string;
let taskId: string;

beforeAll(async () => {
  stack = await startEnqueueStack({ latencyMs: 5 });
  clearml = new ClearmlClient({
    apiHost: stack.clearml.url,
    accessKey: 'cleargate-access',
    secretKey: 'cleargate-secret',
    timeoutMs: 10_000,
  });
  admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 3600 });
  user = await stack.oidc.mint({ username: 'observer', roles: ['Observer'] }, { ttlSec: 3600 });
  const template = await api(stack.gatewayUrl, '/v1/tasks', {
    token: admin,
    body: {
      clearml_task_id: TEMPLATE_TASK,
      default_queue: 'default',
      allowed_queues: ['gpu'],
      params_schema: { type: 'object', properties: { lr: { type: 'number' }, horizon: { type: 'integer' } }, additionalProperties: false },
    },
  });
  expect(template.status).toBe(201);
  taskId = template.json.task_id;
});
afterAll(async () => {
  await clearml?.close();
  await stack?.close();
});

async function clones() {
  const out = [];
  for await (const t of clearml.tasks.iterateAll(
    { system_tags: ['cleargate'], only_fields: ['id', 'name', 'status', 'system_tags', 'execution.queue'] },
    { pageSize: 500 },
  )) {
    out.push(t);
  }
  return out;
}

describe('enqueue path through the deployed services', () => {
  it('answers the compatible route with the clone’s id once ClearML queued it, params in the clone and its container cleared', async () => {
    const res = await api(stack.gatewayUrl, '/clearml/serve/enqueue_task', {
      body: { access_token: user, task_id: taskId, queue: 'gpu', params: '{"lr": 0.5, "horizon": 24}' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'queued', task_id: expect.any(String), run_id: expect.any(String), queue: 'gpu' });
    const clone = await clearml.tasks.getById(res.json.task_id);
    expect(clone).toMatchObject({ status: 'queued', execution: expect.objectContaining({ queue: 'q-gpu' }) });
    expect(String(clone.name)).toMatch(/^traffic_forecast_\d{8}_\d{6}$/);
    const hp = clone.hyperparams as Record<string, Record<string, { value: string }>>;
    expect(hp.General!.lr!.value).toBe('0.5');
    expect(hp.General!.horizon!.value).toBe('24');
    expect(hp.General!.epochs!.value).toBe('10');
    expect(hp.Args!.seed!.value).toBe('42');
    expect(clone.container).toEqual({ image: '', arguments: '', setup_shell_script: '' });

    const run = await api(stack.gatewayUrl, `/v1/runs/${res.json.run_id}`, { token: user });
    expect(run.json).toMatchObject({ status: 'queued', clearml_task_id: res.json.task_id, queue: 'gpu' });
  });

  it('refuses unknown tasks (404) and params failing the schema (400) at once', async () => {
    expect(
      (await api(stack.gatewayUrl, '/clearml/serve/enqueue_task', { body: { access_token: user, task_id: 'f'.repeat(64), params: {} } }))
        .status,
    ).toBe(404);
    const bad = await api(stack.gatewayUrl, '/v1/runs', { token: user, body: { task_id: taskId, params: { lr: 'fast', extra: 1 } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error.details)).toContain('body.params.lr');
  });

  it('keeps a run waiting while ClearML is unreachable, with its status visible, and queues it when ClearML returns', async () => {
    await stack.clearml.stop();
    try {
      const accepted = await api(stack.gatewayUrl, '/v1/runs', { token: user, body: { task_id: taskId, params: { lr: 0.1 } } });
      expect(accepted.status).toBe(202);
      const retrying = await waitFor(
        async () => {
          const r = await api(stack.gatewayUrl, `/v1/runs/${accepted.json.run_id}?wait=2`, { token: user });
          return r.json.status === 'retrying' ? r.json : null;
        },
        { timeoutMs: 15_000 },
      );
      expect(retrying.error).toMatch(/refused|unreachable|ECONNREFUSED/i);
      expect(retrying.attempts).toBeGreaterThanOrEqual(1);
      await stack.clearml.start();
      const queued = await waitFor(
        async () => {
          const r = await api(stack.gatewayUrl, `/v1/runs/${accepted.json.run_id}?wait=2`, { token: user });
          return r.json.status === 'queued' ? r.json : null;
        },
        { timeoutMs: 20_000 },
      );
      expect(queued.clearml_task_id).toBeTruthy();
    } finally {
      await stack.clearml.start().catch(() => undefined);
    }
  });

  it('enqueues exactly 500 clones for 500 runs while the worker is killed with SIGKILL twice', async () => {
    stack.clearml.control.resetCalls();
    const before = (await clones()).length;
    const runIds: string[] = [];
    let next = 0;
    const submit = async () => {
      while (next < 500) {
        next++;
        const res = await api(stack.gatewayUrl, '/v1/runs', { token: user, body: { task_id: taskId, params: { lr: next / 1000 } } });
        expect(res.status).toBe(202);
        runIds.push(res.json.run_id);
      }
    };
    const submitting = Promise.all(Array.from({ length: 8 }, submit));
    const queuedCount = async () => (await clones()).filter((c) => c.status === 'queued').length - before;
    await waitFor(async () => (await queuedCount()) >= 120, { timeoutMs: 60_000 });
    await stack.worker.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await stack.worker.start();
    await waitFor(async () => (await queuedCount()) >= 300, { timeoutMs: 60_000 });
    await stack.worker.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await stack.worker.start();
    await submitting;
    await waitFor(async () => (await queuedCount()) >= 500, { timeoutMs: 90_000, intervalMs: 500, message: '500 queued clones' });

    const all = (await clones()).slice(0);
    const byRun = new Map<string, number>();
    for (const c of all) {
      const tag = (c.system_tags as string[]).find((t) => t.startsWith('cleargate-run:'))!;
      byRun.set(tag.slice('cleargate-run:'.length), (byRun.get(tag.slice('cleargate-run:'.length)) ?? 0) + 1);
    }
    expect(runIds).toHaveLength(500);
    for (const id of runIds) expect({ id, clones: byRun.get(id) ?? 0 }).toEqual({ id, clones: 1 });
    expect(all.filter((c) => c.status !== 'queued')).toEqual([]);
    const calls = stack.clearml.calls();
    expect(calls['tasks.clone']).toBe(500);
    // Two writes per run; a worker killed between clone and enqueue may leave one enqueue to redo.
    expect(calls['tasks.enqueue']!).toBeGreaterThanOrEqual(500);
    expect(calls['tasks.enqueue']!).toBeLessThanOrEqual(500 + 2 * 16);

    // The registry agrees: every run queued with its clone.
    const db = new Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      await waitFor(
        async () => {
          const { rows } = await db.query(
            `SELECT count(*)::int AS n FROM runs WHERE id = ANY($1) AND status = 'queued' AND clearml_task_id IS NOT NULL`,
            [runIds],
          );
          return rows[0].n === 500;
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      await db.end();
    }
  });
});
