/**
 * The ClearGate services the Python interop tests talk to, as deployed: registry, auth-gateway and
 * enqueue-worker as processes (the built `dist/apps/*`) on the development PostgreSQL (a throwaway
 * database) and NATS (a random namespace).
 *
 *   node dist/tests/interop/python/support/cleargate-stack.js
 *
 * Environment: `CLEARML_API_HOST` (and optionally `CLEARML_API_ACCESS_KEY`,
 * `CLEARML_API_SECRET_KEY`) for the worker, `OIDC_ISSUER_URL` for the gateway, `DATABASE_URL` and
 * `NATS_URL` as for every other test, `INTEROP_LOG_DIR` to keep each service's log lines there.
 * Prints one JSON line `{"gateway": url}` once every service is ready; stops the services and
 * drops the database and the namespace on SIGTERM, SIGINT or when its standard input closes (the
 * test process is gone), then exits.
 */
import { clearmlEnv, gatewayProcess, registryProcess, workerProcess } from '@cleargate/testing';
import { runStackProgram } from './stack-program';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const clearmlHost = required('CLEARML_API_HOST');
  const issuer = required('OIDC_ISSUER_URL');
  await runStackProgram({ name: 'cleargate stack', databasePrefix: 'cg_interop' }, async ({ base, add }) => {
    const { common, db } = await base;
    await add(await registryProcess(common, db.url));
    const gateway = await gatewayProcess(common, issuer, { ENQUEUE_COMPAT_WAIT_MS: '30000' });
    const worker = await workerProcess(
      common,
      clearmlEnv(clearmlHost, {
        accessKey: process.env.CLEARML_API_ACCESS_KEY ?? 'cleargate-access',
        secretKey: process.env.CLEARML_API_SECRET_KEY ?? 'cleargate-secret',
      }),
    );
    await Promise.all([add(gateway), add(worker)]);
    return { gateway: gateway.url };
  });
}

void main();
