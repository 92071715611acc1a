import { ClearmlPeer, ClearmlPeerOptions, OidcPeer, startClearmlPeer, startOidcPeer } from '@cleargate/peers';
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
  const [oidc, clearml, db] = await Promise.all([
    startOidcPeer(),
    startClearmlPeer({
      agents: options.agents ?? false,
      latencyMs: options.latencyMs ?? 0,
      seed: {
        projects: [{ id: 'p-snap', name: 'Snap4City' }],
        queues: [
          { id: 'q-default', name: 'default', default: true },
          { id: 'q-gpu', name: 'gpu' },
        ],
        tasks: [
          {
            id: TEMPLATE_TASK,
            name: 'traffic_forecast',
            project: 'p-snap',
            status: 'completed',
            hyperparams: { General: { lr: '0.01', epochs: '10' }, Args: { seed: '42' } },
            container: { image: 'snap4city/traffic-forecast:1.4', arguments: '--gpus all' },
          },
        ],
      },
    }),
    createTestDatabase(),
  ]);
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const gateway = await gatewayProcess(common, oidc.issuer, { ENQUEUE_COMPAT_WAIT_MS: '5000' });
  const worker = serviceProcess(
    'enqueue-worker',
    {
      ...common,
      CLEARML_API_HOST: clearml.url,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      ENQUEUE_BACKOFF_MS: '200,500,1000',
      ENQUEUE_ACK_WAIT_MS: '5000',
      ...options.worker,
    },
    await freePort(),
  );
  const services = [registry, gateway, worker];
  await registry.start();
  await Promise.all([gateway.start(), worker.start()]);
  return {
    gatewayUrl: gateway.url,
    oidc,
    clearml,
    db,
    registry,
    gateway,
    worker,
    services,
    async close() {
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all([oidc.close(), clearml.close(), db.drop(), dropNamespace(namespace)]);
    },
  };
}
