/**
 * Soak: mixed on-demand calls and runs through the gateway at a steady rate for SOAK_SEC
 * (30 minutes by default), every process on this machine. Every SAMPLE_SEC it records, per
 * service (gateway, registry, router, worker): resident memory, event-loop delay (p99 and max
 * from the service's own /metrics, beyond its sampling period), open file descriptors and open
 * sockets. It compares the start (the first samples after SOAK_WARMUP_SEC) with the end (the
 * last samples), flags growth beyond noise, and counts every error. Figures go to
 * tmp/bench-soak.json; the exit code is 1 when something was flagged.
 *
 * The rate is half the machine's measured peak for the mix: each kind at a quarter of its own
 * peak (from tmp/bench-ondemand.json and tmp/bench-enqueue.json when a benchmark wrote them),
 * so that together they take about half of what the machine can do; runs no faster than
 * SOAK_RUNS_MAX_RPS (100), about what the worker queues in ClearML, so that the work queue
 * stays level instead of growing for half an hour.
 *
 *   npm run bench:soak     (SOAK_SEC=1800; SOAK_ONDEMAND_RPS, SOAK_RUNS_RPS to set the rates)
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import { EVENT_LOOP_SAMPLE_MS } from '@cleargate/observability';
import { startOidcPeer } from '@cleargate/peers';
import { createTestDatabase, createTestNamespace, DEV_NATS_URL, dropNamespace, ServiceProcess } from '@cleargate/testing';
import { benchEnv, benchNodeArgs, benchServices, clearmlPeer, memoryBytes, mib, openFds, OUT_DIR, poster } from '../support';

const SOAK_SEC = Number(process.env.SOAK_SEC ?? 1800);
const WARMUP_SEC = Number(process.env.SOAK_WARMUP_SEC ?? Math.min(60, Math.round(SOAK_SEC / 10)));
const SAMPLE_SEC = Number(process.env.SAMPLE_SEC ?? Math.max(1, Math.min(30, Math.round(SOAK_SEC / 30))));
const LATENCY = Number(process.env.CLEARML_LATENCY_MS ?? 5);
const TEMPLATE = 'd1b2c3d4e5f60718293a4b5c6d7e8f90';

function peak(file: string, pick: (json: Record<string, { rps?: number }>) => number | undefined): number | undefined {
  const path = join(OUT_DIR, file);
  if (!existsSync(path)) return undefined;
  try {
    return pick(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

const ONDEMAND_PEAK = peak('bench-ondemand.json', (j) => j.gateway?.rps) ?? 4000;
const RUNS_PEAK = peak('bench-enqueue.json', (j) => j.acceptance?.rps) ?? 1500;
const ONDEMAND_RPS = Number(process.env.SOAK_ONDEMAND_RPS ?? Math.round(ONDEMAND_PEAK / 4));
const RUNS_RPS = Number(process.env.SOAK_RUNS_RPS ?? Math.min(Math.round(RUNS_PEAK / 4), Number(process.env.SOAK_RUNS_MAX_RPS ?? 100)));

interface Sample {
  at_sec: number;
  rss_bytes: number;
  fds: number;
  sockets: number;
  event_loop_p99_ms: number;
  event_loop_max_ms: number;
}

function sockets(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return NaN;
  }
}

async function sample(service: ServiceProcess, atSec: number): Promise<Sample> {
  const pid = service.child.pid!;
  let p99 = NaN;
  let max = NaN;
  try {
    // prom-client's event-loop histogram restarts at every scrape: this covers the last interval.
    const page = await (await fetch(`http://127.0.0.1:${service.opsPort}/metrics`)).text();
    const value = (name: string) => {
      const m = new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)`, 'm').exec(page);
      return m ? Math.max(0, Number(m[1]) * 1000 - EVENT_LOOP_SAMPLE_MS) : NaN;
    };
    p99 = value('p99');
    max = value('max');
  } catch {
    // counted as NaN: the service did not answer
  }
  return {
    at_sec: atSec,
    rss_bytes: memoryBytes(pid, 'VmRSS'),
    fds: openFds(pid),
    sockets: sockets(pid),
    event_loop_p99_ms: p99,
    event_loop_max_ms: max,
  };
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** A steady stream of `rate` requests a second (open loop: sent on schedule, not after the previous answer). */
function steady(rate: number, send: () => Promise<void>): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const tick = 10;
  let owed = 0;
  const timer = setInterval(() => {
    owed += (rate * tick) / 1000;
    for (; owed >= 1; owed--) {
      const p = send().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, tick);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

async function main(): Promise<void> {
  const oidc = await startOidcPeer();
  const db = await createTestDatabase('cg_soak');
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', ...benchEnv() };
  const nodeArgs = benchNodeArgs();
  const { url: clearmlUrl, process: clearml } = await clearmlPeer(
    'soak',
    {
      projects: [{ id: 'p-soak', name: 'Soak' }],
      queues: [{ id: 'q-default', name: 'default', default: true }],
      tasks: [{ id: TEMPLATE, name: 'soak', project: 'p-soak', status: 'completed', hyperparams: { General: { lr: '0.1' } } }],
    },
    LATENCY,
  );
  const { servingPort, serving, registry, gateway, router, worker } = await benchServices({
    common,
    databaseUrl: db.url,
    issuer: oidc.issuer,
    clearmlUrl,
    concurrency: 16,
    nodeArgs,
  });
  const services = { gateway, registry, router, worker };
  const processes = [clearml, serving, registry, gateway, router, worker];
  const pool = new Pool(gateway.url, { connections: 64 });
  let failed = false;
  try {
    for (const p of processes) await p.start();
    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: SOAK_SEC + 3600 });
    const user = await oidc.mint({ username: 'observer' }, { ttlSec: SOAK_SEC + 3600 });
    const post = poster(gateway.url, admin);
    const task = await post('/v1/tasks', { clearml_task_id: TEMPLATE, default_queue: 'default' });
    const machine = await post('/v1/machines', {
      name: 'soak-gpu',
      base_url: `http://127.0.0.1:${servingPort}`,
      protocol: 'clearml-serving',
    });
    await post('/v1/endpoints', { machine_id: machine.machine_id, name: 'test_model_sklearn' });

    const outcomes = { ondemand: { ok: 0, failed: 0 }, runs: { ok: 0, failed: 0 } };
    const statuses: Record<string, number> = {};
    const headers = { authorization: `Bearer ${user}`, 'content-type': 'application/json' };
    const request = (kind: 'ondemand' | 'runs', path: string, body: string, expected: number) => async () => {
      try {
        const res = await pool.request({ path, method: 'POST', headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
        await res.body.arrayBuffer();
        if (res.statusCode === expected) outcomes[kind].ok++;
        else {
          outcomes[kind].failed++;
          statuses[`${kind} ${res.statusCode}`] = (statuses[`${kind} ${res.statusCode}`] ?? 0) + 1;
        }
      } catch (err) {
        outcomes[kind].failed++;
        const key = `${kind} ${(err as Error).name}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    };
    console.log(
      `soak: ${SOAK_SEC}s of ${ONDEMAND_RPS} on-demand calls/s and ${RUNS_RPS} runs/s (peaks ${ONDEMAND_PEAK.toFixed(0)} and ${RUNS_PEAK.toFixed(0)}), sampled every ${SAMPLE_SEC}s after ${WARMUP_SEC}s`,
    );
    const started = performance.now();
    const streams = [
      steady(
        ONDEMAND_RPS,
        request('ondemand', `/v1/ondemand/${machine.machine_id}/test_model_sklearn`, JSON.stringify({ x0: 1, x1: 2 }), 200),
      ),
      steady(RUNS_RPS, request('runs', '/v1/runs', JSON.stringify({ task_id: task.task_id, params: { lr: 0.2 } }), 202)),
    ];
    const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(services).map((k) => [k, []]));
    const elapsed = () => (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, WARMUP_SEC * 1000));
    for (const s of Object.values(services)) await sample(s, elapsed()); // restarts the event-loop histograms
    while (elapsed() < SOAK_SEC) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_SEC, Math.max(0.1, SOAK_SEC - elapsed())) * 1000));
      for (const [name, s] of Object.entries(services)) samples[name]!.push(await sample(s, elapsed()));
      const last = samples.gateway!.at(-1)!;
      if (process.stdout.isTTY || Math.round(last.at_sec) % 300 < SAMPLE_SEC)
        console.log(
          `  ${last.at_sec.toFixed(0)}s: ${Object.entries(samples)
            .map(([n, list]) => `${n} ${mib(list.at(-1)!.rss_bytes)} MiB`)
            .join(', ')}; ${outcomes.ondemand.ok + outcomes.runs.ok} ok, ${outcomes.ondemand.failed + outcomes.runs.failed} failed`,
        );
    }
    await Promise.all(streams.map((s) => s.stop()));
    const seconds = elapsed();
    const runsStored = await countRuns(db.url);

    // Start and end: the median of three samples (fewer in a short soak) right after the warm-up
    // and at the end; settled: the highest sample of the middle third of the run. A V8 heap takes
    // minutes of steady load to reach its size (measured: the router and worker grew by half in
    // the first ten minutes, then by 1-3 MiB in twenty), so growth is judged from "settled" to
    // "end": past what the service already reached once settled. Not the few samples at one
    // third: a collection returning memory there (the worker once went 145 → 116 → 126 → 139 MiB)
    // or the router's upstream pool between its 29 and 69 sockets would be taken for the level.
    const n = Math.max(1, Math.min(3, Math.floor(samples.gateway!.length / 3)));
    const flags: string[] = [];
    type Figure = { start: number; settled: number; end: number };
    const table: Record<string, Record<string, Figure>> = {};
    for (const [name, list] of Object.entries(samples)) {
      const third = Math.floor(list.length / 3);
      const parts = [list.slice(0, n), list.slice(third, Math.max(third + n, 2 * third)), list.slice(-n)];
      const figure = (pick: (s: Sample) => number): Figure => {
        const [first, middle, last] = parts.map((part) => part.map(pick)) as [number[], number[], number[]];
        return { start: median(first), settled: Math.max(...middle), end: median(last) };
      };
      const row = {
        rss_mib: figure((s) => s.rss_bytes / 1024 / 1024),
        fds: figure((s) => s.fds),
        sockets: figure((s) => s.sockets),
        event_loop_p99_ms: figure((s) => s.event_loop_p99_ms),
        event_loop_max_ms: figure((s) => s.event_loop_max_ms),
      };
      table[name] = row;
      // Beyond noise, from settled to end: memory up by more than a tenth and 16 MiB; descriptors
      // or sockets by more than 10 (pools open and close connections); event-loop p99 more than
      // doubled and over 20 ms.
      const { rss_mib: rss, event_loop_p99_ms: lag } = row;
      if (rss.end > rss.settled * 1.1 && rss.end - rss.settled > 16)
        flags.push(`${name}: resident memory grew from ${rss.settled.toFixed(0)} to ${rss.end.toFixed(0)} MiB after it settled`);
      for (const k of ['fds', 'sockets'] as const)
        if (row[k].end - row[k].settled > 10) flags.push(`${name}: ${k} grew from ${row[k].settled} to ${row[k].end}`);
      if (lag.end > Math.max(20, lag.settled * 2))
        flags.push(`${name}: event-loop delay p99 grew from ${lag.settled.toFixed(1)} to ${lag.end.toFixed(1)} ms`);
    }
    const errors = outcomes.ondemand.failed + outcomes.runs.failed;
    if (errors > 0) flags.push(`${errors} requests failed: ${JSON.stringify(statuses)}`);
    console.log(
      `\n${(seconds / 60).toFixed(1)} minutes: ${outcomes.ondemand.ok} on-demand calls and ${outcomes.runs.ok} runs answered as expected, ${errors} failed; ${runsStored} runs stored`,
    );
    const head = 'start → settled (top of the middle third) → end';
    console.log(`${head}   RSS MiB            fds            sockets        event-loop p99 ms   max ms`);
    for (const [name, row] of Object.entries(table)) {
      const three = (f: Figure, digits = 0) => [f.start, f.settled, f.end].map((v) => v.toFixed(digits)).join(' → ');
      console.log(
        `  ${name.padEnd(head.length)} ${three(row.rss_mib).padEnd(18)} ${three(row.fds).padEnd(14)} ${three(row.sockets).padEnd(14)} ${three(row.event_loop_p99_ms, 1).padEnd(19)} ${three(row.event_loop_max_ms, 1)}`,
      );
    }
    console.log(flags.length ? `\nFLAGGED:\n  ${flags.join('\n  ')}` : '\nnothing flagged: no growth beyond noise, no error');
    writeFileSync(
      join(OUT_DIR, 'bench-soak.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          seconds,
          rates: { ondemand_rps: ONDEMAND_RPS, runs_rps: RUNS_RPS, ondemand_peak: ONDEMAND_PEAK, runs_peak: RUNS_PEAK },
          outcomes,
          statuses,
          runs_stored: runsStored,
          table,
          samples,
          flags,
        },
        null,
        2,
      ),
    );
    failed = flags.length > 0;
  } finally {
    await pool.close();
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([oidc.close(), db.drop(), dropNamespace(namespace)]);
  }
  if (failed) process.exitCode = 1;
}

async function countRuns(url: string): Promise<number> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return Number((await pg.query('SELECT count(*) AS n FROM runs')).rows[0].n);
  } finally {
    await pg.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
