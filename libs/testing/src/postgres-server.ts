import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './processes';
import { waitFor } from './wait';

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).sort().reverse()[0] : undefined;
  if (!version) throw new Error('PostgreSQL is not installed (tools/dev-services.sh installs it)');
  return join(base, version, 'bin');
}

/** Runs a PostgreSQL program as the postgres user when we are root (it refuses to run as root). */
function asPostgres(program: string, args: string[]): void {
  const bin = join(pgBin(), program);
  if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: '/', stdio: 'pipe' });
  else execFileSync(bin, args, { stdio: 'pipe' });
}

export interface PostgresServer {
  port: number;
  /** postgres://cleargate:cleargate@127.0.0.1:<port>/cleargate */
  url: string;
  start(): Promise<void>;
  /** `immediate` is a crash as far as the server's clients can tell (no goodbye, recovery at start). */
  stop(mode?: 'fast' | 'immediate'): void;
  remove(): void;
}

/**
 * A PostgreSQL cluster of the test's own (fsync on, as in production), on a free loopback port,
 * for tests that stop and restart it; never the shared dev one.
 */
export async function postgresServer(): Promise<PostgresServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cg-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'cleargate\n');
  chmodSync(pwfile, 0o644);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  asPostgres('initdb', ['-D', data, '-U', 'cleargate', `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '--no-sync']);
  writeFileSync(
    join(dir, 'extra.conf'),
    `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nmax_connections = 100\n`,
  );
  execFileSync('bash', ['-c', `cat '${join(dir, 'extra.conf')}' >> '${join(data, 'postgresql.conf')}'`]);
  const url = `postgres://cleargate:cleargate@127.0.0.1:${port}/cleargate`;
  let created = false;
  const server: PostgresServer = {
    port,
    url,
    async start() {
      asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      if (!created) {
        const admin = new Client({ connectionString: `postgres://cleargate:cleargate@127.0.0.1:${port}/postgres` });
        await admin.connect();
        await admin.query('CREATE DATABASE cleargate');
        await admin.end();
        created = true;
      }
      await waitFor(
        async () => {
          const c = new Client({ connectionString: url });
          await c.connect();
          await c.end();
          return true;
        },
        { timeoutMs: 20_000, message: 'postgres accepting connections' },
      );
    },
    stop(mode = 'fast') {
      asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    remove() {
      try {
        server.stop('immediate');
      } catch {
        /* not running */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
