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

  it('runs the start-up steps apart from readiness, naming the ones that failed or hung', async () => {
    const health = new HealthRegistry();
    const ran: string[] = [];
    health.register('nats', () => void ran.push('readiness'));
    health.registerStartup('subscriptions', () => void ran.push('startup'));
    health.registerStartup('hangs', () => new Promise(() => undefined));
    health.registerStartup('fails', () => {
      throw new Error('no connection');
    });
    expect(await health.completeStartup(20)).toEqual({ hangs: 'timed out after 20 ms', fails: 'no connection' });
    expect(ran).toEqual(['startup']);
    expect((await health.readiness()).checks).toEqual({ nats: 'ok' });
  });
});
