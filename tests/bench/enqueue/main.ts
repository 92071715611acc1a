/**
 * Enqueue benchmark, every process on this machine, 20 ms injected into every ClearML call:
 * 1. acceptance: autocannon POST /v1/runs through the gateway (202 once the run is stored and
 *    its message is in JetStream), alternating in BENCH_ROUNDS rounds with on-demand calls
 *    through the same gateway (POST /v1/ondemand/{machine}/{endpoint} → router → serving peer),
 *    the baseline it is measured against; then the compatible route
 *    (POST /clearml/serve/enqueue_task), which answers once ClearML has the run;
 * 2. end to end: how fast the enqueue worker brings the accepted runs to `queued` in the ClearML
 *    peer (tag lookup, clone, enqueue), over BACKLOG_SEC of its backlog;
 * 3. the original API's nine-call sequence per request (get the task, clone, reload, write the
 *    parameters, reload, clear the container, look the queue up twice, enqueue), replayed
 *    against the same peer with the same parallelism as the worker.
 *
 *   npm run bench:enqueue            (DURATION_SEC=9, BENCH_ROUNDS=3, CLEARML_LATENCY_MS=20)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { join } from 'node:path';
import { ClearmlClient, toHyperparams, hyperparamsBySection } from '@cleargate/clearml';
import { startOidcPeer } from '@cleargate/peers';
import { createTestDatabase, DEV_NATS_URL, dropNamespace, createTestNamespace } from '@cleargate/testing';
import {
  benchEnv,
  benchNodeArgs,
  combine,
  CpuMeter,
  devServicePids,
  Figures,
  load,
  OUT_DIR,
  benchServices,
  clearmlPeer,
  knob,
  poster,
} from '../support';

const DURATION = knob('DURATION_SEC', 9);
const ROUNDS = Math.max(1, knob('BENCH_ROUNDS', 3));
/** Whole seconds: autocannon ends a run at its first one-second sample after the duration. */
const SLICE = Math.max(1, Math.round(DURATION / ROUNDS));
const WARMUP = Math.max(1, Math.round(DURATION / 4));
const BACKLOG_SEC = knob('BACKLOG_SEC', 8);
const CONNECTIONS = knob('BENCH_CONNECTIONS', 32);
const LATENCY = knob('CLEARML_LATENCY_MS', 20);
const CONCURRENCY = 16;
const TEMPLATE = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';

async function peerCalls(url: string): Promise<Record<string, number>> {
  return ((await fetch(`${url}/__peer/calls`).then((r) => r.json())) as { calls: Record<string, number> }).calls;
}

async function main(): Promise<void> {
  const oidc = await startOidcPeer();
  const db = await createTestDatabase('cg_bench');
  const namespace = await createTestNamespace();
  const { url: clearmlUrl, process: clearml } = await clearmlPeer(
    'enqueue',
    {
      projects: [{ id: 'p-bench', name: 'Bench' }],
      queues: [{ id: 'q-default', name: 'default', default: true }],
      tasks: [
        {
          id: TEMPLATE,
          name: 'bench_template',
          project: 'p-bench',
          status: 'completed',
          hyperparams: { General: { lr: '0.01', epochs: '10' } },
          container: { image: 'bench:1' },
        },
      ],
    },
    LATENCY,
  );
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', ...benchEnv() };
  const nodeArgs = benchNodeArgs();
  const { servingPort, serving, registry, gateway, router, worker } = await benchServices({
    common,
    databaseUrl: db.url,
    issuer: oidc.issuer,
    clearmlUrl,
    concurrency: CONCURRENCY,
    nodeArgs,
  });
  const processes = [clearml, serving, registry, gateway, router, worker];
  const client = new ClearmlClient({
    apiHost: clearmlUrl,
    accessKey: 'cleargate-access',
    secretKey: 'cleargate-secret',
    timeoutMs: 30_000,
    connections: CONCURRENCY,
  });
  const pg = new Client({ connectionString: db.url });
  try {
    for (const p of processes) await p.start();
    await pg.connect();
    const gatewayUrl = gateway.url;
    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 3600 });
    const user = await oidc.mint({ username: 'observer' }, { ttlSec: 3600 });
    const post = poster(gatewayUrl, admin);
    const template = await post('/v1/tasks', { clearml_task_id: TEMPLATE, default_queue: 'default' });
    const machine = await post('/v1/machines', {
      name: 'bench-gpu',
      base_url: `http://127.0.0.1:${servingPort}`,
      protocol: 'clearml-serving',
    });
    await post('/v1/endpoints', { machine_id: machine.machine_id, name: 'test_model_sklearn' });
    const auth = { authorization: `Bearer ${user}` };
    const runsUrl = `${gatewayUrl}/v1/runs`;
    const runBody = JSON.stringify({ task_id: template.task_id, params: { lr: 0.1, horizon: 24 } });
    const ondemandUrl = `${gatewayUrl}/v1/ondemand/${machine.machine_id}/test_model_sklearn`;
    const ondemandBody = JSON.stringify({ x0: 1, x1: 2 });
    const compatUrl = `${gatewayUrl}/clearml/serve/enqueue_task`;

    // The compatible route first: it waits for ClearML, so it must not queue behind a backlog.
    console.log(`1. acceptance: the compatible route for ${SLICE}s at ${CONNECTIONS} connections (it answers once ClearML has the run)`);
    const compat = await load(compatUrl, runBody, CONNECTIONS, SLICE, auth);
    await drain(pg, clearmlUrl, 120_000);

    console.log(`   warming up (${WARMUP}s each), then ${ROUNDS} rounds of on-demand calls and POST /v1/runs (${SLICE}s each)`);
    await load(ondemandUrl, ondemandBody, CONNECTIONS, WARMUP, auth);
    await load(runsUrl, runBody, CONNECTIONS, WARMUP, auth);
    const ondemandRounds: Figures[] = [];
    const runRounds: Figures[] = [];
    const dev = await devServicePids();
    const cpu = { ondemand: new CpuMeter(processes, dev), runs: new CpuMeter(processes, dev) };
    for (let round = 0; round < ROUNDS; round++) {
      ondemandRounds.push(await cpu.ondemand.during(() => load(ondemandUrl, ondemandBody, CONNECTIONS, SLICE, auth)));
      runRounds.push(await cpu.runs.during(() => load(runsUrl, runBody, CONNECTIONS, SLICE, auth)));
    }
    const ondemand = combine(ondemandRounds);
    const accepted = combine(runRounds);
    // Requests still in flight when autocannon stopped were stored too: count runs where they are.
    const runs = await count(pg, 'SELECT count(*) AS n FROM runs');
    const cpuPerRequest = {
      ondemand: cpu.ondemand.perRequest(ondemandRounds.reduce((n, r) => n + r.rps, 0) * SLICE),
      runs: cpu.runs.perRequest(runRounds.reduce((n, r) => n + r.rps, 0) * SLICE),
    };

    console.log(`2. end to end: the worker's pace over ${BACKLOG_SEC}s of its backlog (${LATENCY} ms per ClearML call)`);
    const backlogStart = await queuedRuns(pg);
    const backlogStarted = performance.now();
    await new Promise((r) => setTimeout(r, BACKLOG_SEC * 1000));
    const workerRunsPerSec = ((await queuedRuns(pg)) - backlogStart) / ((performance.now() - backlogStarted) / 1000);
    await worker.stop();
    const calls = await peerCalls(clearmlUrl);
    const clones = calls['tasks.clone'] ?? 0;
    const writesPerRun = (clones + (calls['tasks.enqueue'] ?? 0)) / clones;
    const readsPerRun = ((calls['tasks.get_all'] ?? 0) + (calls['tasks.get_by_id'] ?? 0) + (calls['queues.get_all'] ?? 0)) / clones;

    const originalRuns = knob('ORIGINAL_RUNS', 400);
    console.log(`3. the original nine-call sequence for ${originalRuns} requests, ${CONCURRENCY} at a time`);
    const latencies: number[] = [];
    let next = 0;
    const originalStarted = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < originalRuns) {
          next++;
          const t0 = performance.now();
          const task = await client.tasks.getById(TEMPLATE); // Task.get_task
          const { id } = await client.tasks.clone({ task: TEMPLATE, new_task_name: `${task.name}_replay` }); // Task.clone
          const clone = await client.tasks.getById(id); // reload
          const hp = { ...(clone.hyperparams as object), ...hyperparamsBySection(toHyperparams({ lr: 0.1, horizon: 24 })) };
          await client.tasks.edit({ task: id, force: true, hyperparams: hp }); // connect()
          await client.tasks.getById(id); // reload
          await client.tasks.edit({ task: id, force: true, container: { image: '', arguments: '', setup_shell_script: '' } }); // set_base_docker(None)
          await client.queues.getById('default').catch(() => undefined); // the SDK tries the name as an id first
          const { queues } = await client.queues.getAll({ name: '^default$', only_fields: ['id'] });
          await client.tasks.enqueue({ task: id, queue: queues[0]!.id });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const originalSeconds = (performance.now() - originalStarted) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;

    const report = {
      clearml_latency_ms: LATENCY,
      connections: CONNECTIONS,
      ondemand_gateway: ondemand,
      acceptance: { ...accepted, runs },
      acceptance_vs_ondemand: { throughput: accepted.rps / ondemand.rps, p99: accepted.p99 / ondemand.p99 },
      compat_route: compat,
      cpu_us_per_request: cpuPerRequest,
      end_to_end: {
        runs_per_sec: workerRunsPerSec,
        clearml_writes_per_run: writesPerRun,
        clearml_reads_per_run: readsPerRun,
      },
      original: {
        runs: originalRuns,
        runs_per_sec: originalRuns / originalSeconds,
        caller_wait_p50_ms: pct(0.5),
        caller_wait_p99_ms: pct(0.99),
        clearml_calls_per_run: 9,
      },
    };
    const row = (name: string, f: Figures) =>
      `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(7)} ${String(f.p50).padStart(7)} ${String(f.p99).padStart(7)} ${String(f.errors).padStart(7)} ${String(f.non2xx).padStart(8)}`;
    console.log(`
at ${CONNECTIONS} connections                     req/s  p50 ms  p99 ms  errors  non-2xx
${row('on-demand calls (baseline)', ondemand)}
${row('POST /v1/runs', accepted)}
${row('compatible route (until queued)', compat)}
rounds (on-demand req/s, p99; runs req/s, p99): ${ondemandRounds.map((o, i) => `${o.rps.toFixed(0)}/${o.p99} ${runRounds[i]!.rps.toFixed(0)}/${runRounds[i]!.p99}`).join(', ')}

CPU per request (µs), on-demand / POST /v1/runs:
${Object.keys(cpuPerRequest.runs)
  .map(
    (k) => `  ${k.padEnd(16)} ${(cpuPerRequest.ondemand[k] ?? 0).toFixed(0).padStart(5)} ${cpuPerRequest.runs[k]!.toFixed(0).padStart(5)}`,
  )
  .join('\n')}

acceptance / on-demand: throughput ${(report.acceptance_vs_ondemand.throughput * 100).toFixed(1)} % (target ≥ 40 %), p99 ${report.acceptance_vs_ondemand.p99.toFixed(2)}× (target ≤ 3×)

                                   ClearGate            original (9 calls per request)
caller waits (p50 / p99)           ${accepted.p50} / ${accepted.p99} ms            ${pct(0.5).toFixed(0)} / ${pct(0.99).toFixed(0)} ms
requests accepted per second       ${accepted.rps.toFixed(0)}                 ${report.original.runs_per_sec.toFixed(0)}
runs queued in ClearML per second  ${workerRunsPerSec.toFixed(0)}                  ${report.original.runs_per_sec.toFixed(0)}
ClearML writes per run             ${writesPerRun.toFixed(2)}                 4
ClearML calls per run              ${(writesPerRun + readsPerRun).toFixed(2)}                 9

end-to-end throughput ratio (ClearGate / original): ${(workerRunsPerSec / report.original.runs_per_sec).toFixed(2)}x`);
    writeFileSync(join(OUT_DIR, 'bench-enqueue.json'), JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2));
  } finally {
    await pg.end().catch(() => undefined);
    await client.close();
    await Promise.all(processes.map((p) => p.stop()));
    // BENCH_LOG_DIR=tmp/bench-logs keeps each service's output, one file each
    const logDir = process.env.BENCH_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      for (const p of processes) writeFileSync(join(logDir, `${p.name}.log`), p.lines.join('\n') + '\n');
    }
    await Promise.all([oidc.close(), db.drop(), dropNamespace(namespace)]);
  }
}

async function count(pg: Client, sql: string): Promise<number> {
  return Number((await pg.query(sql)).rows[0].n);
}

/** Runs ClearML has taken (queued or beyond), as the registry knows them. */
const queuedRuns = (pg: Client) => count(pg, "SELECT count(*) AS n FROM runs WHERE status NOT IN ('accepted', 'retrying')");

/** Waits until every stored run is queued in ClearML. */
async function drain(pg: Client, clearmlUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await count(pg, "SELECT count(*) AS n FROM runs WHERE status IN ('accepted', 'retrying')")) > 0) {
    if (Date.now() > deadline) throw new Error(`runs still waiting for ClearML after ${timeoutMs} ms (${clearmlUrl})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
