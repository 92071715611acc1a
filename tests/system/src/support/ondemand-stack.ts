import { OidcPeer, ServingPeer, startOidcPeer, startServingPeer } from '@cleargate/peers';
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

export interface OndemandStack {
  gatewayUrl: string;
  oidc: OidcPeer;
  serving: ServingPeer;
  db: TestDatabase;
  registry: ServiceProcess;
  router: ServiceProcess;
  gateway: ServiceProcess;
  services: ServiceProcess[];
  close(): Promise<void>;
}

/**
 * registry + ondemand-router + auth-gateway as separate processes on the real NATS and
 * PostgreSQL (throwaway namespace and database), with the OIDC and serving peers.
 */
export async function startOndemandStack(): Promise<OndemandStack> {
  const [oidc, serving, db] = await Promise.all([startOidcPeer(), startServingPeer(), createTestDatabase()]);
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'debug' };
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const router = serviceProcess(
    'ondemand-router',
    { ...common, CALLLOG_FLUSH_MS: '20', BREAKER_HALF_OPEN_AFTER_MS: '500' },
    await freePort(),
  );
  const gateway = await gatewayProcess(common, oidc.issuer);
  const services = [registry, router, gateway];
  await registry.start();
  await Promise.all([router.start(), gateway.start()]);
  return {
    gatewayUrl: gateway.url,
    oidc,
    serving,
    db,
    registry,
    router,
    gateway,
    services,
    async close() {
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all([oidc.close(), serving.close(), db.drop(), dropNamespace(namespace)]);
    },
  };
}
