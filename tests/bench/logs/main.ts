/**
 * Logs and rollups at scale, every process on this machine:
 * 1. seed: the registry's seed-history command writes CALLS on-demand calls, RUNS runs and ENQUEUE
 *    enqueue-log rows over DAYS days with COPY (the rollup triggers count them as they go);
 * 2. queries through the gateway, each ITERATIONS times: /v1/stats for 30 days hourly and
 *    /v1/usage (30 days by day, every grouping; 12 months by month) against a p95 of 100 ms, the
 *    first page of /v1/logs/ondemand under each filter and a page 10,000 rows deep (cursor)
 *    against 50 ms; beside them the same figures computed from the raw rows (what the rollups save);
 * 3. retention: a day deleted row by row (the old way) against days dropped whole by the
 *    registry's retention (DETACH … CONCURRENTLY, DROP), while a writer keeps inserting;
 * 4. ingest: call-log batches published to CALLLOGS at INGEST_RATE records/s (3× the on-demand
 *    benchmark's peak) for INGEST_SECONDS, and how fast the registry writes them.
 *
 *   npm run bench:logs        (CALLS=20000000 ENQUEUE=1000000 RUNS=200000 DAYS=60 by default)
 *
 * Prints a table, and the figures as one JSON line (`{"bench":"logs",…}`), also written to
 * tmp/bench-logs.json.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { appendOndemandCall, emptyOndemandCallColumns, OndemandCallRecord, ondemandCallsRecorded } from '@cleargate/contracts';
import { startOidcPeer } from '@cleargate/peers';
import {
  connectTestBus,
  createTestDatabase,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  gatewayProcess,
  registryProcess,
  ROOT,
  ServiceProcess,
} from '@cleargate/testing';
import { knob } from '../support';

const CALLS = knob('CALLS', 20_000_000);
const ENQUEUE = knob('ENQUEUE', 1_000_000);
const RUNS = knob('RUNS', 200_000);
const DAYS = knob('DAYS', 60);
const ITERATIONS = knob('ITERATIONS', 40);
/** 3 × the on-demand benchmark's peak (up to 10.2k calls/s through the gateway on 2026-12-07, tests/bench/README.md). */
const INGEST_RATE = knob('INGEST_RATE', 30_600);
const INGEST_SECONDS = knob('INGEST_SECONDS', 20);
const DAY = 86_400_000;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const ms = (v: number) => Math.round(v * 10) / 10;

async function timed(iterations: number, once: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < Math.min(3, iterations); i++) await once(); // warm caches and plans
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return { p50: ms(percentile(times, 50)), p95: ms(percentile(times, 95)) };
}

function run(command: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command.join(' ')} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const oidc = await startOidcPeer();
  const db = await createTestDatabase('cg_bench_logs');
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const registryEnv = { LOG_RETENTION_DAYS: String(DAYS + 2), CALLLOG_BATCH_MAX: '200' };
  let registry: ServiceProcess = await registryProcess(common, db.url, registryEnv);
  const gateway = await gatewayProcess({ ...common, LOG_LEVEL: 'warn' }, oidc.issuer);
  const pg = new Client({ connectionString: db.url });
  const figures: Record<string, unknown> = {
    date: new Date().toISOString().slice(0, 10),
    calls: CALLS,
    enqueue: ENQUEUE,
    runs: RUNS,
    days: DAYS,
  };
  try {
    await registry.start();
    await gateway.start();
    await pg.connect();

    console.log(`1. seed: ${CALLS} calls, ${RUNS} runs, ${ENQUEUE} enqueue-log rows over ${DAYS} days (COPY)`);
    const end = new Date();
    const seeded = JSON.parse(
      await run(
        [
          'dist/apps/registry/src/database/seed-history.js',
          '--calls',
          String(CALLS),
          '--runs',
          String(RUNS),
          '--enqueue',
          String(ENQUEUE),
          '--days',
          String(DAYS),
          '--end',
          end.toISOString(),
        ],
        {
          DATABASE_URL: db.url,
        },
      ),
    ) as { seconds: number; users: string[]; machines: { public_id: string }[]; endpoints: { machine_id: string; name: string }[] };
    const rows = CALLS + RUNS + ENQUEUE;
    figures.seed = { seconds: Math.round(seeded.seconds), rows_per_second: Math.round(rows / seeded.seconds) };
    console.log(`   ${Math.round(seeded.seconds)} s, ${Math.round(rows / seeded.seconds)} rows/s`);
    const analyzed = performance.now();
    await pg.query('VACUUM ANALYZE');
    console.log(`   VACUUM ANALYZE ${Math.round((performance.now() - analyzed) / 1000)} s`);

    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 7200 });
    const get = async (path: string) => {
      const res = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ next_cursor?: string | null; items?: unknown[] }>;
    };
    const from = new Date(end.getTime() - 30 * DAY).toISOString();
    const queries: Record<string, { p50: number; p95: number; target: number; raw_p50?: number }> = {};
    const measure = async (name: string, path: string, target: number) => {
      queries[name] = { ...(await timed(ITERATIONS, () => get(path))), target };
      console.log(`   ${name.padEnd(34)} p50 ${queries[name]!.p50} ms, p95 ${queries[name]!.p95} ms (target ${target})`);
    };

    console.log(`2. queries through the gateway, ${ITERATIONS} times each`);
    await measure('stats 30 days hourly', '/v1/stats?hours=720', 100);
    // The console's dashboard ranges: the last hour by minute from the log, the others from the rollups.
    for (const range of ['1h', '24h', '7d', '30d']) await measure(`stats range ${range}`, `/v1/stats?range=${range}`, 100);
    for (const group of ['none', 'user', 'endpoint', 'task', 'queue']) {
      await measure(`usage 30 days by day, ${group}`, `/v1/usage?from=${from}&group_by=${group}`, 100);
    }
    await measure(
      'usage 12 months by month, user',
      `/v1/usage?from=${new Date(end.getTime() - 365 * DAY).toISOString()}&bucket=month&group_by=user`,
      100,
    );
    const user = seeded.users[3]!;
    const machine = seeded.machines[0]!.public_id;
    const endpoint = seeded.endpoints[5]!.name;
    const dayFrom = new Date(end.getTime() - 10 * DAY).toISOString();
    const dayTo = new Date(end.getTime() - 9 * DAY).toISOString();
    for (const [name, query] of [
      ['log page, no filter', ''],
      ['log page, caller', `caller=${user}`],
      ['log page, machine', `machine_id=${machine}`],
      ['log page, endpoint', `endpoint=${endpoint}`],
      ['log page, outcome=timeout', 'outcome=timeout'],
      ['log page, outcome=forbidden, caller', `outcome=forbidden&caller=${user}`],
      ['log page, one day ago 10 days', `since=${dayFrom}&until=${dayTo}`],
    ] as const) {
      await measure(name, `/v1/logs/ondemand?limit=50${query ? `&${query}` : ''}`, 50);
    }
    let cursor: string | null | undefined;
    for (let depth = 0; depth < 10_000; depth += 500)
      cursor = (await get(`/v1/logs/ondemand?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).next_cursor;
    await measure('log page 10,000 rows deep', `/v1/logs/ondemand?limit=50&cursor=${cursor}`, 50);

    // What the rollups save: the same figures from the raw rows (a few times: each scans millions of rows).
    const raw = async (name: string, sql: string, params: unknown[] = []) => {
      queries[name]!.raw_p50 = (await timed(Math.min(3, ITERATIONS), () => pg.query(sql, params))).p50;
      console.log(`   ${name.padEnd(34)} from the raw rows: p50 ${queries[name]!.raw_p50} ms`);
    };
    await raw(
      'stats 30 days hourly',
      `SELECT date_trunc('hour', at, 'UTC') AS h, count(*), count(*) FILTER (WHERE outcome <> 'ok') FROM ondemand_calls WHERE at >= now() - interval '30 days' GROUP BY 1`,
    );
    await raw(
      'usage 30 days by day, user',
      `SELECT (at AT TIME ZONE 'UTC')::date, caller, count(*), count(*) FILTER (WHERE outcome <> 'ok'), sum(duration_ms), sum(request_bytes), sum(response_bytes),
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM ondemand_calls WHERE at >= $1 GROUP BY 1, 2`,
      [from],
    );
    figures.queries = queries;

    console.log('3. retention: one day deleted row by row, then days dropped whole while a writer inserts');
    const oldest = (await pg.query(`SELECT min(at) AS t FROM ondemand_calls`)).rows[0].t as Date;
    const firstDay = new Date(Math.floor(oldest.getTime() / DAY) * DAY);
    const secondDay = new Date(firstDay.getTime() + DAY);
    const dayRows = Number(
      (
        await pg.query(`SELECT count(*) AS n FROM ondemand_calls WHERE at >= $1 AND at < $2`, [
          secondDay,
          new Date(secondDay.getTime() + DAY),
        ])
      ).rows[0].n,
    );
    const deleteStarted = performance.now();
    await pg.query(`DELETE FROM ondemand_calls WHERE at >= $1 AND at < $2`, [secondDay, new Date(secondDay.getTime() + DAY)]);
    const deleteMs = performance.now() - deleteStarted;
    // A writer inserting 50 rows at a time into today's partition while the registry starts with
    // a retention that drops the oldest days.
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    const latencies: number[] = [];
    let writing = true;
    const writes = (async () => {
      while (writing) {
        const values = Array.from(
          { length: 50 },
          (_, i) => `('${randomUUID()}', now(), 'w', 'writer', 'm', 'e', 'v1', 200, 'ok', ${i}, 1, 1)`,
        ).join(',');
        const t = performance.now();
        await writer.query(
          `INSERT INTO ondemand_calls (id, at, correlation_id, caller, machine_id, endpoint, route, status_code, outcome, duration_ms, request_bytes, response_bytes) VALUES ${values}`,
        );
        latencies.push(performance.now() - t);
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const before = latencies.length;
    await registry.stop();
    const retained = Math.ceil((end.getTime() - firstDay.getTime()) / DAY) - 3;
    registry = await registryProcess(common, db.url, { ...registryEnv, LOG_RETENTION_DAYS: String(retained) });
    await registry.start();
    await new Promise((r) => setTimeout(r, 500));
    writing = false;
    await writes;
    await writer.end();
    const drops = registry.lines
      .map((l) => {
        try {
          return JSON.parse(l) as { msg?: string; ms?: number; partition?: string };
        } catch {
          return {};
        }
      })
      .filter((l) => l.msg === 'call-log day past the retention dropped');
    const beforeMax = Math.max(...latencies.slice(0, before));
    const duringMax = Math.max(...latencies.slice(before));
    figures.retention = {
      day_rows: dayRows,
      delete_ms: Math.round(deleteMs),
      drops: drops.map((d) => ({ partition: d.partition, ms: d.ms })),
      writer_p99_ms_before: ms(percentile(latencies.slice(0, before), 99)),
      writer_max_ms_before: ms(beforeMax),
      writer_max_ms_during: ms(duringMax),
      writer_inserts: latencies.length,
    };
    console.log(`   DELETE of a day (${dayRows} rows): ${Math.round(deleteMs)} ms`);
    for (const d of drops) console.log(`   dropped ${d.partition}: ${d.ms} ms`);
    console.log(
      `   writer: max ${ms(beforeMax)} ms before, ${ms(duringMax)} ms while the registry started and dropped (${latencies.length} inserts)`,
    );

    console.log(`4. ingest: ${INGEST_RATE} records/s for ${INGEST_SECONDS} s through CALLLOGS`);
    const bus = await connectTestBus(namespace);
    const written = async () =>
      Number(
        /cleargate_registry_calllog_records_written_total\{log="ondemand"\} (\d+)/.exec(
          await fetch(`http://127.0.0.1:${registry.opsPort}/metrics`).then((r) => r.text()),
        )?.[1] ?? 0,
      );
    const batchSize = 500;
    const perTick = Math.max(1, Math.round(INGEST_RATE / batchSize / 10)); // batches every 100 ms
    const record = (i: number): OndemandCallRecord => ({
      id: randomUUID(),
      at: new Date().toISOString(),
      correlation_id: randomUUID(),
      caller: seeded.users[i % seeded.users.length]!,
      machine_id: machine,
      machine_name: 'bench',
      endpoint,
      route: 'v1',
      status_code: 200,
      outcome: 'ok',
      duration_ms: 3 + (i % 17),
      upstream_ms: 2,
      request_bytes: 800,
      response_bytes: 40,
      error: null,
      response_excerpt: '{"digit":5}',
      prompt_tokens: null,
      completion_tokens: null,
    });
    const writtenBefore = await written();
    const ingestStarted = performance.now();
    let published = 0;
    const pending: Promise<unknown>[] = [];
    while (performance.now() - ingestStarted < INGEST_SECONDS * 1000) {
      const tick = performance.now();
      for (let b = 0; b < perTick; b++) {
        const columns = emptyOndemandCallColumns();
        for (let i = 0; i < batchSize; i++) appendOndemandCall(columns, record(published + i));
        published += batchSize;
        pending.push(bus.publisher.publish(ondemandCallsRecorded, { batch_id: randomUUID(), columns }));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))));
    }
    await Promise.all(pending);
    const offeredSeconds = (performance.now() - ingestStarted) / 1000;
    const writtenAtEnd = (await written()) - writtenBefore;
    const drainStarted = performance.now();
    while ((await written()) - writtenBefore < published && performance.now() - drainStarted < 120_000)
      await new Promise((r) => setTimeout(r, 200));
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await bus.close();
    figures.ingest = {
      offered_per_second: Math.round(published / offeredSeconds),
      written_during: writtenAtEnd,
      published,
      behind_at_end: published - writtenAtEnd,
      drained_after_seconds: ms(drainSeconds),
      written_per_second: Math.round(published / (offeredSeconds + drainSeconds)),
    };
    console.log(
      `   offered ${Math.round(published / offeredSeconds)}/s; written ${writtenAtEnd} of ${published} by the end, the rest ${ms(drainSeconds)} s later: ${Math.round(published / (offeredSeconds + drainSeconds))}/s`,
    );
  } finally {
    await pg.end().catch(() => undefined);
    await Promise.all([registry.stop(), gateway.stop()]);
    await Promise.all([oidc.close(), db.drop(), dropNamespace(namespace)]);
  }
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  writeFileSync(join(ROOT, 'tmp', 'bench-logs.json'), JSON.stringify(figures, null, 2));
  console.log(JSON.stringify({ bench: 'logs', ...figures }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
