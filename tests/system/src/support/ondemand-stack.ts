import { OidcPeer, ServingPeer, startOidcPeer, startServingPeer } from '@cleargate/peers';
import {
  closeStack,
  createStackBase,
  gatewayProcess,
  registryProcess,
  routerProcess,
  ServiceProcess,
  startServices,
  TestDatabase,
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
  const [oidc, serving, base] = await Promise.all([startOidcPeer(), startServingPeer(), createStackBase({ logLevel: 'debug' })]);
  const { common, db } = base;
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const router = await routerProcess(common, { BREAKER_HALF_OPEN_AFTER_MS: '500' });
  const gateway = await gatewayProcess(common, oidc.issuer);
  const services = await startServices(registry, router, gateway);
  return {
    gatewayUrl: gateway.url,
    oidc,
    serving,
    db,
    registry,
    router,
    gateway,
    services,
    close: () => closeStack(services, [oidc, serving, base]),
  };
}
