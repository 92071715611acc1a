import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureStreams, NatsService } from '@cleargate/messaging';
import { createLogger } from '@cleargate/observability';

/**
 * Integration tests use the PostgreSQL and NATS started by `tools/dev-services.sh start`
 * (or whatever DATABASE_URL / NATS_URL point at) and isolate themselves: a throwaway
 * database per suite and a random NATS namespace, so suites never collide.
 */
export const DEV_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://cleargate:cleargate@127.0.0.1:55432/cleargate';
export const DEV_NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:14222';
/** The monitoring port of that NATS (tools/dev-services.sh starts it with CLEARGATE_NATS_HTTP_PORT). */
export const DEV_NATS_MONITOR_URL = process.env.NATS_MONITOR_URL ?? `http://127.0.0.1:${process.env.CLEARGATE_NATS_HTTP_PORT ?? 18222}`;

export function randomSuffix(bytes = 5): string {
  return randomBytes(bytes).toString('hex');
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'cg_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomSuffix()}`;
  const admin = new Client({ connectionString: DEV_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(DEV_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: DEV_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A namespace of its own for subjects and streams, with the streams created as the migration
 * step creates them (services only wait for them); `dropNamespace` removes its streams and
 * buckets afterwards.
 */
export async function createTestNamespace(url = DEV_NATS_URL): Promise<string> {
  const namespace = `t${randomSuffix()}`;
  const nats = await NatsService.connect(
    { url, namespace, name: 'test-migrate', requestTimeoutMs: 5000 },
    createLogger({ service: 'test-migrate', level: 'silent' }),
  );
  try {
    await ensureStreams(nats);
  } finally {
    await nats.close();
  }
  return namespace;
}

export async function dropNamespace(namespace: string, url = DEV_NATS_URL): Promise<void> {
  const nc = await connect({ servers: new URL(url).host });
  try {
    const jsm = await jetstreamManager(nc);
    const prefix = `${namespace.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_`;
    for await (const stream of jsm.streams.list()) {
      // Buckets are streams named KV_<bucket>.
      const name = stream.config.name;
      if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
