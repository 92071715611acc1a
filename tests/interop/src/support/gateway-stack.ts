import {
  api,
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  registryProcess,
  serviceProcess,
  type ServiceProcess,
  createTestNamespace,
} from '@cleargate/testing';
import type { KeycloakRealm } from './realm';

export type Gateway = ServiceProcess & { url: string };

export interface GatewayStack {
  gateways: Record<string, Gateway>;
  registry: ServiceProcess;
  /** every process of the stack (registry, gateways, router, worker), e.g. to read their logs */
  services: ServiceProcess[];
  close(): Promise<void>;
}

export interface GatewayStackOptions {
  /** also the ondemand-router, so that on-demand calls reach the serving machines */
  router?: boolean;
  /** also the enqueue-worker, queueing runs on the ClearML API server at this URL */
  clearmlApiHost?: string;
}

/**
 * The smallest stack that answers authenticated routes for real: the registry (on a throwaway
 * database and NATS namespace) and one or more auth-gateways as processes, each trusting the
 * Keycloak realm with its own settings (verification mode, roles, JWKS timings); on request also
 * the ondemand-router and the enqueue-worker.
 */
export async function startGatewayStack(
  keycloak: KeycloakRealm,
  gateways: Record<string, Record<string, string>>,
  options: GatewayStackOptions = {},
): Promise<GatewayStack> {
  const db = await createTestDatabase('cg_interop');
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const registry = await registryProcess(common, db.url, { CALLLOG_BATCH_WAIT_MS: '20' });
  const started: Record<string, Gateway> = {};
  for (const [name, env] of Object.entries(gateways)) started[name] = await gatewayProcess(common, keycloak.issuer, env);
  const others: ServiceProcess[] = [];
  if (options.router) others.push(serviceProcess('ondemand-router', { ...common, CALLLOG_FLUSH_MS: '20' }, await freePort()));
  if (options.clearmlApiHost) {
    const clearml = {
      CLEARML_API_HOST: options.clearmlApiHost,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      ENQUEUE_BACKOFF_MS: '200,500,1000',
    };
    others.push(serviceProcess('enqueue-worker', { ...common, ...clearml }, await freePort()));
  }
  const all = [registry, ...Object.values(started), ...others];
  try {
    await registry.start();
    await Promise.all([...Object.values(started), ...others].map((s) => s.start()));
  } catch (err) {
    await Promise.all(all.map((s) => s.stop()));
    await Promise.all([db.drop(), dropNamespace(namespace)]);
    throw err;
  }
  return {
    gateways: started,
    registry,
    services: all,
    async close() {
      await Promise.all(all.map((s) => s.stop()));
      await Promise.all([db.drop(), dropNamespace(namespace)]);
    },
  };
}

/** `GET /v1/machines` (registrar and above) as the token's holder: 200, 401 or 403 with the envelope. */
export const listMachines = (gateway: Gateway, token: string) => api(gateway.url, '/v1/machines', { token });

/** `GET /v1/logs/ondemand` (any caller at or above ROLE_CALLER). */
export const ownCalls = (gateway: Gateway, token: string) => api(gateway.url, '/v1/logs/ondemand', { token });

/** `GET /v1/logs/ondemand?caller=…`: another user's calls, administrators only. */
export const othersCalls = (gateway: Gateway, token: string) => api(gateway.url, '/v1/logs/ondemand?caller=someone-else', { token });
