import { DiscardPolicy, nanos, RetentionPolicy, StorageType, StreamConfig } from 'nats';
import { STREAMS, StreamKey } from '@cleargate/contracts';
import { NatsService } from './nats.service';

/**
 * Creates the JetStream streams a service uses, or updates them to the definition in
 * libs/contracts. Idempotent, so every service can call it at start-up for its own streams.
 * Streams are taken in the order of STREAMS, so one that gives up subjects (EVENTS gave the
 * call-log subjects to CALLLOGS) is updated before the one that takes them is created.
 */
export async function ensureStreams(nats: NatsService, keys: StreamKey[]): Promise<void> {
  const ordered = (Object.keys(STREAMS) as StreamKey[]).filter((key) => keys.includes(key));
  for (const key of ordered) {
    const def = STREAMS[key];
    const config: Partial<StreamConfig> & { name: string } = {
      name: nats.name(def.name),
      description: def.description,
      subjects: def.subjects.map((s) => nats.subject(s)),
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
        // Another replica created it between our info and add.
        if (!/already in use|already exists/i.test(String(addErr))) throw addErr;
      }
    }
  }
}

export function streamName(nats: NatsService, key: StreamKey): string {
  return nats.name(STREAMS[key].name);
}

function isNotFound(err: unknown): boolean {
  return /not found/i.test(String((err as Error)?.message ?? err));
}
