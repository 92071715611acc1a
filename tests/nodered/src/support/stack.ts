import { createHash } from 'node:crypto';
import {
  ClearmlPeer,
  clearmlTrafficForecastSeed,
  OidcPeer,
  ServingPeer,
  startClearmlPeer,
  startOidcPeer,
  startServingPeer,
} from '@cleargate/peers';
import {
  api,
  clearmlEnv,
  closeStack,
  createStackBase,
  freePort,
  gatewayProcess,
  registryProcess,
  routerProcess,
  serviceProcess,
  startServices,
  workerProcess,
} from '@cleargate/testing';

/** Access-token lifespan of the realm: short, so that the nodes renew tokens during the suite. */
export const ACCESS_TOKEN_TTL_SEC = 4;
/** Clients the gateway accepts (`OIDC_AUDIENCES`); the realm's `nodered` client is not one of them. */
export const ACCEPTED_CLIENTS = ['nodered-iotedge', 'cleargate-demo'];
export const TEMPLATE_TASK = 'b1c2d3e4f5a60718293a4b5c6d7e8f90';
/** How long a simulated ClearML agent runs a task. */
export const RUN_DURATION_MS = 400;
/** The endpoint whose timeout the serving peer's delay exceeds. */
export const SLOW_ENDPOINT = { name: 'test_model_sklearn', timeoutMs: 300 };

export interface NodeRedStack {
  gatewayUrl: string;
  oidc: OidcPeer;
  serving: ServingPeer;
  clearml: ClearmlPeer;
  /** public id of the registered serving machine */
  machineId: string;
  /** public id of the registered task */
  taskId: string;
  /** a gateway of the same stack that checks every token at the realm's userinfo endpoint */
  startUserinfoGateway(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Every service a Node-RED flow reaches through the nodes, as separate processes on the real NATS
 * and PostgreSQL: registry, ondemand-router, enqueue-worker, monitor and auth-gateway (offline
 * token checks with no clock tolerance, so an expired token is refused at once), with the OIDC
 * peer (password grant, short lifespans), a serving peer and a ClearML peer whose agents run
 * every queued task for RUN_DURATION_MS. A serving machine, its endpoints and a task are
 * registered.
 */
export async function startNodeRedStack(): Promise<NodeRedStack> {
  const [oidc, serving, clearml, base] = await Promise.all([
    startOidcPeer({ accessTokenTtlSec: ACCESS_TOKEN_TTL_SEC }),
    startServingPeer(),
    startClearmlPeer({
      agents: { script: { durationMs: RUN_DURATION_MS }, pollIntervalMs: 20 },
      seed: clearmlTrafficForecastSeed({
        id: TEMPLATE_TASK,
        hyperparams: { General: { lr: '0.01', epochs: '10' } },
        container: { image: 'snap4city/traffic-forecast:1.4', arguments: '' },
      }),
    }),
    createStackBase(),
  ]);
  // What a binary body looked like when it reached the machine: proves it travelled untouched.
  serving.addModel('inspect', (body) =>
    body.kind === 'bytes'
      ? { content_type: body.contentType ?? null, length: body.value.length, sha256: sha256(body.value) }
      : { json: body.kind === 'json' ? body.value : null },
  );
  const { common, db } = base;
  const clearmlApi = clearmlEnv(clearml.url);
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const router = await routerProcess(common);
  const worker = await workerProcess(common, clearmlApi, { ENQUEUE_ACK_WAIT_MS: '5000' });
  const monitor = serviceProcess(
    'monitor',
    { ...common, ...clearmlApi, MONITOR_POLL_INTERVAL_MS: '200', MONITOR_LEASE_TTL_MS: '3000', MONITOR_ALERT_RULES: '[]' },
    await freePort(),
  );
  const gatewayEnv = {
    OIDC_CLOCK_TOLERANCE_SEC: '0',
    OIDC_AUDIENCES: ACCEPTED_CLIENTS.join(','),
    ENQUEUE_COMPAT_WAIT_MS: '5000',
  };
  const gateway = await gatewayProcess(common, oidc.issuer, gatewayEnv);
  const services = await startServices(registry, router, worker, monitor, gateway);

  const close = () => closeStack(services, [oidc, serving, clearml, base]);
  try {
    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] }, { ttlSec: 3600 });
    const machine = await api(gateway.url, '/v1/machines', {
      token: admin,
      body: { name: 'gpu-1', base_url: serving.url, protocol: 'clearml-serving' },
    });
    if (machine.status !== 201) throw new Error(`machine not registered: ${JSON.stringify(machine)}`);
    for (const endpoint of [
      { name: 'test_model_pytorch' },
      { name: 'echo' },
      { name: 'inspect' },
      { name: SLOW_ENDPOINT.name, timeout_ms: SLOW_ENDPOINT.timeoutMs },
    ]) {
      const created = await api(gateway.url, '/v1/endpoints', { token: admin, body: { machine_id: machine.json.machine_id, ...endpoint } });
      if (created.status !== 201) throw new Error(`endpoint ${endpoint.name} not registered: ${JSON.stringify(created)}`);
    }
    const task = await api(gateway.url, '/v1/tasks', {
      token: admin,
      body: { clearml_task_id: TEMPLATE_TASK, default_queue: 'default', allowed_queues: ['gpu'] },
    });
    if (task.status !== 201) throw new Error(`task not registered: ${JSON.stringify(task)}`);
    return {
      gatewayUrl: gateway.url,
      oidc,
      serving,
      clearml,
      machineId: machine.json.machine_id,
      taskId: task.json.task_id,
      async startUserinfoGateway() {
        const second = await gatewayProcess(common, oidc.issuer, { ...gatewayEnv, OIDC_VERIFICATION: 'userinfo', OIDC_CACHE_TTL_MS: '0' });
        services.push(second);
        await second.start();
        return second.url;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
