import { LookupCache } from './lookup-cache';

describe('LookupCache', () => {
  it('loads once for concurrent misses and serves hits until the entry expires', async () => {
    const cache = new LookupCache<string>({ max: 10, ttlMs: 100 });
    const load = jest.fn(async () => 'id-1');
    await expect(Promise.all([cache.get('q', load), cache.get('q', load), cache.get('q', load)])).resolves.toEqual([
      'id-1',
      'id-1',
      'id-1',
    ]);
    await cache.get('q', load);
    expect(load).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 150));
    await cache.get('q', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not remember a failed load, and forgets an entry on delete', async () => {
    const cache = new LookupCache<string>({ max: 10, ttlMs: 60_000 });
    await expect(cache.get('q', () => Promise.reject(new Error('unknown queue')))).rejects.toThrow('unknown queue');
    await expect(cache.get('q', async () => 'id-1')).resolves.toBe('id-1');
    cache.delete('q');
    await expect(cache.get('q', async () => 'id-2')).resolves.toBe('id-2');
  });

  it('loads every time when the ttl is 0', async () => {
    const cache = new LookupCache<string>({ max: 10, ttlMs: 0 });
    const load = jest.fn(async () => 'x');
    await cache.get('k', load);
    await cache.get('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('is bounded', async () => {
    const cache = new LookupCache<string>({ max: 2, ttlMs: 60_000 });
    const load = jest.fn(async () => 'v');
    for (const key of ['a', 'b', 'c', 'a']) await cache.get(key, load);
    expect(load).toHaveBeenCalledTimes(4);
  });
});
