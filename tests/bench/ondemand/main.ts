/**
 * On-demand benchmark: autocannon against the gateway's compatible route (gateway → NATS →
 * router → serving peer) and, in the same run, straight against the serving peer, at 32
 * connections and at 1 connection; at 32 connections also against a bare relay over the same
 * hops (relay.ts), which shows what this architecture gives on the machine before the product
 * adds work of its own. Every process runs on this machine, as in production minus the
 * network. At 32 connections the three scenarios alternate in BENCH_ROUNDS (3) rounds, so a
 * drift in the machine's speed falls on all of them; throughput is the mean of the rounds and
 * p50/p99 their median. Prints throughput and p50/p99 and their ratios, the CPU of each
 * process, where the slow requests spend their time and the GC pauses of the gateway and the
 * router, and writes tmp/bench-ondemand.json.
 *
 *   npm run bench:ondemand            (DURATION_SEC=12 by default; BENCH_CONNECTIONS=32)
 */
import { Client } from 'undici';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { EVENT_LOOP_SAMPLE_MS } from '@cleargate/observability';
import { measureImages, printImages } from './images';
import { bareRelay, benchEnv, benchNodeArgs, combine, cpuSecondsOf, Figures, load, OUT_DIR, knob, poster } from '../support';
import { startOidcPeer } from '@cleargate/peers';
import {
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  nodeProcess,
  registryProcess,
  serviceProcess,
  createTestNamespace,
} from '@cleargate/testing';

const DURATION = knob('DURATION_SEC', 12);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 32);
const WARMUP = Math.max(2, Math.round(DURATION / 4));
/** The 32-connection scenarios run in this many alternating rounds of DURATION / ROUNDS each. */
const ROUNDS = Math.max(1, knob('BENCH_ROUNDS', 3));
/**
 * Whole seconds: autocannon ends a run at its first one-second sample after the duration, so a
 * 3.3 s run lasts 4 s. The CPU shares below divide by the time the rounds were measured to take.
 */
const SLICE = Math.max(1, Math.round(DURATION / ROUNDS));
/** `BENCH_SCENARIOS=json,images` (both by default): the JSON calls, the binary bodies, or both. */
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'json,images').split(',');
/** Seconds of each round of each image size (whole seconds, as SLICE). */
const IMAGE_SLICE = Math.max(1, knob('IMAGE_SEC', 3));

/** The whole machine's CPU time so far, from /proc/stat: all of it, and the part spent idle or waiting for disk. */
function machineTicks(): { total: number; idle: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), idle: fields[3]! + fields[4]! };
}

/** CPU seconds (user + system) used so far by each process, from /proc. */
const cpuSeconds = (pids: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)]));

function pidsOf(command: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', command], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * One connection, one request at a time, timed with performance.now(): autocannon reports
 * whole milliseconds, too coarse for "adds under 1 ms to p50".
 */
async function sequential(url: string, body: string, duration: number): Promise<Figures> {
  const target = new URL(url);
  const client = new Client(target.origin, { pipelining: 1 });
  const samples: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const end = performance.now() + duration * 1000;
  try {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const res = await client.request({ path: target.pathname, method: 'POST', body, headers: { 'content-type': 'application/json' } });
        await res.body.arrayBuffer();
        if (res.statusCode >= 300) non2xx++;
        samples.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  } finally {
    await client.close();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { rps: samples.length / duration, p50: at(0.5), p99: at(0.99), errors, non2xx };
}

/** One histogram (summed over its series) from a /metrics page: cumulative buckets, sum and count. */
interface Histogram {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

function histogram(page: string, name: string): Histogram {
  const bucketLine = new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\} (\\d+)`);
  const totalLine = new RegExp(`^${name}_(sum|count)(?:\\{.*\\})? (\\S+)`);
  const h: Histogram = { buckets: new Map(), sum: 0, count: 0 };
  for (const line of page.split('\n')) {
    const bucket = bucketLine.exec(line);
    if (bucket) {
      const le = bucket[1] === '+Inf' ? Infinity : Number(bucket[1]);
      h.buckets.set(le, (h.buckets.get(le) ?? 0) + Number(bucket[2]));
    }
    const total = totalLine.exec(line);
    if (total) h[total[1] as 'sum' | 'count'] += Number(total[2]);
  }
  return h;
}

/** Mean of the observations between two scrapes, in milliseconds. */
function meanMs(before: Histogram, after: Histogram): string {
  const total = after.count - before.count;
  return total > 0 ? (((after.sum - before.sum) / total) * 1000).toFixed(2) : 'n/a';
}

/** Share of the observations between two scrapes that took longer than `seconds`. */
function shareAbove(before: Histogram, after: Histogram, seconds: number): string {
  const total = after.count - before.count;
  const within = (after.buckets.get(seconds) ?? 0) - (before.buckets.get(seconds) ?? 0);
  return total > 0 ? `${(((total - within) / total) * 100).toFixed(2)}%` : 'n/a';
}

async function main(): Promise<void> {
  const oidc = await startOidcPeer();
  const db = await createTestDatabase('cg_bench');
  const namespace = await createTestNamespace();
  const common = {
    NATS_URL: DEV_NATS_URL,
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: 'warn',
    ...benchEnv(),
  };
  const servingPort = await freePort();
  const serving = nodeProcess({
    name: 'serving-peer',
    entry: 'dist/tests/peers/src/serving/main.js',
    args: ['--port', String(servingPort)],
    readyUrl: `http://127.0.0.1:${servingPort}/v2/health/ready`,
  });
  const nodeArgs = benchNodeArgs();
  const registry = await registryProcess(common, db.url, {}, nodeArgs);
  const router = serviceProcess('ondemand-router', common, await freePort(), nodeArgs);
  const gateway = await gatewayProcess(common, oidc.issuer, {}, nodeArgs);
  const { url: relayBase, processes: relay } = await bareRelay(`http://127.0.0.1:${servingPort}`, `${namespace}.bench.relay`);
  const measured = [serving, registry, router, gateway];
  const processes = [...measured, ...relay];
  try {
    for (const p of measured) await p.start();
    await Promise.all(relay.map((p) => p.start()));
    const gatewayUrl = gateway.url;
    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 3600 });
    const user = await oidc.mint({ username: 'observer', roles: ['Observer'] }, { ttlSec: 3600 });
    const post = poster(gatewayUrl, admin);
    const machine = await post('/v1/machines', {
      name: 'bench-gpu',
      base_url: `http://127.0.0.1:${servingPort}`,
      protocol: 'clearml-serving',
    });
    await post('/v1/endpoints', { machine_id: machine.machine_id, name: 'test_model_sklearn' });
    await post('/v1/endpoints', { machine_id: machine.machine_id, name: 'echo' });
    const report: Record<string, unknown> = { at: new Date().toISOString(), duration_sec: DURATION, connections: CONNECTIONS };
    // BENCH_LIMITS='{"calls_per_second":1000000,"max_in_flight":10000}' gives the caller limits it never
    // reaches, so the gateway checks them on every call (shared bucket, in-flight count).
    if (process.env.BENCH_LIMITS) {
      const res = await fetch(`${gatewayUrl}/v1/limits`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'user', subject: 'observer', limits: JSON.parse(process.env.BENCH_LIMITS) }),
      });
      if (!res.ok) throw new Error(`/v1/limits: ${res.status} ${await res.text()}`);
      console.log(`limits of the caller: ${process.env.BENCH_LIMITS}`);
    }

    if (SCENARIOS.includes('json')) {
      const input = { x0: 1, x1: 2 };
      const directUrl = `http://127.0.0.1:${servingPort}/serve/test_model_sklearn`;
      const gatewayRoute = `${gatewayUrl}/clearml/serve/ondemand`;
      const gatewayBody = JSON.stringify({
        access_token: user,
        machine_id: machine.machine_id,
        endpoint: 'test_model_sklearn',
        params: input,
      });
      const directBody = JSON.stringify(input);
      const relayUrl = `${relayBase}/`;
      const relayBody = JSON.stringify({ params: input });

      console.log(`warming up (${WARMUP}s each)...`);
      await load(directUrl, directBody, CONNECTIONS, WARMUP);
      await load(gatewayRoute, gatewayBody, CONNECTIONS, WARMUP);
      await load(relayUrl, relayBody, CONNECTIONS, WARMUP);

      console.log(
        `measuring: ${ROUNDS} rounds of direct, gateway and bare relay at ${CONNECTIONS} connections (${SLICE.toFixed(1)}s each), then 1 connection (${DURATION}s each)`,
      );
      const pids: Record<string, number> = Object.fromEntries(measured.map((p) => [p.name, p.child.pid!]));
      pids['bench (autocannon)'] = process.pid;
      pidsOf('nats-server').forEach((pid, i) => (pids[`nats-server${i ? i : ''}`] = pid));
      pidsOf('postgres').forEach((pid) => (pids[`postgres:${pid}`] = pid));
      // The services' own latency histograms: where the slow requests spend their time.
      const metricsPages = async () => {
        const [gatewayPage, routerPage] = await Promise.all(
          [gateway.opsPort, router.opsPort].map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
        );
        return { gateway: gatewayPage!, router: routerPage! };
      };
      const stages = [
        ['gateway (HTTP in to HTTP out)', 'gateway', 'cleargate_auth_gateway_http_request_duration_seconds'],
        ['router (NATS in to NATS reply)', 'router', 'cleargate_ondemand_router_request_duration_seconds'],
        ['serving machine (as the router waits)', 'router', 'cleargate_ondemand_router_upstream_duration_seconds'],
      ] as const;
      // The machine's speed drifts over a minute; alternating the two scenarios in short rounds
      // keeps that drift out of their ratio.
      const directRounds: Figures[] = [];
      const gatewayRounds: Figures[] = [];
      const relayRounds: Figures[] = [];
      const cpuUsed: Record<string, number> = {};
      let gatewaySeconds = 0;
      const wholeMachine = { total: 0, idle: 0 };
      const pagesBefore = await metricsPages();
      for (let round = 0; round < ROUNDS; round++) {
        directRounds.push(await load(directUrl, directBody, CONNECTIONS, SLICE));
        const cpuBefore = cpuSeconds(pids);
        const machineBefore = machineTicks();
        const roundStarted = performance.now();
        gatewayRounds.push(await load(gatewayRoute, gatewayBody, CONNECTIONS, SLICE));
        gatewaySeconds += (performance.now() - roundStarted) / 1000;
        const machineAfter = machineTicks();
        wholeMachine.total += machineAfter.total - machineBefore.total;
        wholeMachine.idle += machineAfter.idle - machineBefore.idle;
        // PostgreSQL starts a backend per new pool connection: one that appeared during the
        // round used all of its CPU in it.
        for (const pid of pidsOf('postgres')) {
          if (pids[`postgres:${pid}`] === undefined) {
            pids[`postgres:${pid}`] = pid;
            cpuBefore[`postgres:${pid}`] = 0;
          }
        }
        const cpuAfter = cpuSeconds(pids);
        for (const name of Object.keys(pids)) {
          const used = cpuAfter[name]! - cpuBefore[name]!;
          if (!Number.isNaN(used)) cpuUsed[name] = (cpuUsed[name] ?? 0) + used; // NaN: a backend that ended
        }
        relayRounds.push(await load(relayUrl, relayBody, CONNECTIONS, SLICE));
      }
      const pagesAfter = await metricsPages();
      const cpu: Record<string, number> = {};
      for (const [name, used] of Object.entries(cpuUsed)) {
        const key = name.startsWith('postgres:') ? 'postgres (all)' : name;
        cpu[key] = (cpu[key] ?? 0) + used / gatewaySeconds;
      }
      const direct = combine(directRounds);
      const through = combine(gatewayRounds);
      const bare = combine(relayRounds);
      const direct1 = await sequential(directUrl, directBody, DURATION);
      const through1 = await sequential(gatewayRoute, gatewayBody, DURATION);

      const rows = [
        [`direct, ${CONNECTIONS} conns`, direct],
        [`gateway, ${CONNECTIONS} conns`, through],
        [`bare relay, ${CONNECTIONS} c.`, bare],
        ['direct, 1 conn', direct1],
        ['gateway, 1 conn', through1],
      ] as const;
      console.log('\nscenario              req/s     p50 ms   p99 ms   errors  non-2xx   (32 connections: autocannon, whole ms)');
      for (const [name, f] of rows) {
        console.log(
          `${name.padEnd(20)} ${f.rps.toFixed(0).padStart(7)} ${f.p50.toFixed(2).padStart(9)} ${f.p99.toFixed(2).padStart(8)} ${String(f.errors).padStart(8)} ${String(f.non2xx).padStart(8)}`,
        );
      }
      console.log(
        `\nrounds at ${CONNECTIONS} connections (direct req/s, gateway req/s, ratio, gateway p99 ms, bare relay req/s, its p99 ms):`,
      );
      directRounds.forEach((d, i) => {
        const g = gatewayRounds[i]!;
        const r = relayRounds[i]!;
        console.log(
          `  ${i + 1}: ${d.rps.toFixed(0).padStart(7)} ${g.rps.toFixed(0).padStart(7)} ${((g.rps / d.rps) * 100).toFixed(1).padStart(6)}% ${String(g.p99).padStart(4)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p99).padStart(4)}`,
        );
      });
      console.log(`\nCPU during the gateway rounds at ${CONNECTIONS} connections (cores busy, of ${availableParallelism()}):`);
      for (const [name, cores] of Object.entries(cpu).sort((a, b) => b[1] - a[1])) {
        console.log(`  ${name.padEnd(20)} ${cores.toFixed(2)}  (${((cores * 1e6) / through.rps).toFixed(0)} µs per request)`);
      }
      const machineBusy = wholeMachine.total > 0 ? 1 - wholeMachine.idle / wholeMachine.total : NaN;
      console.log(`  whole machine        ${(machineBusy * 100).toFixed(0)} % busy (kernel work included)`);
      console.log(`\nEach stage during the gateway rounds (from the services' histograms): mean ms, share slower than 5 / 10 ms`);
      for (const [label, service, name] of stages) {
        const [before, after] = [histogram(pagesBefore[service], name), histogram(pagesAfter[service], name)];
        console.log(
          `  ${label.padEnd(40)} ${meanMs(before, after).padStart(6)} ${shareAbove(before, after, 0.005).padStart(7)} ${shareAbove(before, after, 0.01).padStart(7)}`,
        );
      }
      console.log('Garbage collection during the 32-connection rounds:');
      for (const service of ['gateway', 'router'] as const) {
        const gc = 'nodejs_gc_duration_seconds';
        const [before, after] = [histogram(pagesBefore[service], gc), histogram(pagesAfter[service], gc)];
        const pauses = after.count - before.count;
        const ms = (after.sum - before.sum) * 1000;
        console.log(
          `  ${service.padEnd(8)} ${pauses} pauses, ${ms.toFixed(0)} ms in all (${((ms / (gatewaySeconds * 1000)) * 100).toFixed(1)}% of the gateway rounds), ${shareAbove(before, after, 0.01)} over 10 ms`,
        );
      }
      // prom-client's event-loop delay histogram restarts at every scrape, so this covers the
      // 32-connection rounds (the direct ones included, when the services are idle); the delay is
      // what it shows beyond its sampling period (see EVENT_LOOP_SAMPLE_MS).
      console.log('Event-loop delay during the 32-connection rounds (p50 / p99 / max ms):');
      for (const service of ['gateway', 'router'] as const) {
        const value = (name: string) => {
          const m = new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)`, 'm').exec(pagesAfter[service]);
          return m ? Math.max(0, Number(m[1]) * 1000 - EVENT_LOOP_SAMPLE_MS).toFixed(1) : 'n/a';
        };
        console.log(`  ${service.padEnd(8)} ${value('p50')} / ${value('p99')} / ${value('max')}`);
      }
      const summary = {
        throughput_ratio: through.rps / direct.rps,
        gateway_p99_ms_at_32: through.p99,
        added_p50_ms_at_1: through1.p50 - direct1.p50,
        gateway_to_bare_relay_throughput: through.rps / bare.rps,
      };
      console.log(
        `\ngateway/direct throughput at ${CONNECTIONS} connections: ${(summary.throughput_ratio * 100).toFixed(1)}% (target ≥ 15%)`,
      );
      console.log(`gateway p99 at ${CONNECTIONS} connections: ${summary.gateway_p99_ms_at_32.toFixed(2)} ms (target < 10 ms)`);
      console.log(`added p50 at 1 connection: ${summary.added_p50_ms_at_1.toFixed(3)} ms (target < 1 ms)`);
      console.log(
        `gateway/bare relay throughput at ${CONNECTIONS} connections: ${(summary.gateway_to_bare_relay_throughput * 100).toFixed(1)}% (bare relay p99 ${bare.p99.toFixed(2)} ms)`,
      );
      Object.assign(report, {
        direct,
        gateway: through,
        bare_relay: bare,
        direct1,
        gateway1: through1,
        cpu,
        machine_busy: machineBusy,
        summary,
      });
    }
    if (SCENARIOS.includes('images')) {
      const images = await measureImages(
        {
          gateway: `${gatewayUrl}/v1/ondemand/${machine.machine_id}/echo`,
          direct: `http://127.0.0.1:${servingPort}/serve/echo`,
          relay: `${relayBase}/raw`,
          token: user,
          watched: [
            { name: 'gateway', pid: gateway.child.pid! },
            { name: 'router', pid: router.child.pid! },
          ],
        },
        { connections: CONNECTIONS, rounds: ROUNDS, slice: IMAGE_SLICE, warmup: Math.max(1, Math.round(IMAGE_SLICE / 2)) },
      );
      printImages(images, CONNECTIONS);
      report.images = images;
    }
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(join(OUT_DIR, 'bench-ondemand.json'), JSON.stringify(report, null, 2));
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    // e.g. BENCH_LOG_DIR=tmp/bench-logs with BENCH_NODE_ARGS=--trace-gc: each service's output, one file each
    const logDir = process.env.BENCH_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      for (const p of processes) writeFileSync(join(logDir, `${p.name}.log`), p.lines.join('\n') + '\n');
    }
    await Promise.all([oidc.close(), db.drop(), dropNamespace(namespace)]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
