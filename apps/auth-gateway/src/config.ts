import { z } from 'zod';
import { commonEnv, ConfigError, envBool, envInt, envJson, envList, envPort, envUrl, loadConfig } from '@cleargate/config';
import { ROLES } from '@cleargate/auth';
import { ENDPOINT_TIMEOUT_MAX_MS } from '@cleargate/contracts';
import { corsEnv, credentialsWithWildcard } from './http/cors';

const roleSchema = z.enum(ROLES);

export const gatewayEnv = z
  .object({
    ...commonEnv,
    /** A stop lets every call in hand finish: longer than the longest endpoint timeout. */
    SHUTDOWN_GRACE_MS: envInt({ min: 0, max: 900_000, default: ENDPOINT_TIMEOUT_MAX_MS + 10_000 }),
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: envPort(8080),
    /** Largest accepted request body (model inputs can be images). NATS max_payload must be larger. */
    HTTP_BODY_LIMIT_BYTES: envInt({ min: 1024, max: 64 * 1024 * 1024, default: 8 * 1024 * 1024 }),
    /**
     * Largest body of the compatible routes (the Node-RED blocks' JSON: a token, ids and params),
     * checked before it is parsed; at most HTTP_BODY_LIMIT_BYTES.
     */
    HTTP_COMPAT_BODY_LIMIT_BYTES: envInt({ min: 1024, max: 64 * 1024 * 1024, default: 1024 * 1024 }),
    /** Longest a client may take to send a request's headers (Node's server.headersTimeout): slow-header clients are cut off. */
    HTTP_HEADERS_TIMEOUT_MS: envInt({ min: 1_000, max: 300_000, default: 20_000 }),
    /** Longest a client may take to send a whole request, body included (Node's server.requestTimeout). */
    HTTP_REQUEST_TIMEOUT_MS: envInt({ min: 1_000, max: 3_600_000, default: 120_000 }),
    /** Largest request head (request line and headers) in bytes (Node's maxHeaderSize); larger gets 431. */
    HTTP_MAX_HEADER_BYTES: envInt({ min: 4096, max: 1024 * 1024, default: 32 * 1024 }),
    /** Trust X-Forwarded-* from a reverse proxy in front of the gateway. */
    HTTP_TRUST_PROXY: envBool(false),
    /** The realm's issuer, e.g. https://www.snap4city.org/auth/realms/master. */
    OIDC_ISSUER_URL: envUrl(),
    /** Accepted audiences (aud or azp): the clients whose tokens are accepted. Required unless OIDC_AUDIENCES_ANY. */
    OIDC_AUDIENCES: envList(),
    /** With an empty OIDC_AUDIENCES, accept tokens of any client of the realm: a local demo, never production. */
    OIDC_AUDIENCES_ANY: envBool(false),
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
    /**
     * How often the router holding an on-demand call sends a sign of life (an LLM stream: after that
     * long without a frame); after three missed the call is answered 503, a stream under way ends with
     * an error event (its router stopped), instead of waiting out the timeouts. 0: none asked for.
     */
    ONDEMAND_HEARTBEAT_MS: envInt({ min: 0, max: 60_000, default: 2_000 }),
    /** Frames of an LLM answer the router may send ahead of what the client has read (flow control). */
    OPENAI_STREAM_WINDOW: envInt({ min: 1, max: 4096, default: 64 }),
    /** How long an LLM call waits for a router to take it (it answers in milliseconds when one is up). */
    OPENAI_ACCEPT_TIMEOUT_MS: envInt({ min: 100, max: 60_000, default: 5_000 }),
    /** Added to the endpoint's timeout before a silent LLM stream is ended with an error (a router gone mid-stream). */
    OPENAI_IDLE_GRACE_MS: envInt({ min: 0, max: 60_000, default: 2_000 }),
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
    /** How long a caller's tokens of the day are taken as known before the registry is asked again (token quotas). */
    TOKEN_QUOTA_CACHE_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
    /** Serve the admin console under /console/ (and send / there). */
    CONSOLE_ENABLED: envBool(true),
    /** The console's build (`nx run console:build`); default dist/apps/console beside the gateway's build. */
    CONSOLE_DIR: z.string().optional(),
    /** The realm's public client the console logs in with (Authorization Code + PKCE). */
    CONSOLE_OIDC_CLIENT_ID: z.string().min(1).max(255).default('cleargate-console'),
    /** The issuer as browsers reach it, when not OIDC_ISSUER_URL (a realm behind another host name). */
    CONSOLE_OIDC_ISSUER_URL: envUrl().optional(),
    /** The API's base URL for the console, when not the gateway that serves it (a path prefix behind a proxy). */
    CONSOLE_API_BASE_URL: envUrl().optional(),
    /** ClearML's API server, only to derive its web UI (api.→app., :8008→:8080) when CLEARML_WEB_HOST is empty. */
    CLEARML_API_HOST: envUrl().optional(),
    /** ClearML's web UI, for the console's links to a run's task log. */
    CLEARML_WEB_HOST: envUrl().optional(),
    ...corsEnv,
  })
  .superRefine((config, ctx) => {
    if (credentialsWithWildcard(config)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ALLOW_CREDENTIALS'],
        message: 'cannot be true while CORS_ALLOWED_ORIGINS is *: list the exact origins instead',
      });
    }
  });
export type GatewayConfig = z.infer<typeof gatewayEnv>;
/** Loads the gateway's configuration; beyond the schema, an accepted audience is required and the limits must nest. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig('auth-gateway', gatewayEnv, env);
  const problems: string[] = [];
  if (config.OIDC_AUDIENCES.length === 0 && !config.OIDC_AUDIENCES_ANY) {
    problems.push(
      'OIDC_AUDIENCES: name the clients whose tokens are accepted (aud or azp), e.g. nodered-iotedge; ' +
        'OIDC_AUDIENCES_ANY=true accepts tokens of any client of the realm (a local demo only)',
    );
  }
  if (config.OIDC_AUDIENCES.length > 0 && config.OIDC_AUDIENCES_ANY) {
    problems.push('OIDC_AUDIENCES_ANY: cannot be true while OIDC_AUDIENCES names audiences');
  }
  if (config.HTTP_COMPAT_BODY_LIMIT_BYTES > config.HTTP_BODY_LIMIT_BYTES) {
    problems.push('HTTP_COMPAT_BODY_LIMIT_BYTES: must not be larger than HTTP_BODY_LIMIT_BYTES');
  }
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigError('auth-gateway', problems);
  return config;
}
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
