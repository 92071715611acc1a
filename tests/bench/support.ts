/**
 * What the benchmarks share: one load run (autocannon) reduced to its figures, rounds combined,
 * and what /proc says about a process (CPU, resident memory, file descriptors).
 */
import autocannon, { Result } from 'autocannon';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  api,
  clearmlEnv,
  DEV_DATABASE_URL,
  DEV_NATS_URL,
  freePort,
  gatewayProcess,
  nodeProcess,
  registryProcess,
  ROOT,
  serviceProcess,
  type ServiceProcess,
} from '@cleargate/testing';

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(
  url: string,
  body: string | Buffer,
  connections: number,
  duration: number,
  headers: Record<string, string> = {},
): Promise<Figures> {
  const result: Result = await autocannon({
    url,
    method: 'POST',
    connections,
    pipelining: 1,
    duration,
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** A number from the environment (a benchmark's knob), or its default. */
export const knob = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Rounds of one scenario as one: mean throughput, median p50 and p99, errors summed. */
export function combine(rounds: Figures[]): Figures & { rounds: Figures[] } {
  return {
    rps: rounds.reduce((n, r) => n + r.rps, 0) / rounds.length,
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    rounds,
  };
}

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now, VmHWM: the peak so far); NaN once the process is gone. */
export function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Resets the peak resident set (VmHWM) of a process to what it holds now, by writing 5 to
 * /proc/<pid>/clear_refs (Linux ≥ 4.0, the process's owner). False where the kernel refuses.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Open file descriptors of a process (sockets included); NaN once it is gone. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process used so far, from /proc. */
export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ on Linux
  } catch {
    return NaN;
  }
}

export const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** `BENCH_ENV="KEY=value KEY2=value"`: settings for every service, to compare configurations. */
export function benchEnv(): Record<string, string> {
  return Object.fromEntries(
    (process.env.BENCH_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((kv) => {
        // at the first '=' only: a value may hold more (NODE_OPTIONS=--max-semi-space-size=16)
        const at = kv.indexOf('=');
        if (at < 1) throw new Error(`BENCH_ENV: "${kv}" is not KEY=value`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
  );
}

/** `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`: node flags for the services. */
export const benchNodeArgs = () => process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/** Pids of the processes whose parent is `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * This checkout's NATS server and PostgreSQL (the machine may run other people's): NATS from
 * the pid file tools/dev-services.sh writes, PostgreSQL as its postmaster (asked through SQL)
 * and the postmaster's children, one per backend.
 */
export async function devServicePids(databaseUrl = DEV_DATABASE_URL): Promise<{ nats: number | null; postmaster: number | null }> {
  const dataDir = process.env.CLEARGATE_DATA_DIR ?? join(ROOT, '.data');
  let nats: number | null = null;
  try {
    nats = Number(readFileSync(join(dataDir, 'nats', 'nats.pid'), 'utf8').trim()) || null;
  } catch {
    nats = null;
  }
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const backend = Number((await pg.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const fields = readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { nats, postmaster: Number(fields[1]) };
  } catch {
    return { nats, postmaster: null };
  } finally {
    await pg.end();
  }
}

/**
 * CPU seconds each process (the services, NATS, every PostgreSQL backend, this one) spends
 * during the measured stretches, summed over them.
 */
export class CpuMeter {
  private readonly used: Record<string, number> = {};

  constructor(
    private readonly services: { name: string; child: { pid?: number | undefined } }[],
    private readonly dev: { nats: number | null; postmaster: number | null },
  ) {}

  private pids(): Record<string, number> {
    const pids: Record<string, number> = { 'bench (load)': process.pid };
    for (const s of this.services) if (s.child.pid) pids[s.name] = s.child.pid;
    if (this.dev.nats) pids['nats-server'] = this.dev.nats;
    if (this.dev.postmaster) for (const pid of childrenOf(this.dev.postmaster)) pids[`postgres:${pid}`] = pid;
    return pids;
  }

  async during<T>(work: () => Promise<T>): Promise<T> {
    const before = this.pids();
    const at = Object.fromEntries(Object.entries(before).map(([k, pid]) => [k, cpuSecondsOf(pid)]));
    const result = await work();
    // A PostgreSQL backend that appeared meanwhile used all of its CPU in the stretch.
    for (const [k, pid] of Object.entries(this.pids())) {
      const used = cpuSecondsOf(pid) - (at[k] ?? 0);
      if (Number.isNaN(used)) continue; // a process that ended
      const key = k.startsWith('postgres:') ? 'postgres (all)' : k;
      this.used[key] = (this.used[key] ?? 0) + used;
    }
    return result;
  }

  /** Microseconds of CPU per request, by process. */
  perRequest(requests: number): Record<string, number> {
    return Object.fromEntries(Object.entries(this.used).map(([k, s]) => [k, (s * 1e6) / Math.max(1, requests)]));
  }
}

/** Where a benchmark writes its figures (and reads another's): BENCH_OUT_DIR, by default tmp/. */
export const OUT_DIR = process.env.BENCH_OUT_DIR ?? join(ROOT, 'tmp');

/**
 * The ClearML peer of a benchmark, not started: `seed` (its projects, queues and tasks) written
 * to OUT_DIR as bench-<name>-seed.json, no agents, `latencyMs` added to every call.
 */
export async function clearmlPeer(name: string, seed: object, latencyMs: number): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(OUT_DIR, { recursive: true });
  const seedFile = join(OUT_DIR, `bench-${name}-seed.json`);
  writeFileSync(seedFile, JSON.stringify(seed));
  const peer = nodeProcess({
    name: 'clearml-peer',
    entry: 'dist/tests/peers/src/clearml/main.js',
    args: ['--port', String(port), '--seed', seedFile, '--no-agents', '--latency-ms', String(latencyMs)],
    readyUrl: `${url}/debug.ping`,
  });
  return { url, process: peer };
}

/**
 * A benchmark's stack around a ClearML peer at `clearmlUrl` (not started): the serving peer,
 * the registry, the gateway, the router and the enqueue worker with `concurrency` runs at once,
 * each service with the bench's node flags.
 */
export async function benchServices(options: {
  common: Record<string, string>;
  databaseUrl: string;
  issuer: string;
  clearmlUrl: string;
  concurrency: number;
  nodeArgs: string[];
}) {
  const { common, nodeArgs } = options;
  const servingPort = await freePort();
  const serving = nodeProcess({
    name: 'serving-peer',
    entry: 'dist/tests/peers/src/serving/main.js',
    args: ['--port', String(servingPort)],
    readyUrl: `http://127.0.0.1:${servingPort}/v2/health/ready`,
  });
  const registry = await registryProcess(common, options.databaseUrl, {}, nodeArgs);
  const gateway = await gatewayProcess(common, options.issuer, {}, nodeArgs);
  const router = serviceProcess('ondemand-router', common, await freePort(), nodeArgs);
  const workerEnv = { ...common, ...clearmlEnv(options.clearmlUrl), ENQUEUE_CONCURRENCY: String(options.concurrency) };
  const worker = serviceProcess('enqueue-worker', workerEnv, await freePort(), nodeArgs);
  return { servingPort, serving, registry, gateway, router, worker };
}

/**
 * The bare relay (ondemand/relay.ts) in its two processes, not started: the same hops as the
 * product with none of its work, in front of the serving peer at `servingUrl`. Both halves are
 * ready once the gateway half's /ready answers, which it does once a ping crossed to the other.
 */
export async function bareRelay(
  servingUrl: string,
  subject: string,
): Promise<{ url: string; processes: ReturnType<typeof nodeProcess>[] }> {
  const port = await freePort();
  const processes = ['gateway', 'router'].map((role) =>
    nodeProcess({
      name: `relay-${role}`,
      entry: 'dist/tests/bench/ondemand/relay.js',
      args: [role, role === 'gateway' ? String(port) : servingUrl, subject],
      env: { NATS_URL: DEV_NATS_URL },
      readyUrl: `http://127.0.0.1:${port}/ready`,
    }),
  );
  return { url: `http://127.0.0.1:${port}`, processes };
}

/** POSTs to the gateway's API as `token` (registering the bench's machines, endpoints and tasks); throws unless 2xx. */
export function poster(gatewayUrl: string, token: string) {
  return async (path: string, body: unknown): Promise<Record<string, string>> => {
    const res = await api(gatewayUrl, path, { token, body });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json as Record<string, string>;
  };
}
