import { randomUUID } from 'node:crypto';
import {
  appendOndemandCall,
  emptyOndemandCallColumns,
  enqueueCallRecorded,
  endpoints,
  ListSort,
  machines,
  machineHealthGet,
  OndemandCallRecord,
  ondemandCallsRecorded,
  ondemandLogList,
  runCreate,
  statsGet,
  tasks,
} from '@cleargate/contracts';
import { waitFor } from '@cleargate/testing';
import { admin, alice, bob, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

/** What the admin console reads besides plain CRUD: list orders, dashboard statistics, machine health. */
let fx: RegistryFixture;

beforeAll(async () => {
  fx = await startRegistryFixture();
});
afterAll(async () => {
  await fx?.close();
});

const MINUTE = 60_000;

function call(machineId: string, minutesAgo: number, extra: Partial<OndemandCallRecord> = {}): OndemandCallRecord {
  return {
    id: randomUUID(),
    at: new Date(Date.now() - minutesAgo * MINUTE).toISOString(),
    correlation_id: randomUUID(),
    caller: 'alice',
    machine_id: machineId,
    machine_name: 'gpu',
    endpoint: 'mnist',
    route: 'v1',
    status_code: 200,
    outcome: 'ok',
    duration_ms: 10,
    upstream_ms: 8,
    request_bytes: 10,
    response_bytes: 12,
    error: null,
    response_excerpt: null,
    prompt_tokens: null,
    completion_tokens: null,
    ...extra,
  };
}

async function store(records: OndemandCallRecord[]): Promise<void> {
  const columns = emptyOndemandCallColumns();
  for (const r of records) appendOndemandCall(columns, r);
  await fx.bus.publisher.publish(ondemandCallsRecorded, { batch_id: randomUUID(), columns });
  const last = records[records.length - 1]!;
  await waitFor(
    async () =>
      (
        await fx.bus.rpc.request(ondemandLogList, { caller: admin, page: { limit: 500 }, filter: { machine_id: last.machine_id } })
      ).items.some((i) => i.id === last.id),
    { timeoutMs: 5000 },
  );
}

describe('list orders', () => {
  async function walk(list: (cursor: string | undefined) => Promise<{ items: { name: string | null }[]; next_cursor: string | null }>) {
    const names: (string | null)[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(cursor);
      names.push(...page.items.map((i) => i.name));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return names;
  }

  it('sorts machines by name or creation, both ways, and pages each order without repeating or skipping', async () => {
    for (const name of ['sort-c', 'sort-a', 'sort-d', 'sort-b', 'sort-e']) {
      await fx.bus.rpc.request(machines.create, { caller: bob, machine: { name, base_url: `http://${name}:1`, protocol: 'kserve-v2' } });
    }
    const names = (sort: ListSort) =>
      walk(
        async (cursor) =>
          await fx.bus.rpc.request(machines.list, {
            caller: bob,
            page: { limit: 2, ...(cursor ? { cursor } : {}) },
            filter: { name: 'sort-', sort },
          }),
      );
    expect(await names('name')).toEqual(['sort-a', 'sort-b', 'sort-c', 'sort-d', 'sort-e']);
    expect(await names('-name')).toEqual(['sort-e', 'sort-d', 'sort-c', 'sort-b', 'sort-a']);
    expect(await names('created_at')).toEqual(['sort-c', 'sort-a', 'sort-d', 'sort-b', 'sort-e']);
    expect(await names('-created_at')).toEqual(['sort-e', 'sort-b', 'sort-d', 'sort-a', 'sort-c']);
    // A cursor belongs to its order: handed to another order it is refused rather than misread.
    const first = await fx.bus.rpc.request(machines.list, { caller: bob, page: { limit: 2 }, filter: { name: 'sort-', sort: 'name' } });
    const mixed = rejects(
      fx.bus.rpc.request(machines.list, {
        caller: bob,
        page: { limit: 2, cursor: first.next_cursor! },
        filter: { name: 'sort-', sort: '-name' },
      }),
    );
    expect((await mixed).code).toBe('invalid_argument');
  });

  it('sorts endpoints and tasks by name too (a task without a name first)', async () => {
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'ep-sort', base_url: 'http://ep-sort:1', protocol: 'clearml-serving' },
    });
    for (const name of ['zeta', 'alpha', 'mid']) {
      await fx.bus.rpc.request(endpoints.create, { caller: alice, endpoint: { machine_id: machine.machine_id, name } });
    }
    const endpointNames = await walk(
      async (cursor) =>
        await fx.bus.rpc.request(endpoints.list, {
          caller: alice,
          page: { limit: 2, ...(cursor ? { cursor } : {}) },
          filter: { machine_id: machine.id, sort: 'name' },
        }),
    );
    expect(endpointNames).toEqual(['alpha', 'mid', 'zeta']);
    for (const name of ['beta', null, 'alpha']) {
      await fx.bus.rpc.request(tasks.create, {
        caller: alice,
        task: { clearml_task_id: randomUUID().slice(0, 8), default_queue: 'q', name },
      });
    }
    const taskNames = await walk(
      async (cursor) =>
        await fx.bus.rpc.request(tasks.list, {
          caller: alice,
          page: { limit: 1, ...(cursor ? { cursor } : {}) },
          filter: { sort: 'name' },
        }),
    );
    expect(taskNames).toEqual([null, 'alpha', 'beta']);
  });
});

describe('dashboard statistics', () => {
  it('counts, series with the p95 of durations, totals and the busiest endpoints and tasks over a range', async () => {
    const m1 = 'd1'.repeat(32);
    const m2 = 'd2'.repeat(32);
    await store([
      ...Array.from({ length: 19 }, (_, i) => call(m1, 2, { duration_ms: i + 1 })),
      call(m1, 2, { duration_ms: 100, outcome: 'timeout', status_code: 504, error: 'no answer' }),
      call(m2, 3, { endpoint: 'resnet', machine_name: 'gpu-2' }),
      call(m1, 120), // outside the last hour, inside the last day
    ]);
    const task = await fx.bus.rpc.request(tasks.create, {
      caller: alice,
      task: { clearml_task_id: 'stats-task', default_queue: 'q', name: 'forecast' },
    });
    await fx.bus.rpc.request(runCreate, { caller: alice, task_id: task.task_id, params: {}, route: 'v1' });
    for (const outcome of ['queued', 'rejected'] as const) {
      await fx.bus.publisher.publish(enqueueCallRecorded, {
        id: randomUUID(),
        at: new Date().toISOString(),
        correlation_id: 'c',
        caller: 'alice',
        task_id: task.task_id,
        template_name: 'forecast',
        run_id: null,
        clearml_task_id: null,
        queue: 'q',
        route: 'v1',
        outcome,
        duration_ms: outcome === 'queued' ? 40 : 2,
        attempts: 1,
        error: outcome === 'queued' ? null : 'params do not match the schema',
      });
    }

    const hour = await waitFor(async () => {
      const stats = await fx.bus.rpc.request(statsGet, { caller: admin, range: '1h' });
      // The figures are read in parallel: wait until every one of them has the last records.
      return stats.totals.enqueue.calls === 2 && stats.busiest.tasks[0]?.calls === 2 && stats.totals.ondemand.calls === 21 ? stats : null;
    });
    expect(hour.bucket_seconds).toBe(60);
    expect(hour.series.ondemand).toHaveLength(60);
    expect(hour.totals.ondemand).toEqual({ calls: 21, errors: 1, p95_ms: expect.any(Number) });
    // 1..19 ms and 100 ms on m1, 10 ms on m2: of the 21 durations in order, the 95th percentile is the 20th, 19 ms.
    expect(hour.totals.ondemand.p95_ms).toBe(19);
    // m1's own 20 durations: between its 19th and 20th, 19 + 0.05 × (100 − 19) = 23.05 ms, kept to a tenth.
    expect(hour.busiest.endpoints[0]!.p95_ms).toBe(23.1);
    const busy = hour.series.ondemand.filter((p) => p.calls > 0);
    expect(busy.reduce((n, p) => n + p.calls, 0)).toBe(21);
    expect(busy.reduce((n, p) => n + p.errors, 0)).toBe(1);
    expect(hour.series.ondemand.filter((p) => p.calls === 0).every((p) => p.p95_ms === null)).toBe(true);
    expect(hour.busiest.endpoints[0]).toMatchObject({ machine_id: m1, endpoint: 'mnist', calls: 20, errors: 1 });
    expect(hour.busiest.endpoints[1]).toMatchObject({ machine_id: m2, machine_name: 'gpu-2', endpoint: 'resnet', calls: 1, errors: 0 });
    expect(hour.busiest.tasks).toEqual([
      { task_id: task.task_id, template_name: 'forecast', calls: 2, errors: 1, p95_ms: expect.any(Number) },
    ]);
    expect(hour.counts.runs).toMatchObject({ accepted: 1, completed: 0, failed: 0 });
    expect(Object.keys(hour.counts.runs).sort()).toEqual(
      ['accepted', 'completed', 'failed', 'in_progress', 'queued', 'retrying', 'stopped'].sort(),
    );
    // Buckets follow each other at the range's width, oldest first, the last holding now.
    const starts = hour.series.ondemand.map((p) => Date.parse(p.at));
    expect(starts.slice(1).every((t, i) => t - starts[i]! === MINUTE)).toBe(true);
    expect(Date.now() - starts[starts.length - 1]!).toBeLessThan(MINUTE);

    const day = await fx.bus.rpc.request(statsGet, { caller: admin, range: '24h' });
    expect(day.bucket_seconds).toBe(3600);
    expect(day.series.ondemand).toHaveLength(24);
    expect(day.totals.ondemand.calls).toBe(22);
    const month = await fx.bus.rpc.request(statsGet, { caller: admin, range: '30d' });
    expect(month.series.ondemand).toHaveLength(30);
    expect((await fx.bus.rpc.request(statsGet, { caller: admin, range: '7d' })).series.enqueue).toHaveLength(28);
  });
});

describe('machine health', () => {
  it('gives the recent error rate and the last failed call of the caller’s machines only', async () => {
    const own = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'health-own', base_url: 'http://h1:1', protocol: 'clearml-serving' },
    });
    const quiet = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'health-quiet', base_url: 'http://h2:1', protocol: 'clearml-serving' },
    });
    const other = await fx.bus.rpc.request(machines.create, {
      caller: bob,
      machine: { name: 'health-other', base_url: 'http://h3:1', protocol: 'clearml-serving' },
    });
    await store([
      call(own.machine_id, 60, { outcome: 'unavailable', status_code: 503, error: 'connection refused (old)' }),
      call(own.machine_id, 5, { outcome: 'upstream_error', status_code: 502, error: 'model answered 500', endpoint: 'resnet' }),
      call(own.machine_id, 4),
      call(own.machine_id, 3),
      call(own.machine_id, 2),
      call(other.machine_id, 1, { outcome: 'timeout', status_code: 504 }),
    ]);
    const { items } = await fx.bus.rpc.request(machineHealthGet, {
      caller: alice,
      machine_ids: [own.id, quiet.machine_id, other.machine_id],
      window_minutes: 15,
    });
    expect(items.map((i) => i.machine_id).sort()).toEqual([own.machine_id, quiet.machine_id].sort());
    const health = items.find((i) => i.machine_id === own.machine_id)!;
    expect(health).toMatchObject({ window_minutes: 15, calls: 4, errors: 1, error_rate: 0.25 });
    expect(health.last_error).toMatchObject({
      endpoint: 'resnet',
      outcome: 'upstream_error',
      status_code: 502,
      error: 'model answered 500',
    });
    expect(items.find((i) => i.machine_id === quiet.machine_id)).toMatchObject({ calls: 0, errors: 0, error_rate: null, last_error: null });
    const asAdmin = await fx.bus.rpc.request(machineHealthGet, { caller: admin, machine_ids: [other.id] });
    expect(asAdmin.items[0]).toMatchObject({ machine_id: other.machine_id, calls: 1, errors: 1, error_rate: 1 });
  });
});
