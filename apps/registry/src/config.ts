import { z } from 'zod';
import { commonEnv, envBool, envInt, envJson, envSecret, envUrl, loadConfig } from '@cleargate/config';
import { egressEnv } from '@cleargate/egress';
import { STREAMS } from '@cleargate/contracts';
import type { StreamLimits } from '@cleargate/messaging';

const DAY = 24 * 60 * 60 * 1000;
const streamNames = Object.values(STREAMS).map((s) => s.name) as [string, ...string[]];

/**
 * The limits of the JetStream streams, applied by the migration step (`registry:migrate`, or the
 * registry with DATABASE_MIGRATE=true). See libs/contracts streams.ts for what each stream holds.
 */
export const jetstreamVariables = {
  /** Copies of each stream and KV bucket: 3 on a 3-node cluster (one node may fail), 1 on one server. */
  JETSTREAM_REPLICAS: envInt({ min: 1, max: 5, default: 1 }),
  /** max_bytes of every stream; -1: none of its own (the server's max_file_store bounds it). */
  JETSTREAM_MAX_BYTES: envInt({ min: -1, default: -1 }),
  /** max_bytes of named streams, e.g. {"ENQUEUE": 1073741824}; wins over JETSTREAM_MAX_BYTES. */
  JETSTREAM_STREAM_MAX_BYTES: envJson(z.partialRecord(z.enum(streamNames), z.number().int().min(-1)), '{}'),
  /** How long EVENTS (registry changes, run and task status) is kept. */
  JETSTREAM_EVENTS_MAX_AGE_MS: envInt({ min: 60_000, default: 7 * DAY }),
  /** Work (call logs, runs, alerts) that waited longer than this goes to the dead-letter stream. */
  JETSTREAM_WORK_MAX_AGE_MS: envInt({ min: 1_000, default: 7 * DAY }),
  /** How long dead letters are kept for inspection and replay. */
  JETSTREAM_DEAD_LETTER_MAX_AGE_MS: envInt({ min: 60_000, default: 30 * DAY }),
};

/** Time limits of the registry's PostgreSQL connections. */
export const databaseTimeoutVariables = {
  /** Opening a connection (the server down or unreachable fails a request after this). */
  DATABASE_CONNECT_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
  /** statement_timeout of every session: a statement running longer is cancelled by PostgreSQL. */
  DATABASE_STATEMENT_TIMEOUT_MS: envInt({ min: 0, max: 3_600_000, default: 30_000 }),
};

export function streamLimitsOf(config: z.infer<z.ZodObject<typeof jetstreamVariables>>): StreamLimits {
  return {
    replicas: config.JETSTREAM_REPLICAS,
    maxBytes: config.JETSTREAM_MAX_BYTES,
    maxBytesByStream: config.JETSTREAM_STREAM_MAX_BYTES,
    historyMaxAgeMs: config.JETSTREAM_EVENTS_MAX_AGE_MS,
    workMaxAgeMs: config.JETSTREAM_WORK_MAX_AGE_MS,
    deadLetterMaxAgeMs: config.JETSTREAM_DEAD_LETTER_MAX_AGE_MS,
  };
}

export const registryEnv = z.object({
  ...commonEnv,
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: envInt({ min: 1, max: 100, default: 10 }),
  ...databaseTimeoutVariables,
  ...jetstreamVariables,
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
  /** How long a task template read to accept runs is kept (0: read for every run); see runs/run-acceptance.ts. */
  TEMPLATE_CACHE_MS: envInt({ min: 0, max: 3_600_000, default: 30_000 }),
  /** Runs stored by one INSERT at most, and INSERTs of runs under way at once. */
  RUN_INSERT_BATCH: envInt({ min: 1, max: 1000, default: 200 }),
  RUN_INSERT_CONCURRENCY: envInt({ min: 1, max: 32, default: 2 }),
  /** Private, loopback or link-local ranges a machine's base_url and metrics_url may point at after all (see libs/egress). */
  ...egressEnv,
});
export type RegistryConfig = z.infer<typeof registryEnv>;

export const loadRegistryConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig('registry', registryEnv, env);

export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');
