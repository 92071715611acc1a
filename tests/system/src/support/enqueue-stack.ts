import { ClearmlPeer, ClearmlPeerOptions, clearmlTrafficForecastSeed, OidcPeer, startClearmlPeer, startOidcPeer } from '@cleargate/peers';
import {
  clearmlEnv,
  closeStack,
  createStackBase,
  gatewayProcess,
  registryProcess,
  ServiceProcess,
  startServices,
  TestDatabase,
  workerProcess,
} from '@cleargate/testing';

export interface EnqueueStack {
  gatewayUrl: string;
  oidc: OidcPeer;
  clearml: ClearmlPeer;
  db: TestDatabase;
  registry: ServiceProcess;
  gateway: ServiceProcess;
  worker: ServiceProcess;
  services: ServiceProcess[];
  close(): Promise<void>;
}

export const TEMPLATE_TASK = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/**
 * registry + auth-gateway + enqueue-worker as processes on the real NATS and PostgreSQL, with
 * the ClearML peer (a template task with General hyperparameters and a container, queues
 * `default` and `gpu`, agents off unless asked) and the OIDC peer.
 */
export async function startEnqueueStack(
  options: {
    latencyMs?: number;
    agents?: ClearmlPeerOptions['agents'];
    worker?: Record<string, string>;
  } = {},
): Promise<EnqueueStack> {
  const [oidc, clearml, base] = await Promise.all([
    startOidcPeer(),
    startClearmlPeer({
      agents: options.agents ?? false,
      latencyMs: options.latencyMs ?? 0,
      seed: clearmlTrafficForecastSeed({
        id: TEMPLATE_TASK,
        hyperparams: { General: { lr: '0.01', epochs: '10' }, Args: { seed: '42' } },
        container: { image: 'snap4city/traffic-forecast:1.4', arguments: '--gpus all' },
      }),
    }),
    createStackBase(),
  ]);
  const { common, db } = base;
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const gateway = await gatewayProcess(common, oidc.issuer, { ENQUEUE_COMPAT_WAIT_MS: '5000' });
  const worker = await workerProcess(common, clearmlEnv(clearml.url), { ENQUEUE_ACK_WAIT_MS: '5000', ...options.worker });
  const services = await startServices(registry, gateway, worker);
  return {
    gatewayUrl: gateway.url,
    oidc,
    clearml,
    db,
    registry,
    gateway,
    worker,
    services,
    close: () => closeStack(services, [oidc, clearml, base]),
  };
}
