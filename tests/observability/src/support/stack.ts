import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLEARML_DEMO_IDS,
  CLEARML_DEMO_SEED,
  ChatPeer,
  ClearmlPeer,
  OidcPeer,
  ServingPeer,
  startChatPeer,
  startClearmlPeer,
  startOidcPeer,
  startServingPeer,
} from '@cleargate/peers';
import {
  createTestDatabase,
  DEV_NATS_MONITOR_URL,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  ROOT,
  ServiceProcess,
  serviceProcess,
  TEST_OIDC_AUDIENCES,
  createTestNamespace,
} from '@cleargate/testing';

/** Services in the order they start; the last two are optional until their builds exist. */
export const SERVICES = ['registry', 'ondemand-router', 'auth-gateway', 'monitor', 'enqueue-worker', 'notifier'] as const;
export type ServiceName = (typeof SERVICES)[number];
const OPTIONAL: readonly ServiceName[] = ['enqueue-worker', 'notifier'];

export const SLACK_HOOK = 'T0CLEARGATE/B0OBSERVE/xoxbObservabilityHook42';
/** The confidential client Prometheus uses for the gateway's service discovery (client credentials). */
export const SD_CLIENT = { clientId: 'cleargate-prometheus', secret: 'prometheus-sd-secret-0123456789' };

export interface Stack {
  gatewayUrl: string;
  oidc: OidcPeer;
  serving: ServingPeer;
  clearml: ClearmlPeer;
  chat: ChatPeer;
  /** Services that run in this stack (the optional ones only when built). */
  services: Map<ServiceName, ServiceProcess>;
  /** A second monitor replica: it stands by while the first holds the lease. */
  monitorStandby: ServiceProcess;
  /** Services not started because `dist/apps/<name>/src/main.js` does not exist. */
  missing: ServiceName[];
  close(): Promise<void>;
}

export const isBuilt = (name: ServiceName) => existsSync(join(ROOT, 'dist', 'apps', name, 'src', 'main.js'));

/**
 * Every ClearGate service as a separate built process on the real NATS and PostgreSQL (throwaway
 * namespace and database), with the OIDC, serving (Triton metrics), ClearML and chat peers.
 */
export async function startStack(): Promise<Stack> {
  const missing = SERVICES.filter((s) => !isBuilt(s));
  const notBuilt = missing.filter((s) => !OPTIONAL.includes(s));
  if (notBuilt.length) throw new Error(`${notBuilt.join(', ')} not built: run \`node tools/build.mjs\` first`);

  const [oidc, serving, clearml, chat, db] = await Promise.all([
    startOidcPeer(),
    startServingPeer({ name: 'gpu-1' }),
    // Three workers on "default", none on "services": a run sent there stays queued.
    startClearmlPeer({ seed: CLEARML_DEMO_SEED, agents: { workers: { default: 3 }, pollIntervalMs: 50 } }),
    startChatPeer(),
    createTestDatabase('cg_obs'),
  ]);
  oidc.addClient({ clientId: SD_CLIENT.clientId, secret: SD_CLIENT.secret, serviceAccount: true, serviceAccountRoles: ['AreaManager'] });
  chat.setCredentials('slack', [SLACK_HOOK]);

  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const clearmlEnv = {
    CLEARML_API_HOST: clearml.url,
    CLEARML_API_ACCESS_KEY: 'cleargate-access',
    CLEARML_API_SECRET_KEY: 'cleargate-secret',
  };
  const httpPort = await freePort();
  const env: Record<ServiceName, Record<string, string>> = {
    registry: {
      DATABASE_URL: db.url,
      DATABASE_MIGRATE: 'true',
      PUBLIC_ID_SECRET: 'observability-test-public-id-secret-0123456789',
      CALLLOG_BATCH_WAIT_MS: '20',
      NATS_MONITOR_URL: DEV_NATS_MONITOR_URL,
    },
    'ondemand-router': {
      CALLLOG_FLUSH_MS: '20',
      BREAKER_FAILURES: '3',
      BREAKER_HALF_OPEN_AFTER_MS: '2000',
      UPSTREAM_CONNECT_TIMEOUT_MS: '500',
    },
    'auth-gateway': {
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      OIDC_ISSUER_URL: oidc.issuer,
      OIDC_AUDIENCES: TEST_OIDC_AUDIENCES,
    },
    monitor: {
      ...clearmlEnv,
      MONITOR_POLL_INTERVAL_MS: '200',
      MONITOR_GAUGES_INTERVAL_MS: '1000',
      MONITOR_LEASE_TTL_MS: '3000',
      MONITOR_ALERT_RULES: '[{"name":"failures","statuses":["failed"]}]',
    },
    'enqueue-worker': { ...clearmlEnv, ENQUEUE_BACKOFF_MS: '200,500', TEMPLATE_CACHE_TTL_MS: '1000' },
    notifier: {
      NOTIFIER_CHANNELS: JSON.stringify([{ name: 'ops-slack', type: 'slack', url: `${chat.url}/services/${SLACK_HOOK}` }]),
      NOTIFIER_RETRY_BASE_MS: '100',
      NOTIFIER_RETRY_MAX_MS: '500',
    },
  };
  const services = new Map<ServiceName, ServiceProcess>();
  for (const name of SERVICES) {
    if (missing.includes(name)) continue;
    services.set(name, serviceProcess(name, { ...common, ...env[name] }, await freePort()));
  }
  const monitorStandby = serviceProcess('monitor', { ...common, ...env.monitor }, await freePort());
  const stopAll = async () => {
    await Promise.all([...services.values(), monitorStandby].map((s) => s.stop()));
    await Promise.all([oidc.close(), serving.close(), clearml.close(), chat.close()]);
    await Promise.all([db.drop(), dropNamespace(namespace)]);
  };
  try {
    await services.get('registry')!.start();
    await Promise.all([...services.values()].filter((s) => s.name !== 'registry').map((s) => s.start()));
    await monitorStandby.start();
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  return { gatewayUrl: `http://127.0.0.1:${httpPort}`, oidc, serving, clearml, chat, services, monitorStandby, missing, close: stopAll };
}

export const TEMPLATE_TASK_ID = CLEARML_DEMO_IDS.templateTask;
