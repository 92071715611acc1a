import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { STREAMS, StreamKey, streamSubjects, WORK_MAX_AGE_METADATA } from '@cleargate/contracts';
import { NatsService } from './nats.service';

/** JetStream's error code for a stream created by someone else in the meantime. */
const STREAM_NAME_IN_USE = 10058;

/**
 * The limits of the streams, from the migration step's configuration (JETSTREAM_* variables;
 * apps/registry/README.md). `maxBytes` -1: no limit of the stream's own, the server's
 * max_file_store bounds it.
 */
export interface StreamLimits {
  /** Copies of every stream (and KV bucket) on the nodes of a cluster: 1, 3 or 5. */
  replicas: number;
  /** max_bytes of each stream, unless `maxBytesByStream` names it. */
  maxBytes: number;
  maxBytesByStream: Partial<Record<string, number>>;
  /** How long the history (EVENTS) is kept. */
  historyMaxAgeMs: number;
  /** Work (CALLLOGS, ENQUEUE, ALERTS) older than this is dead-lettered by its consumer. */
  workMaxAgeMs: number;
  /** How long dead letters are kept. */
  deadLetterMaxAgeMs: number;
}

const DAY = 24 * 60 * 60 * 1000;

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  replicas: 1,
  maxBytes: -1,
  maxBytesByStream: {},
  historyMaxAgeMs: 7 * DAY,
  workMaxAgeMs: 7 * DAY,
  deadLetterMaxAgeMs: 30 * DAY,
};

/** The JetStream configuration of one stream, as the migration step writes it. */
export function streamConfig(nats: NatsService, key: StreamKey, limits: StreamLimits): Partial<StreamConfig> & { name: string } {
  const def = STREAMS[key];
  const maxAgeMs = def.kind === 'history' ? limits.historyMaxAgeMs : def.kind === 'dead-letter' ? limits.deadLetterMaxAgeMs : 0;
  return {
    name: nats.name(def.name),
    description: def.description,
    subjects: streamSubjects(key).map((s) => nats.subject(s)),
    retention: def.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: StorageType.File,
    // Work and dead letters are never pushed out by newer messages: a full stream refuses the
    // publish (the publisher gets "maximum bytes exceeded"). History makes room from its oldest.
    discard: def.kind === 'history' ? DiscardPolicy.Old : DiscardPolicy.New,
    // Work has no age limit here (JetStream would drop it without a trace); its consumers
    // dead-letter what waited longer than the work age recorded in the metadata.
    max_age: nanos(maxAgeMs),
    max_bytes: limits.maxBytesByStream[def.name] ?? limits.maxBytes,
    duplicate_window: nanos(Math.min(def.duplicateWindowMs, maxAgeMs || def.duplicateWindowMs)),
    max_msg_size: -1,
    num_replicas: limits.replicas,
    ...(def.kind === 'work' && supportsMetadata(nats) ? { metadata: { [WORK_MAX_AGE_METADATA]: String(limits.workMaxAgeMs) } } : {}),
  };
}

/** Stream metadata (the work age) needs nats-server 2.10; on an older one work is never aged out. */
function supportsMetadata(nats: NatsService): boolean {
  const [major = 0, minor = 0] = (nats.connection.info?.version ?? '0.0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

/**
 * Creates the JetStream streams, or updates them to their definition in libs/contracts and the
 * configured limits. Idempotent. Run by the migration step (`registry:migrate`, or the registry
 * itself with DATABASE_MIGRATE=true), so each stream has one definition in force and no service
 * rewrites another's: services only wait for the streams they use (awaitStreams).
 */
export async function ensureStreams(
  nats: NatsService,
  keys: readonly StreamKey[] = Object.keys(STREAMS) as StreamKey[],
  limits: StreamLimits = DEFAULT_STREAM_LIMITS,
): Promise<void> {
  for (const key of keys) {
    const config = streamConfig(nats, key, limits);
    await nats.whileJetStreamStarts(`ensure stream ${config.name}`, async () => {
      try {
        await nats.manager.streams.info(config.name);
        await nats.manager.streams.update(config.name, config);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        try {
          await nats.manager.streams.add(config);
        } catch (addErr) {
          // Another migration run created it between our info and add.
          if (!(addErr instanceof JetStreamApiError && addErr.code === STREAM_NAME_IN_USE)) throw addErr;
        }
      }
    });
  }
}

/** The work age the migration step recorded on a stream, or null (a stream of an older release). */
export async function workMaxAgeMs(nats: NatsService, key: StreamKey): Promise<number | null> {
  const name = streamName(nats, key);
  const info = await nats.whileJetStreamStarts(`read stream ${name}`, () => nats.manager.streams.info(name));
  const value = Number(info.config.metadata?.[WORK_MAX_AGE_METADATA]);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** The replicas the migration step gave the streams (EVENTS), which KV buckets follow. */
export async function streamReplicas(nats: NatsService): Promise<number> {
  const name = streamName(nats, 'events');
  const info = await nats.whileJetStreamStarts(`read stream ${name}`, () => nats.manager.streams.info(name));
  return info.config.num_replicas || 1;
}

/** Thrown at start-up when a stream a service uses has not been created by the migration step. */
export class MissingStreamsError extends Error {
  constructor(readonly streams: string[]) {
    super(`JetStream streams missing: ${streams.join(', ')}; they are created by the migrations (npx nx run registry:migrate)`);
    this.name = 'MissingStreamsError';
  }
}

/** The streams of `keys` that do not exist yet. */
async function missingStreams(nats: NatsService, keys: readonly StreamKey[]): Promise<string[]> {
  const missing: string[] = [];
  for (const key of keys) {
    try {
      await nats.manager.streams.info(streamName(nats, key));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing.push(streamName(nats, key));
    }
  }
  return missing;
}

/**
 * Waits at start-up until the streams a service uses exist: the migration step creates them,
 * and in a fresh deployment it may still be running when the services start. Gives up with
 * MissingStreamsError after `timeoutMs`.
 */
export async function awaitStreams(
  nats: NatsService,
  keys: readonly StreamKey[],
  logger: { warn(obj: object, msg: string): void },
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const look = () => nats.whileJetStreamStarts('look for the streams', () => missingStreams(nats, keys));
  let missing = await look();
  if (missing.length) logger.warn({ streams: missing }, 'waiting for the migrations to create the JetStream streams');
  while (missing.length) {
    if (Date.now() >= deadline) throw new MissingStreamsError(missing);
    await new Promise((resolve) => setTimeout(resolve, 500));
    missing = await look();
  }
}

export function streamName(nats: NatsService, key: StreamKey): string {
  return nats.name(STREAMS[key].name);
}

/** JetStream's answer for a stream or consumer that does not exist. */
export function isNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
