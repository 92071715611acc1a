import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

  it('starts from a clone in a home folder only its owner may enter, finding a data folder PostgreSQL can reach', async () => {
    // A clone in a folder of mode 700 (as /root is), with nothing set: as root the cluster runs
    // as the postgres user, which cannot pass through that folder to the clone's .data/pg.
    const home = mkdtempSync(join(tmpdir(), 'cleargate-home-'));
    chmodSync(home, 0o700);
    const clone = join(home, 'cleargate');
    mkdirSync(join(clone, 'tools'), { recursive: true });
    copyFileSync(join(ROOT, 'tools', 'dev-services.sh'), join(clone, 'tools', 'dev-services.sh'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CLEARGATE_DEV_SERVICES: 'local',
      CLEARGATE_PG_PORT: String(await freePort()),
      CLEARGATE_NATS_PORT: String(await freePort()),
      CLEARGATE_NATS_HTTP_PORT: String(await freePort()),
    };
    delete env['CLEARGATE_DATA_DIR'];
    const script = (command: string) =>
      spawnSync('bash', [join(clone, 'tools', 'dev-services.sh'), command], { cwd: clone, env, encoding: 'utf8', timeout: 60_000 });
    let moved: string | undefined;
    try {
      const first = script('start');
      moved = /postgresql data in (\S+)/.exec(first.stderr)?.[1];
      expect(first.stderr).not.toContain('cannot write');
      expect(first.stderr).not.toContain('Permission denied');
      expect(first.status).toBe(0);
      expect(first.stderr).toContain(`postgresql started on 127.0.0.1:${env['CLEARGATE_PG_PORT']}`);
      expect(script('status').stdout).toContain('postgresql: running');
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        // ...so the cluster lives where the postgres user can reach it, and the script says where.
        expect(moved).toBeDefined();
        expect(first.stderr).toContain(`the postgres user cannot reach ${join(clone, '.data')}`);
        expect(relative(home, moved!).startsWith('..')).toBe(true);
        expect(existsSync(join(moved!, 'PG_VERSION'))).toBe(true);
      }
      const initialised = moved ? statSync(join(moved, 'PG_VERSION')).mtimeMs : undefined;
      // stop and start again find the same cluster: no second initdb, no variable to remember
      expect(script('stop').stderr).toContain('postgresql stopped');
      const again = script('start');
      expect(again.status).toBe(0);
      expect(/postgresql data in (\S+)/.exec(again.stderr)?.[1]).toBe(moved);
      if (moved) expect(statSync(join(moved, 'PG_VERSION')).mtimeMs).toBe(initialised);
      expect(again.stderr).toContain('postgresql started');
    } finally {
      script('stop');
      rmSync(home, { recursive: true, force: true });
      if (moved) rmSync(moved, { recursive: true, force: true });
    }
  }, 120_000);
});
