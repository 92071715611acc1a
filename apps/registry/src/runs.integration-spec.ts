import { randomUUID } from 'node:crypto';
import {
  enqueueCallRecorded,
  enqueueLogList,
  runCreate,
  runGet,
  runList,
  runRequested,
  runStatusChanged,
  statsGet,
  tasks,
  TaskTemplate,
} from '@cleargate/contracts';
import { decodeJson, durableConsumerName, streamName } from '@cleargate/messaging';
import { waitFor } from '@cleargate/testing';
import { admin, alice, bob, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

const page = { limit: 50 };
const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { lr: { type: 'number', minimum: 0 }, epochs: { type: 'integer' }, name: { type: 'string' } },
  required: ['lr'],
  additionalProperties: false,
};

let fx: RegistryFixture;
let template: TaskTemplate;
const requested: { runId: string; msgId: string | undefined; route: unknown }[] = [];

beforeAll(async () => {
  fx = await startRegistryFixture({ RUN_REPUBLISH_INTERVAL_MS: '1000', RUN_REPUBLISH_AFTER_MS: '1000' });
  fx.bus.nats.connection.subscribe(fx.bus.nats.subject(runRequested.subject), {
    callback: (_e, msg) => {
      const { run_id, route } = decodeJson(msg.data) as { run_id: string; route?: unknown };
      requested.push({ runId: run_id, msgId: msg.headers?.get('Nats-Msg-Id'), route });
    },
  });
  template = await fx.bus.rpc.request(tasks.create, {
    caller: alice,
    task: {
      clearml_task_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      default_queue: 'default',
      allowed_queues: ['gpu'],
      name: 'train_mnist',
      params_schema: schema,
    },
  });
});
afterAll(async () => {
  await fx?.close();
});

const statusEvent = (run_id: string, status: 'retrying' | 'queued' | 'in_progress' | 'completed' | 'failed', extra = {}) =>
  fx.bus.publisher.publish(runStatusChanged, { run_id, status, at: new Date().toISOString(), source: 'enqueue-worker', ...extra });

/** Waits until the registry acknowledged every status event published so far. */
const statusEventsApplied = () =>
  waitFor(async () => {
    const durable = durableConsumerName(fx.bus.nats, 'registry-run-status');
    const info = await fx.bus.nats.manager.consumers.info(streamName(fx.bus.nats, 'events'), durable);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  });

describe('task templates', () => {
  it('registers a template with a public task id, defaults and owner', () => {
    expect(template).toMatchObject({
      default_queue: 'default',
      name: 'train_mnist',
      params_section: 'General',
      visibility: 'public',
      owner: 'alice',
    });
    expect(template.task_id).toMatch(/^[a-f0-9]{64}$/);
  });

  it('refuses a parameter schema that is not valid JSON Schema', async () => {
    const err = await rejects(
      fx.bus.rpc.request(tasks.create, {
        caller: alice,
        task: { clearml_task_id: 'x1', default_queue: 'q', params_schema: { type: 'nonsense' } },
      }),
    );
    expect(err.code).toBe('invalid_argument');
    expect(JSON.stringify(err.details)).toContain('params_schema');
  });

  it('lists, updates and deletes templates for their owner only', async () => {
    const t = await fx.bus.rpc.request(tasks.create, { caller: bob, task: { clearml_task_id: 'b0b', default_queue: 'gpu' } });
    expect((await fx.bus.rpc.request(tasks.list, { caller: bob, page })).items.map((i) => i.id)).toEqual([t.id]);
    expect((await rejects(fx.bus.rpc.request(tasks.get, { caller: alice, id: t.task_id }))).code).toBe('not_found');
    expect(
      await fx.bus.rpc.request(tasks.update, { caller: bob, id: t.task_id, patch: { default_queue: 'cpu', params_section: 'Args' } }),
    ).toMatchObject({
      default_queue: 'cpu',
      params_section: 'Args',
    });
    await fx.bus.rpc.request(tasks.delete, { caller: bob, id: t.id });
    expect((await rejects(fx.bus.rpc.request(tasks.get, { caller: admin, id: t.id }))).code).toBe('not_found');
  });
});

describe('runs', () => {
  it('accepts a run, stores it and publishes it to the enqueue work queue with the run id as message id', async () => {
    const run = await fx.bus.rpc.request(runCreate, {
      caller: bob,
      task_id: template.task_id,
      params: { lr: 0.1, epochs: 3 },
      route: 'v1',
    });
    expect(run).toMatchObject({
      status: 'accepted',
      queue: 'default',
      caller: 'bob',
      task_id: template.task_id,
      template_name: 'train_mnist',
      attempts: 0,
    });
    await waitFor(() => requested.find((r) => r.runId === run.run_id));
    expect(requested.find((r) => r.runId === run.run_id)).toMatchObject({ msgId: run.run_id, route: 'v1' });
    const override = await fx.bus.rpc.request(runCreate, {
      caller: bob,
      task_id: template.task_id,
      queue: 'gpu',
      params: { lr: 1 },
      route: 'compat',
    });
    expect(override.queue).toBe('gpu');
    // The route travels with the request, so the enqueue log can name it for the run's outcome.
    await waitFor(() => requested.find((r) => r.runId === override.run_id));
    expect(requested.find((r) => r.runId === override.run_id)!.route).toBe('compat');
  });

  it('refuses a queue the template does not list with 403, before anything is stored or published', async () => {
    const before = requested.length;
    const runsBefore = new Set((await fx.bus.rpc.request(runList, { caller: admin, page: { limit: 500 } })).items.map((r) => r.run_id));
    const refused = await rejects(
      fx.bus.rpc.request(runCreate, { caller: alice, task_id: template.task_id, queue: 'privileged-gpu', params: { lr: 1 }, route: 'v1' }),
    );
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toBe('queue "privileged-gpu" is not allowed for this task');
    expect(refused.details).toEqual({ reason: 'queue_not_allowed', allowed_queues: ['default', 'gpu'] });
    expect((await fx.bus.rpc.request(runList, { caller: admin, page: { limit: 500 } })).items).toHaveLength(runsBefore.size);
    const log = await fx.bus.rpc.request(enqueueLogList, { caller: alice, page, filter: { outcome: 'rejected' } });
    expect(log.items[0]).toMatchObject({
      queue: 'privileged-gpu',
      error: 'forbidden: queue "privileged-gpu" is not allowed for this task',
    });
    // Nothing new reached the enqueue work queue (a later accepted run is seen, so the subscription
    // is live; the sweeper republishes the runs already there meanwhile).
    const later = await fx.bus.rpc.request(runCreate, { caller: alice, task_id: template.task_id, params: { lr: 1 }, route: 'v1' });
    await waitFor(() => requested.find((r) => r.runId === later.run_id));
    expect([...new Set(requested.slice(before).map((r) => r.runId))].filter((id) => !runsBefore.has(id))).toEqual([later.run_id]);
  });

  it('answers 404 for an unknown task and 400 with the failing paths for bad params, and logs the refusals', async () => {
    const unknown = await rejects(fx.bus.rpc.request(runCreate, { caller: bob, task_id: 'c'.repeat(64), params: {}, route: 'compat' }));
    expect(unknown.code).toBe('not_found');
    const bad = await rejects(
      fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: { lr: -1, epochs: 'many', extra: 1 }, route: 'v1' }),
    );
    expect(bad.code).toBe('invalid_argument');
    const paths = (bad.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.params.lr', 'body.params.epochs']));
    const missing = await rejects(fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: {}, route: 'v1' }));
    expect((missing.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('body.params.lr');
    const log = await fx.bus.rpc.request(enqueueLogList, { caller: bob, page, filter: { outcome: 'rejected' } });
    expect(log.items.map((i) => i.error?.split(':')[0]).sort()).toEqual(['invalid_argument', 'invalid_argument', 'not_found']);
    const others = await rejects(fx.bus.rpc.request(enqueueLogList, { caller: bob, page, filter: { caller: 'alice' } }));
    expect(others.code).toBe('forbidden');
  });

  it('refuses a task that is not shared with the caller', async () => {
    const priv = await fx.bus.rpc.request(tasks.create, {
      caller: alice,
      task: { clearml_task_id: 'p1', default_queue: 'q', visibility: 'private' },
    });
    expect((await rejects(fx.bus.rpc.request(runCreate, { caller: bob, task_id: priv.task_id, params: {}, route: 'v1' }))).code).toBe(
      'forbidden',
    );
    const shared = await fx.bus.rpc.request(tasks.create, {
      caller: alice,
      task: { clearml_task_id: 'p2', default_queue: 'q', visibility: 'shared', shared_with: { users: ['bob'] } },
    });
    expect((await fx.bus.rpc.request(runCreate, { caller: bob, task_id: shared.task_id, params: {}, route: 'v1' })).status).toBe(
      'accepted',
    );
  });

  it('moves runs forward with status events, never backwards, and long-polls for the next change', async () => {
    const run = await fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: { lr: 0.5 }, route: 'v1' });
    const waiting = fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id, wait_ms: 5000 }, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await statusEvent(run.run_id, 'retrying', { attempts: 1, error: 'ClearML unreachable: ECONNREFUSED', error_code: 'unavailable' });
    const retrying = await waiting;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, error: 'ClearML unreachable: ECONNREFUSED' });

    await statusEvent(run.run_id, 'queued', { clearml_task_id: 'clone123', queue: 'default', attempts: 2 });
    await statusEvent(run.run_id, 'retrying', { attempts: 1, error: 'late event' });
    const queued = await fx.bus.rpc.request(
      runGet,
      { caller: bob, run_id: run.run_id, wait_ms: 3000, until_not: ['accepted', 'retrying'] },
      { timeoutMs: 10_000 },
    );
    expect(queued).toMatchObject({ status: 'queued', clearml_task_id: 'clone123', error: null, attempts: 2 });
    expect(queued.queued_at).not.toBeNull();
    // Status events are applied concurrently, so two final statuses published back to back would
    // race; a final status is final once applied, which is what the late 'failed' checks.
    await statusEvent(run.run_id, 'completed');
    const done = await waitFor(async () => {
      const r = await fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id });
      return r.status === 'completed' ? r : null;
    });
    await statusEvent(run.run_id, 'failed', { error: 'too late' });
    await statusEvent(run.run_id, 'in_progress');
    await statusEventsApplied();
    expect(await fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id })).toMatchObject({
      status: 'completed',
      error: null,
      finished_at: done.finished_at,
    });
  });

  it('keeps the time of a status that arrives after a later one, without moving the run back', async () => {
    const run = await fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: { lr: 0.1 }, route: 'v1' });
    const t0 = Date.now() - 10_000;
    await statusEvent(run.run_id, 'in_progress', { at: new Date(t0 + 4_000).toISOString() });
    await statusEventsApplied();
    await statusEvent(run.run_id, 'queued', { at: new Date(t0).toISOString(), clearml_task_id: 'late-queued' });
    await statusEventsApplied();
    const now = await fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id });
    expect(now).toMatchObject({
      status: 'in_progress',
      queued_at: new Date(t0).toISOString(),
      started_at: new Date(t0 + 4_000).toISOString(),
    });
  });

  it('brings back a run that failed before ClearML took it once ClearML accepts its replay', async () => {
    const run = await fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: { lr: 0.5 }, route: 'v1' });
    await statusEvent(run.run_id, 'failed', { error: 'gave up after 50 attempts', error_code: 'upstream_error' });
    await waitFor(async () => (await fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id })).status === 'failed');
    await statusEvent(run.run_id, 'retrying', { attempts: 1 });
    await statusEvent(run.run_id, 'queued', { clearml_task_id: 'clone-replayed' });
    const queued = await waitFor(async () => {
      const r = await fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id });
      return r.status === 'queued' ? r : null;
    });
    expect(queued).toMatchObject({ clearml_task_id: 'clone-replayed', error: null, finished_at: null });
  });

  it('returns the run unchanged when the long-poll times out', async () => {
    const run = await fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: { lr: 0.5 }, route: 'v1' });
    const started = Date.now();
    const same = await fx.bus.rpc.request(runGet, { caller: bob, run_id: run.run_id, wait_ms: 600 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(same.status).toBe('accepted');
  });

  it('shows each caller their own runs, administrators everyone’s, and hides others’ runs', async () => {
    const mine = await fx.bus.rpc.request(runList, { caller: bob, page });
    expect(mine.items.length).toBeGreaterThan(0);
    expect(new Set(mine.items.map((r) => r.caller))).toEqual(new Set(['bob']));
    const any = mine.items[0]!;
    expect((await rejects(fx.bus.rpc.request(runGet, { caller: alice, run_id: any.run_id }))).code).toBe('not_found');
    expect((await fx.bus.rpc.request(runGet, { caller: admin, run_id: any.run_id })).run_id).toBe(any.run_id);
    expect((await fx.bus.rpc.request(runList, { caller: admin, page, filter: { caller: 'bob' } })).items.length).toBe(mine.items.length);
    expect((await fx.bus.rpc.request(runList, { caller: bob, page, filter: { caller: 'bob' } })).items.length).toBe(mine.items.length);
    // Another caller's runs are an administrator's to list; asking is refused, not answered with one's own.
    expect((await rejects(fx.bus.rpc.request(runList, { caller: bob, page, filter: { caller: 'alice' } }))).code).toBe('forbidden');
  });

  it('republishes runs still waiting for the worker (the stream drops the duplicates)', async () => {
    const run = await fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: { lr: 2 }, route: 'v1' });
    await waitFor(() => requested.filter((r) => r.runId === run.run_id).length >= 2, { timeoutMs: 5000 });
    const stream = await fx.bus.nats.manager.streams.info(fx.bus.nats.name('ENQUEUE'));
    const all = await fx.bus.rpc.request(runList, { caller: admin, page: { limit: 500 } });
    expect(stream.state.messages).toBe(all.items.length);
  });

  it('stores the enqueue call-log records the worker publishes and counts them in the stats', async () => {
    const record = {
      id: randomUUID(),
      at: new Date().toISOString(),
      correlation_id: 'c1',
      caller: 'bob',
      task_id: template.task_id,
      template_name: 'train_mnist',
      run_id: randomUUID(),
      clearml_task_id: 'clone1',
      queue: 'default',
      route: 'v1' as const,
      outcome: 'queued' as const,
      duration_ms: 42,
      attempts: 1,
      error: null,
    };
    await fx.bus.publisher.publish(enqueueCallRecorded, record);
    await waitFor(
      async () => (await fx.bus.rpc.request(enqueueLogList, { caller: bob, page, filter: { run_id: record.run_id } })).items.length === 1,
    );
    const stats = await fx.bus.rpc.request(statsGet, { caller: admin, hours: 1 });
    expect(stats.counts.tasks).toBeGreaterThan(0);
    expect(stats.series.enqueue[0]!.calls).toBeGreaterThanOrEqual(4);
    expect(stats.series.enqueue[0]!.errors).toBeGreaterThanOrEqual(3);
  });
});
