// Starts and stops a real Keycloak for the interop specs. Jest's globalSetup loads this file
// outside the test module system, so it imports only Node's own modules and relative files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
// Jest's globalSetup resolves modules as Node does, without the workspace's path aliases; this
// file of @cleargate/testing imports only Node's own modules.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { testCertificates } from '../../../../libs/testing/src/certificates';

/** What the specs need to reach the Keycloak of this test run (carried in one environment variable). */
export interface KeycloakInfo {
  /** Keycloak's base URL, with the `/auth` context path Snap4City's Keycloak has. */
  url: string;
  /**
   * The same Keycloak over HTTPS (HTTP/2 or HTTP/1.1, as the client offers), with a certificate
   * for 127.0.0.1 and localhost signed by a CA of the test run's own.
   */
  httpsUrl: string;
  /** That CA's certificate (PEM): what a client of `httpsUrl` has to trust. */
  caFile: string;
  /** The management interface (health), on a port of its own. */
  managementUrl: string;
  realm: string;
  /** `{url}/realms/{realm}`: the `iss` of the realm's tokens. */
  issuer: string;
  version: string;
  /** The master realm's temporary administrator, for the admin REST API. */
  adminUser: string;
  adminPassword: string;
  /** How long the start took (ms), or null for a Keycloak started elsewhere. */
  startMs: number | null;
  logFile: string | null;
}

export const KEYCLOAK_ENV = 'CLEARGATE_KEYCLOAK';
/** The access log's lines: `keycloak-access <local port> HTTP/1.1 GET /auth/realms/snap4city/… 200`. */
export const ACCESS_LOG_PATTERN = 'keycloak-access %p %H %m %U %s';
export const REALM = 'snap4city';

const ROOT = findRoot(__dirname);
const SCRIPT = join(ROOT, 'tests', 'interop', 'keycloak', 'keycloak.sh');
export const REALM_FILE = join(ROOT, 'tests', 'interop', 'keycloak', `${REALM}-realm.json`);

function findRoot(dir: string): string {
  let current = dir;
  while (!existsSync(join(current, 'nx.json'))) {
    const parent = join(current, '..');
    if (parent === current) throw new Error('workspace root not found');
    current = parent;
  }
  return current;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Fetches and unpacks the distribution when missing (idempotent); returns KEYCLOAK_HOME. */
export function installKeycloak(): string {
  const result = spawnSync('bash', [SCRIPT, 'install'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`installing Keycloak failed:\n${result.stderr}`);
  return result.stdout.trim().split('\n').pop()!;
}

export interface RunningKeycloak {
  info: KeycloakInfo;
  stop(): Promise<void>;
}

/**
 * Keycloak in development mode (`start-dev`, in-memory H2, so every run starts from the realm
 * file) on free loopback ports, with the realm imported at start. Ready when the management
 * interface's /health/ready answers 200 and the realm publishes its discovery document.
 */
export async function startKeycloak(options: { readyTimeoutMs?: number } = {}): Promise<RunningKeycloak> {
  const home = installKeycloak();
  mkdirSync(join(home, 'data', 'import'), { recursive: true });
  copyFileSync(REALM_FILE, join(home, 'data', 'import', `${REALM}-realm.json`));
  for (let attempt = 1; ; attempt++) {
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(await freePort());
    const [httpPort, httpsPort, managementPort] = [...ports] as [number, number, number];
    try {
      return await startOnce(home, { httpPort, httpsPort, managementPort }, options.readyTimeoutMs ?? 240_000);
    } catch (err) {
      // A free port can be taken by another process before Keycloak binds it: try other ports.
      if (attempt < 3 && /already in use|in use by another process/i.test(String(err))) continue;
      throw err;
    }
  }
}

interface Ports {
  httpPort: number;
  httpsPort: number;
  managementPort: number;
}

async function startOnce(home: string, { httpPort, httpsPort, managementPort }: Ports, readyTimeoutMs: number): Promise<RunningKeycloak> {
  const version = readFileSync(join(home, 'version.txt'), 'utf8').match(/\d+\.\d+\.\d+/)?.[0] ?? 'unknown';
  const url = `http://127.0.0.1:${httpPort}/auth`;
  const httpsUrl = `https://127.0.0.1:${httpsPort}/auth`;
  const certs = testCertificates();
  const managementUrl = `http://127.0.0.1:${managementPort}/auth`;
  const adminUser = 'admin';
  const adminPassword = randomBytes(18).toString('base64url');
  mkdirSync(join(ROOT, 'tmp', 'interop'), { recursive: true });
  const logFile = join(ROOT, 'tmp', 'interop', `keycloak-${httpPort}.log`);
  const out = openSync(logFile, 'w');

  const started = Date.now();
  const child: ChildProcess = spawn(
    'bash',
    [
      SCRIPT,
      'run',
      String(process.pid),
      '--http-host=127.0.0.1',
      `--http-port=${httpPort}`,
      `--https-port=${httpsPort}`,
      `--https-certificate-file=${certs.certFile}`,
      `--https-certificate-key-file=${certs.keyFile}`,
      `--http-management-port=${managementPort}`,
      // Health stays plain HTTP (it would take the main interface's certificate otherwise).
      '--http-management-scheme=http',
      '--http-relative-path=/auth',
      '--health-enabled=true',
      '--http-access-log-enabled=true',
      '--db=dev-mem',
      '--import-realm',
    ],
    {
      // Its own process group, so that stop() reaches kc.sh and the JVM alike.
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        KC_BOOTSTRAP_ADMIN_USERNAME: adminUser,
        KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
        // One line per request in the log (--http-access-log-enabled), with the port it came in
        // on and the protocol agreed; in the environment, as kc.sh splits arguments at spaces.
        KC_HTTP_ACCESS_LOG_PATTERN: ACCESS_LOG_PATTERN,
        JAVA_OPTS_KC_HEAP: '-Xms256m -Xmx1g',
        // The client compiler only: about 40 % less CPU for the start on a small machine, and the
        // specs' load never needs the optimising one.
        JAVA_OPTS_APPEND: '-XX:TieredStopAtLevel=1',
      },
    },
  );
  closeSync(out);
  let exited: number | null = null;
  child.once('exit', (code, signal) => (exited = code ?? (signal ? 128 : -1)));

  const stopProcess = async (): Promise<void> => {
    if (exited !== null || child.pid === undefined) return;
    const group = -child.pid;
    const alive = () => {
      try {
        process.kill(group, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 30_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive()) process.kill(group, 'SIGKILL');
  };
  const stop = async (): Promise<void> => {
    await stopProcess();
    certs.remove();
  };

  const issuer = `${url}/realms/${REALM}`;
  const deadline = started + readyTimeoutMs;
  for (;;) {
    if (exited !== null) {
      certs.remove();
      throw new Error(`Keycloak exited with ${exited} before it was ready:\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Keycloak was not ready within ${readyTimeoutMs} ms:\n${tail(logFile)}`);
    }
    if ((await status(`${managementUrl}/health/ready`)) === 200 && (await status(`${issuer}/.well-known/openid-configuration`)) === 200)
      break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const info: KeycloakInfo = {
    url,
    httpsUrl,
    caFile: certs.caFile,
    managementUrl,
    realm: REALM,
    issuer,
    version,
    adminUser,
    adminPassword,
    startMs: Date.now() - started,
    logFile,
  };
  return { info, stop };
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
