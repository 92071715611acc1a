import { z } from 'zod';
import { commonEnv, envBool, envInt, envSecret, envUrl, loadConfig } from '@cleargate/config';

export const registryEnv = z.object({
  ...commonEnv,
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: envInt({ min: 1, max: 100, default: 10 }),
  /**
   * Apply pending migrations (database schema and JetStream streams) at start-up; otherwise a
   * pending migration stops the service.
   */
  DATABASE_MIGRATE: envBool(false),
  /** Key of the HMAC that turns internal ids into public ids. Changing it changes every public id. */
  PUBLIC_ID_SECRET: envSecret(32),
  /** Days of call logs kept; older days are dropped whole (one partition per UTC day). */
  LOG_RETENTION_DAYS: envInt({ min: 1, max: 3650, default: 30 }),
  /** Day partitions of the call logs made ahead of time. */
  PARTITION_DAYS_AHEAD: envInt({ min: 1, max: 60, default: 3 }),
  /** Days of usage rollups kept (/v1/usage reaches this far back). */
  USAGE_RETENTION_DAYS: envInt({ min: 31, max: 3650, default: 400 }),
  /** Callers (and endpoints) named in the usage metrics, the busiest of the day; the rest are "(others)". 0 keeps user names out of the metrics. */
  USAGE_METRICS_TOP_USERS: envInt({ min: 0, max: 1000, default: 20 }),
  /** NATS's monitoring URL (http://nats:8222): the JetStream store's use and limit become metrics. Empty: streams only. */
  NATS_MONITOR_URL: envUrl(['http', 'https']).optional(),
  CALLLOG_BATCH_MAX: envInt({ min: 1, max: 5000, default: 200 }),
  CALLLOG_BATCH_WAIT_MS: envInt({ min: 1, max: 10_000, default: 100 }),
  /** How often runs still waiting for the enqueue worker are looked for… */
  RUN_REPUBLISH_INTERVAL_MS: envInt({ min: 1000, max: 3_600_000, default: 30_000 }),
  /** …and how old they must be before their enqueue message is published again. */
  RUN_REPUBLISH_AFTER_MS: envInt({ min: 1000, max: 86_400_000, default: 60_000 }),
});
export type RegistryConfig = z.infer<typeof registryEnv>;

export const loadRegistryConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig('registry', registryEnv, env);

export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');
