import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  emptyOndemandCallColumns,
  appendOndemandCall,
  latencyBucketOf,
  quantileFromBuckets,
  USAGE_LATENCY_BUCKET_COUNT,
  OndemandCallRecord,
  ondemandCallsRecorded,
  runCreate,
  runStatusChanged,
  statsGet,
  tasks,
  usageFromColumns,
  usageGet,
  Usage,
  usageCsv,
} from '@cleargate/contracts';
import { durableConsumerName, streamName } from '@cleargate/messaging';
import { waitFor } from '@cleargate/testing';
import { CallLogPartitions } from './calllogs/partitions';
import { seedHistory, SeedResult } from './database/seed-history';
import { p95Sql } from './usage/usage.repository';
import { admin, alice, bob, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

// Usage figures come from rollups the database keeps as records arrive; here they are checked
// against sums over the raw rows of a generated history (≥ 100k calls, ≥ 1k runs over 45 days),
// plus records written through the real CALLLOGS path across a UTC midnight, a batch delivered
// twice, and runs moving through their statuses.
const DAY = 86_400_000;
let fx: RegistryFixture;
let pg: Client;
let seeded: SeedResult;
const end = new Date();

beforeAll(async () => {
  fx = await startRegistryFixture({ LOG_RETENTION_DAYS: '90' });
  pg = new Client({ connectionString: fx.db.url });
  await pg.connect();
  seeded = await seedHistory(pg, { calls: 100_000, runs: 1_200, enqueue: 1_300, days: 45, end, users: 40, endpoints: 12, seed: 7 });
}, 120_000);
afterAll(async () => {
  await pg?.end();
  await fx?.close();
});

/** The registry's answer (columns on the bus), as rows. */
const usage = async (
  query: Partial<{ from: string; to: string; bucket: 'day' | 'month'; group_by: string; user: string }>,
  caller = admin,
) =>
  usageFromColumns(
    await fx.bus.rpc.request(usageGet, {
      caller,
      from: query.from ?? seeded.first,
      to: query.to ?? new Date(Date.now() + DAY).toISOString(),
      bucket: query.bucket ?? 'day',
      group_by: (query.group_by ?? 'none') as 'none',
      ...(query.user ? { user: query.user } : {}),
    }),
  );

/** Raw sums of ondemand_calls by UTC day (or month) and the given columns (one caller's with `caller`). */
async function rawCalls(bucket: 'day' | 'month', dims: string[], caller?: string) {
  const { rows } = await pg.query(
    `SELECT to_char(date_trunc('${bucket}', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS bucket${dims.map((d) => `, ${d}`).join('')},
            count(*)::int AS calls, (count(*) FILTER (WHERE outcome <> 'ok'))::int AS errors, sum(duration_ms) AS duration,
            sum(request_bytes)::bigint AS request_bytes, sum(response_bytes)::bigint AS response_bytes
       FROM ondemand_calls ${caller ? 'WHERE caller = $1' : ''}
      GROUP BY 1${dims.map((_, i) => `, ${i + 2}`).join('')} ORDER BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}`,
    caller ? [caller] : [],
  );
  return rows as Record<string, string | number>[];
}

function expectCallsMatch(got: Usage['ondemand'], raw: Record<string, string | number>[], key: (r: Record<string, unknown>) => string) {
  expect(got).not.toBeNull();
  const byKey = new Map(got!.map((r) => [`${r.bucket.slice(0, 10)}|${key(r)}`, r]));
  expect(byKey.size).toBe(raw.length);
  for (const r of raw) {
    const row = byKey.get(`${r.bucket}|${key(r)}`);
    expect(row).toBeDefined();
    expect(row!.calls).toBe(Number(r.calls));
    expect(row!.errors).toBe(Number(r.errors));
    expect(row!.request_bytes).toBe(Number(r.request_bytes));
    expect(row!.response_bytes).toBe(Number(r.response_bytes));
    expect(row!.duration_ms_total).toBeCloseTo(Number(r.duration), 3);
  }
}

describe('usage of on-demand calls', () => {
  it('equals the sums over the raw records, by day and by month, in total, per user and per endpoint', async () => {
    expect(seeded.calls).toBeGreaterThanOrEqual(100_000);
    const total = await usage({});
    expectCallsMatch(total.ondemand, await rawCalls('day', []), () => '');
    expect(total.ondemand!.length).toBeGreaterThanOrEqual(45);
    expect(total.ondemand!.reduce((n, r) => n + r.calls, 0)).toBe(100_000);

    expectCallsMatch((await usage({ group_by: 'user' })).ondemand, await rawCalls('day', ['caller']), (r) => String(r.user ?? r.caller));
    expectCallsMatch(
      (await usage({ group_by: 'endpoint', bucket: 'month' })).ondemand,
      await rawCalls('month', ['machine_id', 'endpoint']),
      (r) => `${String(r.machine_id)}/${String(r.endpoint)}`,
    );
    // one caller's, by endpoint and in total (the other rollups' grains)
    const who = seeded.users[1]!;
    expectCallsMatch(
      (await usage({ group_by: 'endpoint', user: who })).ondemand,
      await rawCalls('day', ['machine_id', 'endpoint'], who),
      (r) => `${String(r.machine_id)}/${String(r.endpoint)}`,
    );
    expectCallsMatch((await usage({ user: who, bucket: 'month' })).ondemand, await rawCalls('month', [], who), () => '');
    // endpoint grouping does not apply to runs, task grouping not to calls
    expect((await usage({ group_by: 'endpoint' })).runs).toBeNull();
    expect((await usage({ group_by: 'task' })).ondemand).toBeNull();
  });

  it('estimates the p95 within the duration bucket that holds the true p95', async () => {
    const { rows } = await pg.query(
      `SELECT to_char(date_trunc('day', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS bucket, machine_id, endpoint,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95, count(*) AS n
         FROM ondemand_calls GROUP BY 1, 2, 3 HAVING count(*) >= 200`,
    );
    expect(rows.length).toBeGreaterThan(50);
    const got = new Map(
      (await usage({ group_by: 'endpoint' })).ondemand!.map((r) => [`${r.bucket.slice(0, 10)}|${r.machine_id}|${r.endpoint}`, r]),
    );
    for (const r of rows as { bucket: string; machine_id: string; endpoint: string; p95: number }[]) {
      const { lower, upper } = latencyBucketOf(r.p95);
      const estimate = got.get(`${r.bucket}|${r.machine_id}|${r.endpoint}`)!.duration_ms_p95!;
      expect(estimate).toBeGreaterThanOrEqual(lower);
      expect(estimate).toBeLessThanOrEqual(Number.isFinite(upper) ? upper : lower);
    }
  });

  it('computes the p95 in PostgreSQL exactly as quantileFromBuckets does', async () => {
    // Bucket counts of every shape: empty, one bucket, the overflow only, sparse and dense.
    let state = 42;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vectors: number[][] = [
      Array(USAGE_LATENCY_BUCKET_COUNT).fill(0),
      [1, ...Array(USAGE_LATENCY_BUCKET_COUNT - 1).fill(0)],
      [...Array(USAGE_LATENCY_BUCKET_COUNT - 1).fill(0), 7],
      [...Array(USAGE_LATENCY_BUCKET_COUNT - 2).fill(0), 19, 1],
    ];
    for (let i = 0; i < 300; i++)
      vectors.push(Array.from({ length: USAGE_LATENCY_BUCKET_COUNT }, () => (random() < 0.4 ? 0 : Math.floor(random() ** 3 * 100_000))));
    const values = vectors.map((v, i) => `(${i}, ${v.map((c) => `${c}::float8`).join(', ')})`).join(',\n');
    const cols = vectors[0]!.map((_, i) => `l${i}`).join(', ');
    const { rows } = await pg.query(`SELECT i, ${p95Sql()} AS p95 FROM (VALUES ${values}) AS v(i, ${cols}) ORDER BY i`);
    expect(rows).toHaveLength(vectors.length);
    for (const r of rows as { i: number; p95: number | null }[]) {
      const expected = quantileFromBuckets(vectors[r.i]!, 0.95);
      if (expected === null) expect(r.p95).toBeNull();
      else expect(r.p95).toBeCloseTo(expected, 9);
    }
  });

  it('counts records that arrive through the call-log stream on their own UTC day, once even when a batch is delivered twice', async () => {
    const midnight = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    const record = (at: number, caller: string, duration: number): OndemandCallRecord => ({
      id: randomUUID(),
      at: new Date(at).toISOString(),
      correlation_id: randomUUID(),
      caller,
      machine_id: seeded.machines[0]!.public_id,
      machine_name: seeded.machines[0]!.name,
      endpoint: 'midnight',
      route: 'v1',
      status_code: 200,
      outcome: 'ok',
      duration_ms: duration,
      upstream_ms: duration - 1,
      request_bytes: 100,
      response_bytes: 10,
      error: null,
      response_excerpt: null,
      prompt_tokens: null,
      completion_tokens: null,
    });
    const columns = emptyOndemandCallColumns();
    for (const r of [record(midnight - 1, 'night-owl', 40), record(midnight - 1, 'night-owl', 60), record(midnight, 'night-owl', 700)])
      appendOndemandCall(columns, r);
    const batch = { batch_id: randomUUID(), columns };
    await fx.bus.publisher.publish(ondemandCallsRecorded, batch);
    // the same batch again (a redelivery after a lost acknowledgement): the ids are known, nothing is added
    await fx.bus.publisher.publish(ondemandCallsRecorded, { ...batch, batch_id: randomUUID() });
    await waitFor(async () => {
      const info = await fx.bus.nats.manager.consumers.info(
        streamName(fx.bus.nats, 'calllogs'),
        durableConsumerName(fx.bus.nats, 'registry-ondemand-calllog'),
      );
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const rows = (await usage({ user: 'night-owl', group_by: 'user' })).ondemand!;
    expect(rows.map((r) => [r.bucket.slice(0, 10), r.calls, r.duration_ms_total])).toEqual([
      [day(midnight - 1), 2, 100],
      [day(midnight), 1, 700],
    ]);
    const { rows: raw } = await pg.query(`SELECT count(*)::int AS n FROM ondemand_calls WHERE caller = 'night-owl'`);
    expect(raw[0].n).toBe(3);
  });

  it('shows everyone else their own usage only', async () => {
    const own = await usage({ group_by: 'user' }, { ...alice, username: seeded.users[0]! });
    expect(new Set(own.ondemand!.map((r) => r.user))).toEqual(new Set([seeded.users[0]]));
    expect((await rejects(usage({ user: seeded.users[1]! }, { ...alice, username: seeded.users[0]! }))).code).toBe('forbidden');
  });

  it('refuses a range of more than 400 days or one that ends before it starts', async () => {
    expect((await rejects(usage({ from: '2020-01-01T00:00:00Z', to: '2022-01-01T00:00:00Z' }))).code).toBe('invalid_argument');
    expect((await rejects(usage({ from: '2022-01-02T00:00:00Z', to: '2022-01-01T00:00:00Z' }))).code).toBe('invalid_argument');
  });

  it('exports CSV with one line per row', async () => {
    const u = await usage({ group_by: 'user', bucket: 'month' });
    const lines = usageCsv(u).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^kind,bucket,user,machine_id,endpoint,task_id,queue,calls,errors,/);
    expect(lines).toHaveLength(1 + u.ondemand!.length + u.runs!.length);
    expect(lines.filter((l) => l.startsWith('ondemand,')).reduce((n, l) => n + Number(l.split(',')[7]), 0)).toBe(
      u.ondemand!.reduce((n, r) => n + r.calls, 0),
    );
  });
});

describe('usage of runs', () => {
  async function rawRuns(dim: string | null) {
    const { rows } = await pg.query(
      `SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS bucket${dim ? `, ${dim} AS k` : ''}, count(*)::int AS runs,
              (count(*) FILTER (WHERE status = 'completed'))::int AS completed, (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
              (count(*) FILTER (WHERE status = 'stopped'))::int AS stopped,
              COALESCE(sum(extract(epoch FROM started_at - queued_at)) FILTER (WHERE started_at IS NOT NULL AND queued_at IS NOT NULL), 0) AS wait,
              COALESCE(sum(extract(epoch FROM finished_at - started_at)) FILTER (WHERE finished_at IS NOT NULL AND started_at IS NOT NULL), 0) AS run,
              COALESCE(sum(gpu_seconds), 0) AS gpu
         FROM runs GROUP BY 1${dim ? ', 2' : ''}`,
    );
    return rows as Record<string, string | number>[];
  }

  function expectRunsMatch(got: Usage['runs'], raw: Record<string, string | number>[], key: (r: Record<string, unknown>) => string) {
    const byKey = new Map(got!.map((r) => [`${r.bucket.slice(0, 10)}|${key(r)}`, r]));
    expect(byKey.size).toBe(raw.length);
    for (const r of raw) {
      const row = byKey.get(`${r.bucket}|${String(r.k ?? '').trim()}`)!;
      expect(row).toBeDefined();
      expect([row.runs, row.completed, row.failed, row.stopped]).toEqual([r.runs, r.completed, r.failed, r.stopped]);
      expect(row.wait_seconds).toBeCloseTo(Number(r.wait), 2);
      expect(row.run_seconds).toBeCloseTo(Number(r.run), 2);
      expect(row.gpu_seconds).toBeCloseTo(Number(r.gpu), 2);
    }
  }

  it('equals the sums over the raw runs per day of request, in total and by user, task and queue', async () => {
    expect(seeded.runs).toBeGreaterThanOrEqual(1_000);
    expectRunsMatch((await usage({})).runs, await rawRuns(null), () => '');
    expectRunsMatch((await usage({ group_by: 'user' })).runs, await rawRuns('caller'), (r) => String(r.user));
    expectRunsMatch((await usage({ group_by: 'task' })).runs, await rawRuns('task_public_id'), (r) => String(r.task_id));
    expectRunsMatch((await usage({ group_by: 'queue' })).runs, await rawRuns('queue'), (r) => String(r.queue));
  });

  it('follows a run through its statuses: counted when requested, its wait, running and GPU time once finished', async () => {
    const template = await fx.bus.rpc.request(tasks.create, {
      caller: alice,
      task: { clearml_task_id: 'f'.repeat(32), default_queue: 'default' },
    });
    const run = await fx.bus.rpc.request(runCreate, { caller: bob, task_id: template.task_id, params: {}, route: 'v1' });
    const today = { from: new Date(Math.floor(Date.now() / DAY) * DAY).toISOString(), user: 'bob', group_by: 'task' };
    const mine = async () => (await usage(today)).runs!.find((r) => r.task_id === template.task_id);
    expect(await mine()).toMatchObject({ runs: 1, completed: 0, run_seconds: 0 });
    const t0 = Date.now();
    const event = (status: 'queued' | 'in_progress' | 'completed', at: number, extra = {}) =>
      fx.bus.publisher.publish(runStatusChanged, {
        run_id: run.run_id,
        status,
        at: new Date(at).toISOString(),
        source: 'monitor',
        ...extra,
      });
    await event('queued', t0);
    await event('in_progress', t0 + 4_000, { worker: 'agent-gpu-1' });
    await event('completed', t0 + 64_000, { worker: 'agent-gpu-1', gpu_seconds: 120 });
    await waitFor(async () => (await mine())?.completed === 1);
    expect(await mine()).toMatchObject({ runs: 1, completed: 1, failed: 0, wait_seconds: 4, run_seconds: 60, gpu_seconds: 120 });
    const { rows } = await pg.query(`SELECT worker, gpu_seconds FROM runs WHERE id = $1`, [run.run_id]);
    expect(rows[0]).toEqual({ worker: 'agent-gpu-1', gpu_seconds: 120 });
  });
});

describe('request series', () => {
  it('equals the raw counts per hour', async () => {
    const hours = 24 * 3;
    const stats = await fx.bus.rpc.request(statsGet, { caller: admin, hours });
    const { rows } = await pg.query(
      `SELECT date_trunc('hour', at, 'UTC') AS hour, count(*)::int AS calls, (count(*) FILTER (WHERE outcome <> 'ok'))::int AS errors
         FROM ondemand_calls WHERE at >= date_trunc('hour', now(), 'UTC') - make_interval(hours => $1 - 1) GROUP BY 1`,
      [hours],
    );
    const raw = new Map(rows.map((r: { hour: Date; calls: number; errors: number }) => [new Date(r.hour).toISOString(), r]));
    expect(stats.series.ondemand).toHaveLength(hours);
    for (const point of stats.series.ondemand) {
      expect([point.calls, point.errors]).toEqual([raw.get(point.at)?.calls ?? 0, raw.get(point.at)?.errors ?? 0]);
    }
    expect(stats.series.ondemand.reduce((n, p) => n + p.calls, 0)).toBeGreaterThan(0);
  });
});

describe('retention', () => {
  it('drops whole days past LOG_RETENTION_DAYS while records keep being written, and keeps the usage of those days', async () => {
    const before = (await usage({})).ondemand!.reduce((n, r) => n + r.calls, 0);
    const partitions = fx.registry.app.get(CallLogPartitions);
    const count = async () =>
      Number((await pg.query(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'ondemand_calls'::regclass`)).rows[0].n);
    const partitionsBefore = await count();
    const writes = (async () => {
      for (let i = 0; i < 20; i++) {
        await pg.query(
          `INSERT INTO ondemand_calls (id, at, correlation_id, caller, machine_id, endpoint, route, status_code, outcome, duration_ms, request_bytes, response_bytes)
           VALUES ($1, now(), 'c', 'writer', 'm', 'e', 'v1', 200, 'ok', 1, 1, 1)`,
          [randomUUID()],
        );
      }
    })();
    // 90 days are kept: as if 60 days had passed, the days before 30 days ago go.
    await Promise.all([partitions.maintain(Date.now() + 60 * DAY), writes]);
    const oldest = new Date(Math.floor(Date.now() / DAY) * DAY - 30 * DAY).toISOString();
    const { rows } = await pg.query(`SELECT count(*)::int AS n, min(at) AS first FROM ondemand_calls`);
    expect(new Date(rows[0].first).getTime()).toBeGreaterThanOrEqual(Date.parse(oldest));
    expect(await count()).toBeLessThan(partitionsBefore);
    expect((await pg.query(`SELECT count(*)::int AS n FROM ondemand_calls WHERE caller = 'writer'`)).rows[0].n).toBe(20);
    // The rollups outlive the raw days (USAGE_RETENTION_DAYS).
    expect((await usage({})).ondemand!.reduce((n, r) => n + r.calls, 0)).toBe(before + 20);
  });
});
