import { LRUCache } from 'lru-cache';

/**
 * A bounded cache of values that expire after `ttlMs`, loaded on a miss. Concurrent misses on
 * one key share one load, so a burst of runs on a cold template reads ClearML once. Failed
 * loads are not remembered. `ttlMs = 0` turns caching off (every get loads).
 */
export class LookupCache<V extends NonNullable<unknown>> {
  private readonly values?: LRUCache<string, V>;
  private readonly loading = new Map<string, Promise<V>>();

  constructor(options: { max: number; ttlMs: number }) {
    if (options.ttlMs > 0) this.values = new LRUCache({ max: options.max, ttl: options.ttlMs, ttlAutopurge: false });
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.values?.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loaded = load()
      .then((value) => {
        this.values?.set(key, value);
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }

  delete(key: string): void {
    this.values?.delete(key);
  }
}
