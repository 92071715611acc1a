import { createTestDatabase, createTestNamespace, DEV_NATS_URL, dropNamespace, TestDatabase } from './dev-services';
import { freePort, ServiceProcess, serviceProcess } from './processes';

/**
 * The ground of a test stack: a throwaway database and NATS namespace on the dev services, and
 * `common`, the environment every service of the stack starts with (that NATS under that
 * namespace, and LOG_LEVEL).
 */
export interface StackBase {
  db: TestDatabase;
  namespace: string;
  common: Record<string, string>;
  /** Drops the database and the namespace. */
  close(): Promise<void>;
}

export async function createStackBase(options: { databasePrefix?: string; logLevel?: string } = {}): Promise<StackBase> {
  const [db, namespace] = await Promise.all([createTestDatabase(options.databasePrefix), createTestNamespace()]);
  return {
    db,
    namespace,
    common: { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: options.logLevel ?? 'info' },
    close: async () => {
      await Promise.all([db.drop(), dropNamespace(namespace)]);
    },
  };
}

/** The ClearML peer's credentials, which the services that call ClearML are started with. */
export const TEST_CLEARML_CREDENTIALS = { accessKey: 'cleargate-access', secretKey: 'cleargate-secret' };

/** The ClearML API settings of the enqueue-worker and the monitor. */
export function clearmlEnv(host: string, credentials = TEST_CLEARML_CREDENTIALS): Record<string, string> {
  return { CLEARML_API_HOST: host, CLEARML_API_ACCESS_KEY: credentials.accessKey, CLEARML_API_SECRET_KEY: credentials.secretKey };
}

/** The ondemand-router as a process, writing its call log every 20 ms. */
export async function routerProcess(common: Record<string, string>, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  return serviceProcess('ondemand-router', { ...common, CALLLOG_FLUSH_MS: '20', ...extra }, await freePort());
}

/** The enqueue-worker as a process calling the ClearML of `clearml` (see clearmlEnv), retrying after 200, 500 and 1000 ms. */
export async function workerProcess(
  common: Record<string, string>,
  clearml: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<ServiceProcess> {
  return serviceProcess('enqueue-worker', { ...common, ...clearml, ENQUEUE_BACKOFF_MS: '200,500,1000', ...extra }, await freePort());
}

/** Starts the registry first (it applies the migrations the others wait for), then the other services together. */
export async function startServices(registry: ServiceProcess, ...others: ServiceProcess[]): Promise<ServiceProcess[]> {
  await registry.start();
  await Promise.all(others.map((s) => s.start()));
  return [registry, ...others];
}

/** Stops every service of a stack, then closes what they ran on (peers, the stack base). */
export async function closeStack(services: ServiceProcess[], resources: { close(): Promise<unknown> }[]): Promise<void> {
  await Promise.all(services.map((s) => s.stop()));
  await Promise.all(resources.map((r) => r.close()));
}
