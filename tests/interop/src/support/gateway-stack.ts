import {
  api,
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  gatewayProcess,
  registryProcess,
  type ServiceProcess,
  createTestNamespace,
} from '@cleargate/testing';
import type { KeycloakRealm } from './realm';

export type Gateway = ServiceProcess & { url: string };

export interface GatewayStack {
  gateways: Record<string, Gateway>;
  registry: ServiceProcess;
  close(): Promise<void>;
}

/**
 * The smallest stack that answers authenticated routes for real: the registry (on a throwaway
 * database and NATS namespace) and one or more auth-gateways as processes, each trusting the
 * Keycloak realm with its own settings (verification mode, roles, JWKS timings).
 */
export async function startGatewayStack(keycloak: KeycloakRealm, gateways: Record<string, Record<string, string>>): Promise<GatewayStack> {
  const db = await createTestDatabase('cg_interop');
  const namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const registry = await registryProcess(common, db.url);
  const started: Record<string, Gateway> = {};
  for (const [name, env] of Object.entries(gateways)) started[name] = await gatewayProcess(common, keycloak.issuer, env);
  const all = [registry, ...Object.values(started)];
  try {
    await registry.start();
    await Promise.all(Object.values(started).map((g) => g.start()));
  } catch (err) {
    await Promise.all(all.map((s) => s.stop()));
    await Promise.all([db.drop(), dropNamespace(namespace)]);
    throw err;
  }
  return {
    gateways: started,
    registry,
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
