import { HealthRegistry } from './health';

describe('HealthRegistry', () => {
  it('is ready only when every check passes, and names the failing one', async () => {
    const health = new HealthRegistry();
    health.register('nats', () => undefined);
    health.register('postgres', async () => {
      throw new Error('connection refused');
    });
    expect(await health.readiness()).toEqual({ status: 'unavailable', checks: { nats: 'ok', postgres: 'connection refused' } });
  });

  it('fails a check that hangs past the timeout and reports shutdown', async () => {
    const health = new HealthRegistry();
    health.register('slow', () => new Promise(() => undefined));
    expect((await health.readiness(20)).checks.slow).toMatch(/timed out/);
    health.markShuttingDown();
    expect((await health.readiness()).status).toBe('unavailable');
  });
});
