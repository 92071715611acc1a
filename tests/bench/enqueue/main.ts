/**
 * Enqueue benchmark, every process on this machine, 20 ms injected into every ClearML call:
 * 1. acceptance: autocannon POST /v1/runs through the gateway (202 once the run is stored);
 * 2. end to end: how fast those runs reach `queued` in the ClearML peer (worker: tag lookup,
 *    clone, enqueue);
 * 3. the original API's nine-call sequence per request (get the task, clone, reload, write the
 *    parameters, reload, clear the container, look the queue up twice, enqueue), replayed
 *    against the same peer with the same parallelism as the worker.
 *
 *   npm run bench:enqueue            (DURATION_SEC=5, CLEARML_LATENCY_MS=20)
 */
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { join } from 'node:path';
import { ClearmlClient, toHyperparams, hyperparamsBySection } from '@cleargate/clearml';
import { startOidcPeer } from '@cleargate/peers';
import {
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  nodeProcess,
  registryProcess,
  ROOT,
  serviceProcess,
  createTestNamespace,
} from '@cleargate/testing';

const DURATION = Number(process.env.DURATION_SEC ?? 5);
const LATENCY = Number(process.env.CLEARML_LATENCY_MS ?? 20);
const CONCURRENCY = 16;
const TEMPLATE = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';

async function peerCalls(url: string): Promise<Record<string, number>> {
  return ((await fetch(`${url}/__peer/calls`).then((r) => r.json())) as { calls: Record<string, number> }).calls;
}

async function main(): Promise<void> {
  const oidc = await startOidcPeer();
  const db = await createTestDatabase('cg_bench');
  const namespace = await createTestNamespace();
  const clearmlPort = await freePort();
  const clearmlUrl = `http://127.0.0.1:${clearmlPort}`;
  const seedFile = join(ROOT, 'tmp', 'bench-enqueue-seed.json');
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  writeFileSync(
    seedFile,
    JSON.stringify({
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
    }),
  );
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn' };
  const clearml = nodeProcess({
    name: 'clearml-peer',
    entry: 'dist/tests/peers/src/clearml/main.js',
    args: ['--port', String(clearmlPort), '--seed', seedFile, '--no-agents', '--latency-ms', String(LATENCY)],
    readyUrl: `${clearmlUrl}/debug.ping`,
  });
  const registry = await registryProcess(common, db.url);
  const gateway = await gatewayProcess(common, oidc.issuer);
  const worker = serviceProcess(
    'enqueue-worker',
    {
      ...common,
      CLEARML_API_HOST: clearmlUrl,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      ENQUEUE_CONCURRENCY: String(CONCURRENCY),
    },
    await freePort(),
  );
  const processes = [clearml, registry, gateway, worker];
  const client = new ClearmlClient({
    apiHost: clearmlUrl,
    accessKey: 'cleargate-access',
    secretKey: 'cleargate-secret',
    timeoutMs: 30_000,
    connections: CONCURRENCY,
  });
  try {
    for (const p of processes) await p.start();
    const gatewayUrl = gateway.url;
    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 3600 });
    const user = await oidc.mint({ username: 'observer' }, { ttlSec: 3600 });
    const template = (await fetch(`${gatewayUrl}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clearml_task_id: TEMPLATE, default_queue: 'default' }),
    }).then((r) => r.json())) as { task_id: string };

    console.log(`1. acceptance: POST /v1/runs for ${DURATION}s at 32 connections`);
    const enqueuesBefore = (await peerCalls(clearmlUrl))['tasks.enqueue'] ?? 0;
    const started = performance.now();
    const accepted = await autocannon({
      url: `${gatewayUrl}/v1/runs`,
      method: 'POST',
      connections: 32,
      duration: DURATION,
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: template.task_id, params: { lr: 0.1, horizon: 24 } }),
    });
    // Requests still in flight when autocannon stopped were stored too: count runs where they are.
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const runs = Number((await pg.query('SELECT count(*) AS n FROM runs')).rows[0].n);
    await pg.end();

    console.log(`2. end to end: waiting for ${runs} runs to be queued in ClearML (${LATENCY} ms per call)`);
    let queued = 0;
    while (queued < runs) {
      await new Promise((r) => setTimeout(r, 250));
      queued = ((await peerCalls(clearmlUrl))['tasks.enqueue'] ?? 0) - enqueuesBefore;
    }
    const e2eSeconds = (performance.now() - started) / 1000;
    const calls = await peerCalls(clearmlUrl);
    const writesPerRun = ((calls['tasks.clone'] ?? 0) + (calls['tasks.enqueue'] ?? 0)) / runs;
    const readsPerRun = ((calls['tasks.get_all'] ?? 0) + (calls['tasks.get_by_id'] ?? 0) + (calls['queues.get_all'] ?? 0)) / runs;

    const originalRuns = Math.min(runs, 400);
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
      acceptance: {
        requests_per_sec: accepted.requests.average,
        p50_ms: accepted.latency.p50,
        p99_ms: accepted.latency.p99,
        non2xx: accepted.non2xx,
        runs,
      },
      end_to_end: {
        runs,
        seconds: e2eSeconds,
        runs_per_sec: runs / e2eSeconds,
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
    console.log(`
                                   ClearGate            original (9 calls per request)
caller waits (p50 / p99)           ${report.acceptance.p50_ms} / ${report.acceptance.p99_ms} ms            ${pct(0.5).toFixed(0)} / ${pct(0.99).toFixed(0)} ms
requests accepted per second       ${report.acceptance.requests_per_sec.toFixed(0)}                  ${report.original.runs_per_sec.toFixed(0)}
runs queued in ClearML per second  ${report.end_to_end.runs_per_sec.toFixed(0)}                   ${report.original.runs_per_sec.toFixed(0)}
ClearML writes per run             ${writesPerRun.toFixed(2)}                 4
ClearML calls per run              ${(writesPerRun + readsPerRun).toFixed(2)}                 9

end-to-end throughput ratio (ClearGate / original): ${(report.end_to_end.runs_per_sec / report.original.runs_per_sec).toFixed(2)}x`);
    writeFileSync(join(ROOT, 'tmp', 'bench-enqueue.json'), JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2));
  } finally {
    await client.close();
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all([oidc.close(), db.drop(), dropNamespace(namespace)]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
