/**
 * ClearGate in front of an LLM, for the Python `openai` package's tests: registry, ondemand-router
 * and auth-gateway as processes (the built `dist/apps/*`) on the development PostgreSQL (a
 * throwaway database) and NATS (a random namespace), and the serving peer's vLLM stand-in in
 * this process, registered as the `openai` machine `vllm-1` with the LLM endpoint `llama` (timeout
 * 5 s) and the embeddings endpoint `embedder`, both public.
 *
 *   node dist/tests/interop/python/support/llm-stack.js
 *
 * Environment: `OIDC_ISSUER_URL` (the OIDC peer; `rootadmin` registers the machine through the
 * password grant), `DATABASE_URL` and `NATS_URL` as for every other test, `INTEROP_LOG_DIR` to
 * keep each service's log lines there. Prints one JSON line `{"gateway": url, "serving": url}` once
 * ready (the peer's `/__peer/llm` control route sets delays and failures and lists the requests it
 * got); stops everything on SIGTERM, SIGINT or when its standard input closes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServingPeer } from '@cleargate/peers';
import {
  api,
  createTestDatabase,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  registryProcess,
  ServiceProcess,
  serviceProcess,
  waitFor,
} from '@cleargate/testing';

async function adminToken(issuer: string): Promise<string> {
  const res = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'nodered-iotedge', username: 'rootadmin', password: 'rootadmin' }),
  });
  if (!res.ok) throw new Error(`the OIDC peer refused rootadmin's login: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function main(): Promise<void> {
  const issuer = process.env.OIDC_ISSUER_URL;
  if (!issuer) throw new Error('OIDC_ISSUER_URL is required');
  const logDir = process.env.INTEROP_LOG_DIR;
  const namespace = await createTestNamespace();
  const services: ServiceProcess[] = [];
  const database = createTestDatabase('cg_llm');
  const serving = await startServingPeer({ name: 'vllm-1', llms: ['llama', 'embedder'] });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.allSettled(services.map((s) => s.stop()));
      if (logDir) {
        mkdirSync(logDir, { recursive: true });
        for (const s of services) writeFileSync(join(logDir, `llm-${s.name}.log`), `${s.lines.join('\n')}\n`);
      }
      const db = await database.catch(() => undefined);
      const removed = await Promise.allSettled([db?.drop(), dropNamespace(namespace), serving.close()]);
      for (const r of removed) if (r.status === 'rejected') process.stderr.write(`cleanup failed: ${String(r.reason)}\n`);
    })());
  const exit = (code: number) => () => void stop().finally(() => process.exit(code));
  process.once('SIGTERM', exit(0));
  process.once('SIGINT', exit(0));
  process.stdin.once('end', exit(0)).resume();
  const add = async (service: ServiceProcess): Promise<void> => {
    if (stopping) throw new Error('stopped while starting');
    services.push(service);
    await service.start();
  };

  try {
    const db = await database;
    const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
    await add(await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' }));
    const gateway = await gatewayProcess(common, issuer);
    const router = serviceProcess('ondemand-router', { ...common, CALLLOG_FLUSH_MS: '20' }, await freePort());
    await Promise.all([add(gateway), add(router)]);
    const token = await adminToken(issuer);
    const machine = await api(gateway.url, '/v1/machines', { token, body: { name: 'vllm-1', base_url: serving.url, protocol: 'openai' } });
    if (machine.status !== 201) throw new Error(`registering the machine answered ${machine.status}: ${JSON.stringify(machine.json)}`);
    for (const body of [
      { machine_id: machine.json.machine_id, name: 'llama', timeout_ms: 5000 },
      { machine_id: machine.json.machine_id, name: 'embedder' },
    ]) {
      const endpoint = await api(gateway.url, '/v1/endpoints', { token, body });
      if (endpoint.status !== 201) throw new Error(`registering ${body.name} answered ${endpoint.status}`);
    }
    // Ready once the router has heard of both endpoints.
    await waitFor(async () => {
      const models = await api(gateway.url, '/openai/v1/models', { token });
      return models.status === 200 && models.json.data.length === 2;
    });
    process.stdout.write(`${JSON.stringify({ gateway: gateway.url, serving: serving.url })}\n`);
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`cleargate llm stack failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop();
    process.exit(1);
  }
}

void main();
