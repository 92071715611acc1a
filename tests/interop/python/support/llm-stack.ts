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
import { startServingPeer } from '@cleargate/peers';
import { api, gatewayProcess, registryProcess, routerProcess, waitFor } from '@cleargate/testing';
import { runStackProgram } from './stack-program';

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
  const serving = await startServingPeer({ name: 'vllm-1', llms: ['llama', 'embedder'] });
  await runStackProgram(
    { name: 'cleargate llm stack', databasePrefix: 'cg_llm', logPrefix: 'llm-', resources: [serving] },
    async ({ base, add }) => {
      const { common, db } = await base;
      await add(await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' }));
      const gateway = await gatewayProcess(common, issuer);
      await Promise.all([add(gateway), add(await routerProcess(common))]);
      const token = await adminToken(issuer);
      const machine = await api(gateway.url, '/v1/machines', {
        token,
        body: { name: 'vllm-1', base_url: serving.url, protocol: 'openai' },
      });
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
      return { gateway: gateway.url, serving: serving.url };
    },
  );
}

void main();
