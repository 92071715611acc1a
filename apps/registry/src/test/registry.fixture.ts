import { AppError, Caller } from '@cleargate/contracts';
import { createRuntime } from '@cleargate/observability';
import {
  connectTestBus,
  createTestDatabase,
  DEV_NATS_URL,
  dropNamespace,
  TEST_PUBLIC_ID_SECRET,
  TestBus,
  TestDatabase,
  createTestNamespace,
} from '@cleargate/testing';
import { loadRegistryConfig, RegistryConfig } from '../config';
import { startRegistry } from '../main';

export const admin: Caller = { subject: 'u-root', username: 'rootadmin', roles: ['RootAdmin'], groups: [], admin: true };
export const alice: Caller = { subject: 'u-alice', username: 'alice', roles: ['AreaManager'], groups: ['lab'], admin: false };
export const bob: Caller = { subject: 'u-bob', username: 'bob', roles: ['AreaManager'], groups: [], admin: false };

/** A registry running in-process on a throwaway database and NATS namespace. */
export async function startRegistryFixture(overrides: Record<string, string> = {}) {
  const db: TestDatabase = await createTestDatabase();
  const namespace = await createTestNamespace();
  const config: RegistryConfig = loadRegistryConfig({
    DATABASE_URL: db.url,
    DATABASE_MIGRATE: 'true',
    NATS_URL: DEV_NATS_URL,
    NATS_ANONYMOUS: 'true',
    NATS_NAMESPACE: namespace,
    PUBLIC_ID_SECRET: TEST_PUBLIC_ID_SECRET,
    OPS_PORT: '0',
    LOG_LEVEL: 'warn',
    CALLLOG_BATCH_WAIT_MS: '20',
    ...overrides,
  });
  const registry = await startRegistry(config, createRuntime('registry', 'warn'));
  const bus: TestBus = await connectTestBus(namespace);
  return {
    config,
    db,
    namespace,
    registry,
    bus,
    async close() {
      await bus.close();
      await registry.close();
      await db.drop();
      await dropNamespace(namespace);
    },
  };
}
export type RegistryFixture = Awaited<ReturnType<typeof startRegistryFixture>>;

/** The AppError an RPC rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejects(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
