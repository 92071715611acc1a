import { LimitIndex, LimitRule } from './limits';
import { latencyBucketOf, quantileFromBuckets, USAGE_LATENCY_BUCKETS_MS } from './usage';

const rule = (scope: LimitRule['scope'], subject: string, limits: LimitRule['limits'], extra: Partial<LimitRule> = {}): LimitRule => ({
  id: '00000000-0000-4000-8000-000000000000',
  scope,
  subject,
  user: null,
  target: null,
  limits,
  updated_by: 'root',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('LimitIndex', () => {
  const index = new LimitIndex([
    rule('role', 'Public', { calls_per_second: 2, max_in_flight: 4, runs_per_day: 10, tokens_per_day: 50_000 }),
    rule('role', 'AreaManager', { calls_per_second: 20 }),
    rule('user', 'alice', { calls_per_second: 50, burst: 100, runs_per_day: null }),
    rule('endpoint', 'e-uuid', { calls_per_second: 0.5 }, { target: { machine_id: 'm', endpoint: 'slow' } }),
    rule('endpoint', 'e-uuid', { calls_per_second: 5, burst: 7 }, { target: { machine_id: 'm', endpoint: 'slow' }, user: 'bob' }),
    rule('task', 't-uuid', { max_concurrent_runs: 1 }, { target: { task_id: 't'.repeat(64) } }),
  ]);

  it('takes each field from the most specific rule that sets it', () => {
    expect(index.resolve('carol', 'Public')).toEqual({
      limits: { calls_per_second: 2, burst: 2, max_in_flight: 4, runs_per_day: 10, max_concurrent_runs: null, tokens_per_day: 50_000 },
      scoped: {},
    });
    // alice's own rule: her rate with its burst, runs unlimited (null), in-flight from her role
    expect(index.resolve('alice', 'Public').limits).toEqual({
      calls_per_second: 50,
      burst: 100,
      max_in_flight: 4,
      runs_per_day: null,
      max_concurrent_runs: null,
      tokens_per_day: 50_000,
    });
  });

  it('gives an endpoint or task rule a scope of its own, the caller’s own endpoint rule first', () => {
    expect(index.resolve('carol', 'AreaManager', { endpoint: 'm/slow' })).toEqual({
      limits: { calls_per_second: 0.5, burst: 1, max_in_flight: null, runs_per_day: null, max_concurrent_runs: null, tokens_per_day: null },
      scoped: { calls_per_second: 'e:m/slow' },
    });
    expect(index.resolve('bob', 'AreaManager', { endpoint: 'm/slow' }).limits).toMatchObject({ calls_per_second: 5, burst: 7 });
    expect(index.resolve('bob', 'AreaManager', { endpoint: 'm/fast' })).toMatchObject({ limits: { calls_per_second: 20 }, scoped: {} });
    expect(index.resolve('bob', 'Public', { task: 't'.repeat(64) })).toMatchObject({
      limits: { max_concurrent_runs: 1, runs_per_day: 10 },
      scoped: { max_concurrent_runs: `t:${'t'.repeat(64)}` },
    });
  });

  it('limits nobody without rules', () => {
    expect(new LimitIndex([]).resolve('x', 'RootAdmin').limits).toEqual({
      calls_per_second: null,
      burst: null,
      max_in_flight: null,
      runs_per_day: null,
      max_concurrent_runs: null,
      tokens_per_day: null,
    });
  });
});

describe('quantileFromBuckets', () => {
  it('interpolates inside the bucket the rank falls in', () => {
    const counts = new Array(USAGE_LATENCY_BUCKETS_MS.length + 1).fill(0);
    counts[latencyBucketOf(30).index] = 90; // (25, 50]
    counts[latencyBucketOf(700).index] = 10; // (500, 1000]
    expect(quantileFromBuckets(counts, 0.5)).toBeCloseTo(25 + 25 * (50 / 90));
    expect(quantileFromBuckets(counts, 0.95)).toBe(750);
    expect(
      quantileFromBuckets(
        counts.map(() => 0),
        0.95,
      ),
    ).toBeNull();
  });

  it('answers the last bound for calls slower than every bucket', () => {
    const counts = new Array(USAGE_LATENCY_BUCKETS_MS.length + 1).fill(0);
    counts[counts.length - 1] = 5;
    expect(quantileFromBuckets(counts, 0.95)).toBe(120_000);
    expect(latencyBucketOf(500_000)).toEqual({ index: USAGE_LATENCY_BUCKETS_MS.length, lower: 120_000, upper: Infinity });
  });
});
