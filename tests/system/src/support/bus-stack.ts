import { ClearmlClient } from '@cleargate/clearml';
import type { ServiceName } from '@cleargate/contracts';
import { NatsService, NatsUser } from '@cleargate/messaging';
import { createLogger } from '@cleargate/observability';
import { ClearmlPeer, OidcPeer, ServingPeer, startClearmlPeer, startOidcPeer, startServingPeer } from '@cleargate/peers';
import { api, freePort, gatewayProcess, registryProcess, ServiceProcess, serviceProcess, waitFor } from '@cleargate/testing';

export const TEMPLATE_TASK = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';

export interface BusStackOptions {
  /** NATS_URL of every service (one server, or every node of a cluster). */
  natsUrl: string;
  /** Each service connects as its own user of deploy/nats/auth.conf with these passwords. */
  passwords?: Record<NatsUser, string>;
  databaseUrl: string;
  /** Processes per service; 0 leaves it out. Default: one registry, router, gateway and worker. */
  replicas?: Partial<Record<ServiceName, number>>;
  /** Services created but not started (the test starts them). */
  deferred?: ServiceName[];
  /** Extra environment per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface BusStack {
  oidc: OidcPeer;
  serving: ServingPeer;
  clearml: ClearmlPeer;
  clearmlClient: ClearmlClient;
  processes: Record<ServiceName, ServiceProcess[]>;
  all: ServiceProcess[];
  gatewayUrls: string[];
  admin: string;
  user: string;
  /** The registered serving machine's public id (endpoints `echo` and `test_model_pytorch`). */
  machineId: string;
  /** The registered task's public id. */
  taskId: string;
  /** Number of ClearML clones per run id. */
  clonesByRun(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const CLEARML_ENV = (url: string) => ({
  CLEARML_API_HOST: url,
  CLEARML_API_ACCESS_KEY: 'cleargate-access',
  CLEARML_API_SECRET_KEY: 'cleargate-secret',
});

/**
 * The services as processes on a NATS of the test's own (so it can be restarted, killed, filled
 * or secured), each service as its own NATS user when passwords are given, with the OIDC,
 * serving and ClearML peers; a machine with two endpoints and a task registered.
 */
export async function startBusStack(options: BusStackOptions): Promise<BusStack> {
  const [oidc, serving, clearml] = await Promise.all([
    startOidcPeer(),
    startServingPeer(),
    startClearmlPeer({
      agents: false,
      seed: {
        projects: [{ id: 'p-snap', name: 'Snap4City' }],
        queues: [{ id: 'q-default', name: 'default', default: true }],
        tasks: [{ id: TEMPLATE_TASK, name: 'bus_task', project: 'p-snap', status: 'completed', hyperparams: { General: { n: '1' } } }],
      },
    }),
  ]);
  const count = (s: ServiceName, fallback: number) => options.replicas?.[s] ?? fallback;
  const common = (service: ServiceName): Record<string, string> => ({
    NATS_URL: options.natsUrl,
    NATS_NAMESPACE: '',
    LOG_LEVEL: 'info',
    ...(options.passwords ? { NATS_USER: service, NATS_PASSWORD: options.passwords[service] } : {}),
  });
  const processes: Record<ServiceName, ServiceProcess[]> = {
    registry: [],
    'ondemand-router': [],
    'auth-gateway': [],
    'enqueue-worker': [],
    monitor: [],
    notifier: [],
  };
  const gatewayUrls: string[] = [];
  for (let i = 0; i < count('registry', 1); i++)
    processes.registry.push(
      await registryProcess(common('registry'), options.databaseUrl, { CALLLOG_BATCH_WAIT_MS: '20', ...options.env?.registry }),
    );
  for (let i = 0; i < count('ondemand-router', 1); i++)
    processes['ondemand-router'].push(
      serviceProcess(
        'ondemand-router',
        { ...common('ondemand-router'), CALLLOG_FLUSH_MS: '20', ...options.env?.['ondemand-router'] },
        await freePort(),
      ),
    );
  for (let i = 0; i < count('auth-gateway', 1); i++) {
    const g = await gatewayProcess(common('auth-gateway'), oidc.issuer, {
      ENQUEUE_COMPAT_WAIT_MS: '5000',
      ...options.env?.['auth-gateway'],
    });
    processes['auth-gateway'].push(g);
    gatewayUrls.push(g.url);
  }
  for (let i = 0; i < count('enqueue-worker', 1); i++)
    processes['enqueue-worker'].push(
      serviceProcess(
        'enqueue-worker',
        {
          ...common('enqueue-worker'),
          ...CLEARML_ENV(clearml.url),
          ENQUEUE_BACKOFF_MS: '200,500,1000',
          ENQUEUE_ACK_WAIT_MS: '5000',
          ...options.env?.['enqueue-worker'],
        },
        await freePort(),
      ),
    );
  for (let i = 0; i < count('monitor', 0); i++)
    processes.monitor.push(
      serviceProcess(
        'monitor',
        {
          ...common('monitor'),
          ...CLEARML_ENV(clearml.url),
          MONITOR_POLL_INTERVAL_MS: '500',
          MONITOR_LEASE_TTL_MS: '3000',
          MONITOR_ALERT_RULES: '[{"name":"failures","statuses":["failed"]}]',
          ...options.env?.monitor,
        },
        await freePort(),
      ),
    );
  for (let i = 0; i < count('notifier', 0); i++)
    processes.notifier.push(serviceProcess('notifier', { ...common('notifier'), ...options.env?.notifier }, await freePort()));
  const all = Object.values(processes).flat();
  // The first registry creates the streams (DATABASE_MIGRATE); the others wait for them.
  const [first, ...rest] = processes.registry;
  await first?.start();
  const deferred = new Set(options.deferred ?? []);
  await Promise.all([...rest, ...all.filter((p) => p.name !== 'registry' && !deferred.has(p.name as ServiceName))].map((p) => p.start()));

  const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 3600 });
  const user = await oidc.mint({ username: 'observer', roles: ['Observer'] }, { ttlSec: 3600 });
  const gw = gatewayUrls[0]!;
  const machine = await api(gw, '/v1/machines', {
    token: admin,
    body: { name: 'gpu-bus', base_url: serving.url, protocol: 'clearml-serving' },
  });
  if (machine.status !== 201) throw new Error(`machine: ${machine.status} ${JSON.stringify(machine.json)}`);
  for (const name of ['echo', 'test_model_pytorch']) {
    const endpoint = await api(gw, '/v1/endpoints', {
      token: admin,
      body: { machine_id: machine.json.machine_id, name, timeout_ms: 30_000 },
    });
    if (endpoint.status !== 201) throw new Error(`endpoint: ${endpoint.status} ${JSON.stringify(endpoint.json)}`);
  }
  const task = await api(gw, '/v1/tasks', { token: admin, body: { clearml_task_id: TEMPLATE_TASK, default_queue: 'default' } });
  if (task.status !== 201) throw new Error(`task: ${task.status} ${JSON.stringify(task.json)}`);
  const clearmlClient = new ClearmlClient({
    apiHost: clearml.url,
    accessKey: 'cleargate-access',
    secretKey: 'cleargate-secret',
    timeoutMs: 10_000,
  });
  return {
    oidc,
    serving,
    clearml,
    clearmlClient,
    processes,
    all,
    gatewayUrls,
    admin,
    user,
    machineId: machine.json.machine_id,
    taskId: task.json.task_id,
    async clonesByRun() {
      const byRun = new Map<string, number>();
      for await (const t of clearmlClient.tasks.iterateAll(
        { system_tags: ['cleargate'], only_fields: ['id', 'system_tags'] },
        { pageSize: 500 },
      )) {
        const tag = (t.system_tags as string[]).find((s) => s.startsWith('cleargate-run:'));
        if (tag) byRun.set(tag.slice('cleargate-run:'.length), (byRun.get(tag.slice('cleargate-run:'.length)) ?? 0) + 1);
      }
      return byRun;
    },
    async close() {
      await Promise.all(all.map((p) => p.stop()));
      await clearmlClient.close();
      await Promise.all([oidc.close(), serving.close(), clearml.close()]);
    },
  };
}

/** A NATS client of the test, connected as `user` when a password is given. */
export async function testClient(url: string, name: string, credentials?: { user: string; password: string }) {
  return NatsService.connect(
    {
      url,
      namespace: '',
      name,
      requestTimeoutMs: 5000,
      ...(credentials ? { user: credentials.user, password: credentials.password } : {}),
    },
    createLogger({ service: name, level: 'silent' }),
  );
}

/** Waits until every run id has exactly one clone in ClearML, and returns the counts. */
export async function awaitOneCloneEach(stack: BusStack, runIds: string[], timeoutMs = 90_000): Promise<Map<string, number>> {
  let counts = new Map<string, number>();
  await waitFor(
    async () => {
      counts = await stack.clonesByRun();
      return runIds.every((id) => (counts.get(id) ?? 0) >= 1);
    },
    { timeoutMs, intervalMs: 500, message: `${runIds.length} runs cloned` },
  );
  return counts;
}
