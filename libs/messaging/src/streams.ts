import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { STREAMS, StreamKey, streamSubjects } from '@cleargate/contracts';
import { NatsService } from './nats.service';

/** JetStream's error code for a stream created by someone else in the meantime. */
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the JetStream streams, or updates them to their definition in libs/contracts.
 * Idempotent. Run by the migration step (`registry:migrate`, or the registry itself with
 * DATABASE_MIGRATE=true), so each stream has one definition in force and no service rewrites
 * another's: services only wait for the streams they use (awaitStreams).
 */
export async function ensureStreams(nats: NatsService, keys: readonly StreamKey[] = Object.keys(STREAMS) as StreamKey[]): Promise<void> {
  for (const key of keys) {
    const def = STREAMS[key];
    const config: Partial<StreamConfig> & { name: string } = {
      name: nats.name(def.name),
      description: def.description,
      subjects: streamSubjects(key).map((s) => nats.subject(s)),
      retention: def.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(def.maxAgeMs),
      duplicate_window: nanos(def.duplicateWindowMs),
      max_msg_size: -1,
      num_replicas: 1,
    };
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
  }
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
  let missing = await missingStreams(nats, keys);
  if (missing.length) logger.warn({ streams: missing }, 'waiting for the migrations to create the JetStream streams');
  while (missing.length) {
    if (Date.now() >= deadline) throw new MissingStreamsError(missing);
    await new Promise((resolve) => setTimeout(resolve, 500));
    missing = await missingStreams(nats, keys);
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
