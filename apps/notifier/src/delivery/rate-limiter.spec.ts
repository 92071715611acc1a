import { retryDelay } from './delivery.service';
import { ChannelRateLimiter } from './rate-limiter';

describe('ChannelRateLimiter', () => {
  let now = 0;
  let limiter: ChannelRateLimiter;

  beforeEach(() => {
    now = 1_000_000;
    limiter = new ChannelRateLimiter(() => now);
    limiter.configure('slack', 1, 3);
    limiter.configure('fast', 100, 100);
  });

  it('lets a burst through, then spaces requests at the rate', () => {
    const waits = ['a', 'b', 'c', 'd', 'e'].map((key) => limiter.acquire('slack', key));
    expect(waits).toEqual([0, 0, 0, 1000, 2000]);
    expect(limiter.acquire('fast', 'a')).toBe(0);
  });

  it('keeps a reservation for an alert until it is used, so a returning alert does not queue again', () => {
    for (const key of ['a', 'b', 'c']) limiter.acquire('slack', key);
    expect(limiter.acquire('slack', 'late')).toBe(1000);
    now += 600;
    expect(limiter.acquire('slack', 'late')).toBe(400);
    now += 400;
    expect(limiter.acquire('slack', 'late')).toBe(0);
    limiter.release('slack', 'late');
    expect(limiter.acquire('slack', 'next')).toBe(1000);
  });

  it('holds everything back while the provider asked to wait', () => {
    limiter.block('slack', now + 5000);
    expect(limiter.acquire('slack', 'a')).toBe(5000);
    expect(limiter.acquire('slack', 'b')).toBe(6000);
    expect(limiter.acquire('fast', 'a')).toBe(0);
  });
});

describe('retryDelay', () => {
  it('doubles from the base with jitter and stays under the maximum', () => {
    for (let i = 0; i < 50; i++) {
      expect(retryDelay(1, 1000, 30_000)).toBeGreaterThanOrEqual(500);
      expect(retryDelay(1, 1000, 30_000)).toBeLessThan(1000);
      expect(retryDelay(3, 1000, 30_000)).toBeGreaterThanOrEqual(2000);
      expect(retryDelay(3, 1000, 30_000)).toBeLessThan(4000);
      expect(retryDelay(40, 1000, 30_000)).toBeGreaterThanOrEqual(15_000);
      expect(retryDelay(40, 1000, 30_000)).toBeLessThanOrEqual(30_000);
    }
  });
});
