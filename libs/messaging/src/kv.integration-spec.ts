import { nanos } from '@nats-io/nats-core';
import { KvConflictError, KvStore } from './kv';
import { natsFixture } from './test/nats-fixture';

describe('KvStore', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;

  beforeAll(async () => {
    fx = await natsFixture();
  });
  afterAll(() => fx.drop());

  it('creates a key only once, and updates it only from the revision it was read at', async () => {
    const kv = await KvStore.open(fx.nats, 'TEST_CAS', { history: 1 });
    const first = await kv.create('cursor', 'a');
    await expect(kv.create('cursor', 'b')).rejects.toBeInstanceOf(KvConflictError);
    const second = await kv.update('cursor', 'c', first);
    await expect(kv.update('cursor', 'd', first)).rejects.toBeInstanceOf(KvConflictError);
    expect(new TextDecoder().decode((await kv.get('cursor'))!.value)).toBe('c');
    expect((await kv.get('cursor'))!.revision).toBe(second);
    await expect(kv.delete('cursor', first)).rejects.toBeInstanceOf(KvConflictError);
    await kv.delete('cursor', second);
    expect(await kv.get('cursor')).toBeNull();
    // A deleted key can be created again.
    await expect(kv.create('cursor', 'e')).resolves.toBeGreaterThan(second);
  });

  it('applies a changed TTL to a bucket that exists already', async () => {
    await KvStore.open(fx.nats, 'TEST_TTL', { history: 1, ttlMs: 60_000 });
    await KvStore.open(fx.nats, 'TEST_TTL', { history: 1, ttlMs: 120_000 });
    const info = await fx.nats.manager.streams.info(`KV_${fx.nats.name('TEST_TTL')}`);
    expect(info.config.max_age).toBe(nanos(120_000));
  });
});
