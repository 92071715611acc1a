import { KvConflictError } from '@cleargate/messaging';
import { BucketStore, SharedTokenBuckets, TakeResult } from './token-buckets';

/** A KV bucket in memory with JetStream's compare-and-set rules: create needs no value, update the last revision. */
class MemoryStore implements BucketStore {
  readonly values = new Map<string, { value: Uint8Array; revision: number }>();
  writes = 0;
  private revision = 0;
  failing = false;

  async get(key: string) {
    if (this.failing) throw new Error('no responders');
    return this.values.get(key) ?? null;
  }
  async create(key: string, value: string | Uint8Array) {
    if (this.failing) throw new Error('no responders');
    if (this.values.has(key)) throw new KvConflictError(key, null);
    return this.put(key, value);
  }
  async update(key: string, value: string | Uint8Array, revision: number) {
    if (this.failing) throw new Error('no responders');
    if (this.values.get(key)?.revision !== revision) throw new KvConflictError(key, null);
    return this.put(key, value);
  }
  private put(key: string, value: string | Uint8Array) {
    this.writes++;
    this.values.set(key, { value: typeof value === 'string' ? new TextEncoder().encode(value) : value, revision: ++this.revision });
    return this.revision;
  }
}

const ok = (r: TakeResult) => r.ok;

describe('SharedTokenBuckets', () => {
  let now = 1_000_000;
  const clock = () => now;
  const replica = (store: MemoryStore, grantMs = 100) =>
    new SharedTokenBuckets(store, { grantMs, holdMs: 1000, maxAttempts: 5, now: clock }, () => undefined);

  it('admits the burst, then refuses with the seconds until the next token, across replicas sharing one store', async () => {
    const store = new MemoryStore();
    const [a, b] = [replica(store), replica(store)];
    const results: boolean[] = [];
    for (let i = 0; i < 10; i++) results.push(ok(await (i % 2 ? a : b).take('k', 2, 4)));
    expect(results.filter(Boolean)).toHaveLength(4);
    const refused = await a.take('k', 2, 4);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 500; // one token back at 2/s
    expect(ok(await b.take('k', 2, 4))).toBe(true);
    expect(ok(await a.take('k', 2, 4))).toBe(false);
  });

  it('takes a grant of tokens in one write at high rates and spends it without the store', async () => {
    const store = new MemoryStore();
    const a = replica(store, 100);
    expect(ok(await a.take('k', 1000, 1000))).toBe(true);
    expect(store.writes).toBe(1); // 1000/s × 100 ms = one grant of 100
    for (let i = 1; i < 100; i++) expect(a.take('k', 1000, 1000)).toEqual({ ok: true }); // answered at once
    const next = a.take('k', 1000, 1000); // the grant is spent: the 101st call asks the store
    expect(next).toBeInstanceOf(Promise);
    expect(ok(await next)).toBe(true);
    expect(store.writes).toBe(2);
  });

  it('lets concurrent calls of one bucket share a single write', async () => {
    const store = new MemoryStore();
    const a = replica(store, 100);
    const results = await Promise.all(Array.from({ length: 50 }, () => a.take('k', 1000, 1000)));
    expect(results.every(ok)).toBe(true);
    expect(store.writes).toBe(1);
  });

  it('never admits more than the burst plus the refill when replicas race for the same key', async () => {
    const store = new MemoryStore();
    const replicas = [replica(store, 1), replica(store, 1), replica(store, 1)];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => replicas[i % 3]!.take('k', 1, 10)));
    expect(results.filter(ok)).toHaveLength(10);
  });

  it('lets a call through when the store does not answer', async () => {
    const store = new MemoryStore();
    store.failing = true;
    const errors: unknown[] = [];
    const a = new SharedTokenBuckets(store, { grantMs: 100, holdMs: 1000, maxAttempts: 5, now: clock }, (err) => errors.push(err));
    expect(ok(await a.take('k', 1, 1))).toBe(true);
    expect(ok(await a.take('k', 1, 1))).toBe(true);
    expect(errors).toHaveLength(2);
  });

  it('keys buckets by a hash that KV keys accept', () => {
    expect(SharedTokenBuckets.key(['ünïcode user@x', '*'])).toMatch(/^b\.[0-9a-f]{40}$/);
    expect(SharedTokenBuckets.key(['a', 'b'])).not.toBe(SharedTokenBuckets.key(['a\u0000b']));
  });
});
