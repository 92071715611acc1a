import { ClearmlPeer, OidcPeer, ServingPeer, startClearmlPeer, startOidcPeer, startServingPeer } from '@cleargate/peers';
import {
  createTestDatabase,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  registryProcess,
  ServiceProcess,
  serviceProcess,
  TestDatabase,
} from '@cleargate/testing';

export const LIMITS_TEMPLATE_TASK = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';

export interface LimitsStack {
  /** Two gateway replicas on one NATS: the shared limits are proven through both. */
  gateways: [string, string];
  gatewayProcesses: [ServiceProcess, ServiceProcess];
  oidc: OidcPeer;
  serving: ServingPeer;
  clearml: ClearmlPeer;
  db: TestDatabase;
  services: ServiceProcess[];
  close(): Promise<void>;
}

/**
 * registry + ondemand-router + two auth-gateways + enqueue-worker as processes on the real NATS
 * and PostgreSQL, with the OIDC, serving and ClearML peers (one agent per queue; a task named
 * "long …" runs for a minute).
 */
export async function startLimitsStack(router: Record<string, string> = {}): Promise<LimitsStack> {
  const [oidc, serving, clearml, db] = await Promise.all([
    startOidcPeer(),
    startServingPeer(),
    startClearmlPeer({
      agents: { pollIntervalMs: 20, script: { durationMs: 300 }, rules: [{ name: /^long/, script: { durationMs: 60_000 } }] },
      seed: {
        projects: [{ id: 'p-lim', name: 'Snap4City' }],
        queues: [
          { id: 'q-default', name: 'default', default: true },
          { id: 'q-gpu', name: 'gpu' },
          { id: 'q-privileged', name: 'privileged' },
        ],
        tasks: [{ id: LIMITS_TEMPLATE_TASK, name: 'traffic_forecast', project: 'p-lim', status: 'completed' }],
      },
    }),
    createTestDatabase(),
  ]);
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const routerProcess = serviceProcess('ondemand-router', { ...common, CALLLOG_FLUSH_MS: '20', ...router }, await freePort());
  const gatewayA = await gatewayProcess(common, oidc.issuer, { ENQUEUE_COMPAT_WAIT_MS: '2000' });
  const gatewayB = await gatewayProcess(common, oidc.issuer, { ENQUEUE_COMPAT_WAIT_MS: '2000' });
  const worker = serviceProcess(
    'enqueue-worker',
    {
      ...common,
      CLEARML_API_HOST: clearml.url,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      ENQUEUE_BACKOFF_MS: '200,500',
    },
    await freePort(),
  );
  const services = [registry, routerProcess, gatewayA, gatewayB, worker];
  await registry.start();
  await Promise.all([routerProcess.start(), gatewayA.start(), gatewayB.start(), worker.start()]);
  return {
    gateways: [gatewayA.url, gatewayB.url],
    gatewayProcesses: [gatewayA, gatewayB],
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
