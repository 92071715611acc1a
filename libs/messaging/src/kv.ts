import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/nats-core';
import { NatsService } from './nats.service';
import { isNotFound, streamReplicas } from './streams';

export interface KvBucketOptions {
  /** Values kept per key; 1 keeps the latest only. */
  history: number;
  /** Entries expire this long after their last write; absent or 0 keeps them. */
  ttlMs?: number;
  description?: string;
  /** Copies on the nodes of a cluster; default: those the migration step gave the streams. */
  replicas?: number;
}

/** A key's current value and the revision to compare against when writing it next. */
export interface KvValue {
  value: Uint8Array;
  revision: number;
}

/** `create` found the key taken, or `update`/`delete` found it changed since the given revision. */
export class KvConflictError extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`key ${key} was written by someone else`, { cause });
    this.name = 'KvConflictError';
  }
}

/** JetStream refused a write because the key's last revision is not the one given. */
function isConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

const encoder = new TextEncoder();
const encode = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? encoder.encode(value) : value);

/**
 * A JetStream KV bucket of the service's namespace: the state services keep on the bus (the
 * monitor's cursor and lease, the notifier's delivery records). Each bucket has one owner
 * service, which opens (and creates) it.
 */
export class KvStore {
  private constructor(
    private readonly kv: KV,
    readonly bucket: string,
  ) {}

  /**
   * Opens the bucket `<namespace>_<name>`, creating it when missing. An existing bucket is bound
   * as it is, except for its TTL and replicas, which follow `ttlMs` and `replicas` (a changed
   * setting takes effect).
   */
  static async open(nats: NatsService, name: string, options: KvBucketOptions): Promise<KvStore> {
    const bucket = nats.name(name);
    // Without the streams (a bucket opened before any migration) a bucket has one copy.
    const replicas = options.replicas ?? (await streamReplicas(nats).catch((err: unknown) => (isNotFound(err) ? 1 : Promise.reject(err))));
    const kv = await nats.whileJetStreamStarts(`open bucket ${bucket}`, async () => {
      const kv = await new Kvm(nats.jetstream).create(bucket, {
        history: options.history,
        replicas,
        ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
        ...(options.description ? { description: options.description } : {}),
      });
      const stream = `KV_${bucket}`;
      const { config } = await nats.manager.streams.info(stream);
      const maxAge = nanos(options.ttlMs ?? 0);
      if (config.max_age !== maxAge || config.num_replicas !== replicas)
        await nats.manager.streams.update(stream, { ...config, max_age: maxAge, num_replicas: replicas });
      return kv;
    });
    return new KvStore(kv, bucket);
  }

  /** The key's value, or null when it was never written, was deleted or has expired. */
  async get(key: string): Promise<KvValue | null> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') return null;
    return { value: entry.value, revision: entry.revision };
  }

  async put(key: string, value: string | Uint8Array): Promise<number> {
    return this.kv.put(key, encode(value));
  }

  /** Writes the key only if it holds no value (never written, deleted or expired). */
  async create(key: string, value: string | Uint8Array): Promise<number> {
    try {
      return await this.kv.create(key, encode(value));
    } catch (err) {
      throw isConflict(err) ? new KvConflictError(key, err) : err;
    }
  }

  /** Writes the key only if its revision is still `revision` (compare-and-set). */
  async update(key: string, value: string | Uint8Array, revision: number): Promise<number> {
    try {
      return await this.kv.update(key, encode(value), revision);
    } catch (err) {
      throw isConflict(err) ? new KvConflictError(key, err) : err;
    }
  }

  /** Deletes the key, only if its revision is still `revision` when given. */
  async delete(key: string, revision?: number): Promise<void> {
    try {
      await this.kv.delete(key, revision ? { previousSeq: revision } : {});
    } catch (err) {
      throw isConflict(err) ? new KvConflictError(key, err) : err;
    }
  }
}
