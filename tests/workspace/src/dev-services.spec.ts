import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

describe('tools/dev-services.sh', () => {
  let holder: Server;
  let port: number;
  let data: string;

  beforeAll(async () => {
    holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
    data = mkdtempSync(join(tmpdir(), 'cleargate-dev-services-'));
    chmodSync(data, 0o755); // as root the cluster belongs to the postgres user, which must reach it
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(data, { recursive: true, force: true });
  });

  it('refuses to start PostgreSQL on a port another process holds, naming the port and the setting', () => {
    const run = spawnSync('bash', [join(ROOT, 'tools', 'dev-services.sh'), 'start'], {
      env: { ...process.env, CLEARGATE_DEV_SERVICES: 'local', CLEARGATE_DATA_DIR: data, CLEARGATE_PG_PORT: String(port) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`port ${port} is already taken by another process`);
    expect(run.stderr).toContain('CLEARGATE_PG_PORT');
    expect(run.stderr).not.toContain('postgresql started');
    expect(existsSync(join(data, 'pg', 'postmaster.pid'))).toBe(false);
  }, 90_000);
});
