import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from '@cleargate/testing';

describe('tools/dev-services.sh', () => {
  let holder: Server;
  let port: number;
  const dataDirs: string[] = [];

  beforeAll(async () => {
    holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    for (const dir of dataDirs) {
      // Stops whatever a failing run did start, so a regression does not leave servers behind.
      spawnSync('bash', [join(ROOT, 'tools', 'dev-services.sh'), 'stop'], {
        env: { ...process.env, CLEARGATE_DEV_SERVICES: 'local', CLEARGATE_DATA_DIR: dir },
        timeout: 60_000,
      });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** `start` with a data folder of its own and the given ports. */
  function start(ports: Record<string, string>): { status: number | null; stderr: string; data: string } {
    const data = mkdtempSync(join(tmpdir(), 'cleargate-dev-services-'));
    chmodSync(data, 0o755); // as root the cluster belongs to the postgres user, which must reach it
    dataDirs.push(data);
    const run = spawnSync('bash', [join(ROOT, 'tools', 'dev-services.sh'), 'start'], {
      env: { ...process.env, CLEARGATE_DEV_SERVICES: 'local', CLEARGATE_DATA_DIR: data, ...ports },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: run.status, stderr: run.stderr, data };
  }

  it('refuses to start PostgreSQL on a port another process holds, naming the port and the setting', () => {
    const run = start({ CLEARGATE_PG_PORT: String(port) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`port ${port} is already taken by another process`);
    expect(run.stderr).toContain('CLEARGATE_PG_PORT');
    expect(run.stderr).not.toContain('postgresql started');
    expect(existsSync(join(run.data, 'pg', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(run.data, 'pg', 'PG_VERSION'))).toBe(false);
  }, 90_000);

  it('refuses a taken NATS port before it starts anything, so no PostgreSQL is left behind', async () => {
    const run = start({ CLEARGATE_PG_PORT: String(await freePort()), CLEARGATE_NATS_PORT: String(port) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`port ${port} is already taken by another process`);
    expect(run.stderr).toContain('CLEARGATE_NATS_PORT');
    expect(run.stderr).not.toContain('postgresql started');
    expect(run.stderr).not.toContain('nats started');
    expect(existsSync(join(run.data, 'pg', 'postmaster.pid'))).toBe(false);
  }, 90_000);
});
