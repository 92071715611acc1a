import { CLEARML_DEMO_SEED, ClearmlPeer, OidcPeer, ServingPeer, startClearmlPeer, startOidcPeer, startServingPeer } from '@cleargate/peers';
import {
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  registryProcess,
  ServiceProcess,
  serviceProcess,
  TestDatabase,
  createTestNamespace,
} from '@cleargate/testing';

export interface ConsoleStack {
  gatewayUrl: string;
  consoleUrl: string;
  oidc: OidcPeer;
  serving: ServingPeer;
  clearml: ClearmlPeer;
  db: TestDatabase;
  services: ServiceProcess[];
  close(): Promise<void>;
}

/**
 * Everything the console talks to, as deployed: registry, ondemand-router, auth-gateway (serving
 * the built console), enqueue-worker and monitor as processes on the real PostgreSQL and NATS,
 * with the OIDC, serving-machine and ClearML peers (agents running tasks in about a second).
 */
export async function startConsoleStack(options: { accessTokenTtlSec?: number } = {}): Promise<ConsoleStack> {
  const [oidc, serving, clearml, db] = await Promise.all([
    startOidcPeer({ accessTokenTtlSec: options.accessTokenTtlSec ?? 300 }),
    startServingPeer({ name: 'e2e-gpu' }),
    startClearmlPeer({ seed: CLEARML_DEMO_SEED, agents: { script: { durationMs: 1500 } } }),
    createTestDatabase('cg_e2e'),
  ]);
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const clearmlEnv = {
    CLEARML_API_HOST: clearml.url,
    CLEARML_API_ACCESS_KEY: 'cleargate-access',
    CLEARML_API_SECRET_KEY: 'cleargate-secret',
  };
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const router = serviceProcess('ondemand-router', { ...common, CALLLOG_FLUSH_MS: '20' }, await freePort());
  const gateway = await gatewayProcess(common, oidc.issuer, { CLEARML_WEB_HOST: 'https://app.clearml.example' });
  const worker = serviceProcess('enqueue-worker', { ...common, ...clearmlEnv }, await freePort());
  const monitor = serviceProcess('monitor', { ...common, ...clearmlEnv, MONITOR_POLL_INTERVAL_MS: '300' }, await freePort());
  const services = [registry, router, gateway, worker, monitor];
  await registry.start();
  await Promise.all([router.start(), gateway.start(), worker.start(), monitor.start()]);
  const consoleUrl = `${gateway.url}/console/`;
  // The console's public client, registered for where this gateway serves it.
  oidc.registerConsole(consoleUrl);
  return {
    gatewayUrl: gateway.url,
    consoleUrl,
    oidc,
    serving,
    clearml,
    db,
    services,
    async close() {
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all([oidc.close(), serving.close(), clearml.close(), db.drop(), dropNamespace(namespace)]);
    },
  };
}
