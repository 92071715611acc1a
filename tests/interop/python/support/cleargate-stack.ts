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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  registryProcess,
  ServiceProcess,
  serviceProcess,
  createTestNamespace,
} from '@cleargate/testing';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const clearmlHost = required('CLEARML_API_HOST');
  const issuer = required('OIDC_ISSUER_URL');
  const logDir = process.env.INTEROP_LOG_DIR;
  const namespace = await createTestNamespace();
  const services: ServiceProcess[] = [];
  const database = createTestDatabase('cg_interop');

  // Registered at once: whatever exists when the end comes, even mid-start, is removed.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.allSettled(services.map((s) => s.stop()));
      if (logDir) {
        mkdirSync(logDir, { recursive: true });
        for (const s of services) writeFileSync(join(logDir, `${s.name}.log`), `${s.lines.join('\n')}\n`);
      }
      const db = await database.catch(() => undefined);
      const removed = await Promise.allSettled([db?.drop(), dropNamespace(namespace)]);
      for (const r of removed) if (r.status === 'rejected') process.stderr.write(`cleanup failed: ${String(r.reason)}\n`);
    })());
  const exit = (code: number) => () => void stop().finally(() => process.exit(code));
  process.once('SIGTERM', exit(0));
  process.once('SIGINT', exit(0));
  process.stdin.once('end', exit(0)).resume();
  /** Start one more service unless the end has come meanwhile. */
  const add = async (service: ServiceProcess): Promise<void> => {
    if (stopping) throw new Error('stopped while starting');
    services.push(service);
    await service.start();
  };

  try {
    const db = await database;
    const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
    await add(await registryProcess(common, db.url));
    const gateway = await gatewayProcess(common, issuer, { ENQUEUE_COMPAT_WAIT_MS: '30000' });
    const worker = serviceProcess(
      'enqueue-worker',
      {
        ...common,
        CLEARML_API_HOST: clearmlHost,
        CLEARML_API_ACCESS_KEY: process.env.CLEARML_API_ACCESS_KEY ?? 'cleargate-access',
        CLEARML_API_SECRET_KEY: process.env.CLEARML_API_SECRET_KEY ?? 'cleargate-secret',
        ENQUEUE_BACKOFF_MS: '200,500,1000',
      },
      await freePort(),
    );
    await Promise.all([add(gateway), add(worker)]);
    process.stdout.write(`${JSON.stringify({ gateway: gateway.url })}\n`);
  } catch (err) {
    if (stopping) return;
    process.stderr.write(`cleargate stack failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop();
    process.exit(1);
  }
}

void main();
