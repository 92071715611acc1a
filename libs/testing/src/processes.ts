import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait';

/** The workspace root, from libs/testing/src or its build under dist/. */
export const ROOT = findRoot(__dirname);

function findRoot(dir: string): string {
  let current = dir;
  while (!existsSync(join(current, 'nx.json'))) {
    const parent = join(current, '..');
    if (parent === current) throw new Error('workspace root not found');
    current = parent;
  }
  return current;
}

const handedOut = new Set<number>();

/** A port free right now and not given out before by this process (the kernel may offer one twice). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export interface ServiceProcess {
  name: string;
  opsPort: number;
  /** Every line the process wrote (JSON log lines), across restarts. */
  lines: string[];
  child: ChildProcess;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A ClearGate service as deployed: the built `dist/apps/<name>/src/main.js` in its own process,
 * configured only through the environment, ready when its /health/ready says so.
 */
/**
 * The outbound address policy's allow-list of every service a test starts: the test peers
 * (serving machines, chat services) listen on loopback, which the policy refuses by default. The
 * local demo allows the same (.env.example).
 */
export const TEST_EGRESS_ALLOWED_CIDRS = '127.0.0.0/8,::1/128';

/**
 * The gateway's accepted audiences in tests: the clients of the OIDC peer's realm (and of the
 * Keycloak realm of tests/interop) whose tokens the tests send.
 */
export const TEST_OIDC_AUDIENCES = 'nodered-iotedge,nodered,cleargate-demo,cleargate-console,cleargate-prometheus,admin-cli';

/**
 * What the service images set for memory (deploy/docker/Dockerfile's runtime stage), so that the
 * services run in tests and benchmarks as they do deployed: V8's young generation kept to 16 MiB
 * a semi-space, two malloc arenas.
 */
export const SERVICE_RUNTIME_ENV: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--max-semi-space-size=16',
  MALLOC_ARENA_MAX: '2',
};

export function serviceProcess(name: string, env: Record<string, string>, opsPort: number, nodeArgs: string[] = []): ServiceProcess {
  const egress: Record<string, string> = ['registry', 'ondemand-router', 'notifier'].includes(name)
    ? { EGRESS_ALLOWED_CIDRS: TEST_EGRESS_ALLOWED_CIDRS }
    : {};
  return nodeProcess({
    name,
    entry: join('dist', 'apps', name, 'src', 'main.js'),
    // The dev services' NATS has no users; a test that gives credentials runs with them.
    env: {
      ...SERVICE_RUNTIME_ENV,
      ...egress,
      ...(env['NATS_USER'] ? {} : { NATS_ANONYMOUS: 'true' }),
      ...env,
      OPS_PORT: String(opsPort),
      OPS_HOST: '127.0.0.1',
    },
    readyUrl: `http://127.0.0.1:${opsPort}/health/ready`,
    opsPort,
    nodeArgs,
  });
}

/** Any built entry point of the workspace (a service or a peer) run as a child process. */
export function nodeProcess(options: {
  name: string;
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  readyUrl: string;
  opsPort?: number;
  /** Extra node flags, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}): ServiceProcess {
  const { name } = options;
  const entry = join(ROOT, options.entry);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const lines: string[] = [];
  const service: ServiceProcess = {
    name,
    opsPort: options.opsPort ?? 0,
    lines,
    child: undefined as unknown as ChildProcess,
    async start() {
      const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry, ...(options.args ?? [])], {
        env: { PATH: process.env.PATH ?? '', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      service.child = child;
      let buffered = '';
      const collect = (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        lines.push(...parts.filter(Boolean));
      };
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      let exited: number | null = null;
      child.once('exit', (code) => (exited = code ?? -1));
      await waitFor(
        async () => {
          if (exited !== null) throw new Error(`${name} exited with ${exited}:\n${lines.slice(-20).join('\n')}`);
          const res = await fetch(options.readyUrl).catch(() => null);
          return res !== null && res.status < 500;
        },
        { timeoutMs: 20_000, intervalMs: 100, message: `${name} ready` },
      ).catch((error: Error) => {
        // What the process said is what tells why it never became ready.
        throw new Error(`${error.message}; its last lines:\n${lines.slice(-20).join('\n')}`);
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const child = service.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
    stop: () => service.kill('SIGTERM'),
  };
  return service;
}

/** The public-id secret `registryProcess` starts the registry with; tests check it never reaches a log. */
export const TEST_PUBLIC_ID_SECRET = 'test-public-id-secret-0123456789abcdef';

/** The registry as a process on a (throwaway) database, applying its migrations at start. */
export async function registryProcess(
  common: Record<string, string>,
  databaseUrl: string,
  extra: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  return serviceProcess(
    'registry',
    {
      ...common,
      DATABASE_URL: databaseUrl,
      DATABASE_MIGRATE: 'true',
      PUBLIC_ID_SECRET: TEST_PUBLIC_ID_SECRET,
      ...extra,
    },
    await freePort(),
    nodeArgs,
  );
}

/** The gateway as a process on a free loopback HTTP port, trusting tokens of `oidcIssuer`. */
export async function gatewayProcess(
  common: Record<string, string>,
  oidcIssuer: string,
  extra: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  const httpPort = await freePort();
  const process = serviceProcess(
    'auth-gateway',
    {
      ...common,
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      OIDC_ISSUER_URL: oidcIssuer,
      OIDC_AUDIENCES: TEST_OIDC_AUDIENCES,
      ...extra,
    },
    await freePort(),
    nodeArgs,
  );
  return Object.assign(process, { url: `http://127.0.0.1:${httpPort}` });
}
