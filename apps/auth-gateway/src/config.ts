import { z } from 'zod';
import { commonEnv, envBool, envInt, envJson, envList, envPort, envUrl, loadConfig } from '@cleargate/config';
import { ROLES } from '@cleargate/auth';

const roleSchema = z.enum(ROLES);

export const gatewayEnv = z.object({
  ...commonEnv,
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: envPort(8080),
  /** Largest accepted request body (model inputs can be images). NATS max_payload must be larger. */
  HTTP_BODY_LIMIT_BYTES: envInt({ min: 1024, max: 64 * 1024 * 1024, default: 8 * 1024 * 1024 }),
  /** Trust X-Forwarded-* from a reverse proxy in front of the gateway. */
  HTTP_TRUST_PROXY: envBool(false),
  /** The realm's issuer, e.g. https://www.snap4city.org/auth/realms/master. */
  OIDC_ISSUER_URL: envUrl(),
  /** Accepted audiences (aud or azp); empty accepts tokens for any client of the realm. */
  OIDC_AUDIENCES: envList(),
  /** offline: JWKS signature check; userinfo: ask the realm for every new token (cached briefly). */
  OIDC_VERIFICATION: z.enum(['offline', 'userinfo']).default('offline'),
  OIDC_CLOCK_TOLERANCE_SEC: envInt({ min: 0, max: 300, default: 30 }),
  OIDC_CACHE_TTL_MS: envInt({ min: 0, max: 3_600_000, default: 60_000 }),
  /** After a JWKS refetch that did not find a token's key, unknown keys are refused without a fetch for this long. */
  OIDC_JWKS_COOLDOWN_MS: envInt({ min: 0, max: 3_600_000, default: 30_000 }),
  /** The JWKS is fetched again when older than this: how long a key disabled in the realm is still trusted. */
  OIDC_JWKS_MAX_AGE_MS: envInt({ min: 1_000, max: 86_400_000, default: 600_000 }),
  OIDC_HTTP_TIMEOUT_MS: envInt({ min: 100, max: 60_000, default: 5_000 }),
  /** Token role name → ClearGate role, e.g. {"admin":"RootAdmin"}. */
  OIDC_ROLE_MAP: envJson(z.record(z.string(), roleSchema), '{}'),
  /** Clients whose resource_access roles count. */
  OIDC_ROLE_CLIENTS: envList(),
  /** Lowest role that administers everything and sees every log. */
  ROLE_ADMIN: roleSchema.default('RootAdmin'),
  /** Lowest role that registers machines, endpoints and tasks. */
  ROLE_REGISTRAR: roleSchema.default('AreaManager'),
  /** Lowest role that may call endpoints and start tasks shared with it. */
  ROLE_CALLER: roleSchema.default('Public'),
  /** Longest the gateway waits for an on-demand answer; endpoint timeouts above it are cut here. */
  ONDEMAND_TIMEOUT_MS: envInt({ min: 100, max: 900_000, default: 120_000 }),
  /** How long the compatible enqueue route waits for ClearML to accept a run before answering 202. */
  ENQUEUE_COMPAT_WAIT_MS: envInt({ min: 0, max: 120_000, default: 10_000 }),
  /** Cap on GET /v1/runs/{id}?wait=. */
  RUN_WAIT_MAX_MS: envInt({ min: 0, max: 120_000, default: 60_000 }),
  /** The limits and suspensions are read again this often, besides whenever the registry announces a change. */
  POLICY_RESYNC_MS: envInt({ min: 1_000, max: 3_600_000, default: 60_000 }),
  /** A replica takes this long's worth of a caller's rate (at least one call) from the shared bucket in one write. */
  RATE_LIMIT_GRANT_MS: envInt({ min: 1, max: 10_000, default: 100 }),
  /** Tokens a replica took and did not spend lapse after this long. */
  RATE_LIMIT_HOLD_MS: envInt({ min: 10, max: 60_000, default: 1_000 }),
});
export type GatewayConfig = z.infer<typeof gatewayEnv>;
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig('auth-gateway', gatewayEnv, env);
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
