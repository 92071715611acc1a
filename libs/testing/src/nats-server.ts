import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_USERS, NatsUser } from '@cleargate/messaging';
import { freePort, ROOT } from './processes';
import { waitFor } from './wait';

/**
 * The nats-server the deployment ships (tools/install-tools.sh builds it into .tools/bin): the
 * fault, security and cluster tests start their own servers with it, never the shared dev one.
 */
export function natsServerBinary(): string {
  const built = join(ROOT, '.tools', 'bin', 'nats-server');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`bash tools/install-tools.sh\``);
  return built;
}

/** The NATS_PASSWORD_<USER> variable of a user, as deploy/nats/auth.conf reads it. */
export const natsPasswordVariable = (user: NatsUser) => `NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;

/** Fresh random passwords for every user of deploy/nats/auth.conf. */
export function natsPasswords(): Record<NatsUser, string> {
  return Object.fromEntries(NATS_USERS.map((u) => [u, randomBytes(12).toString('hex')])) as Record<NatsUser, string>;
}

export interface NatsServerOptions {
  /** Users and permissions of deploy/nats/auth.conf, with these passwords. */
  passwords?: Record<NatsUser, string>;
  /** TLS required, with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** A cluster node: its name, its route port and the route ports of the others. */
  cluster?: { name: string; serverName: string; routePort: number; peers: number[] };
  /** Per-stream and server store limits. */
  maxFileStore?: string;
  /** sync_interval of the store (the shipped configuration says `always`). */
  syncAlways?: boolean;
  /** Ports to reuse (a restarted node keeps its address). */
  port?: number;
  httpPort?: number;
}

export interface NatsServer {
  port: number;
  httpPort: number;
  /** `nats://127.0.0.1:<port>` (or tls://localhost:<port>). */
  url: string;
  dir: string;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Removes its store and configuration (after kill). */
  remove(): void;
  log: string[];
}

/** One nats-server with JetStream in a folder of its own, on free loopback ports. */
export async function natsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'cg-nats-'));
  const store = join(dir, 'js');
  mkdirSync(store);
  const lines = [
    `listen: 127.0.0.1:${port}`,
    `http: 127.0.0.1:${httpPort}`,
    `server_name: ${options.cluster?.serverName ?? `cg-${port}`}`,
    'max_payload: 16MB',
    'jetstream {',
    `  store_dir: "${store}"`,
    `  max_file_store: ${options.maxFileStore ?? '1GB'}`,
    '  max_memory_store: 64MB',
    ...(options.syncAlways ? ['  sync_interval: always'] : []),
    '}',
  ];
  if (options.cluster) {
    lines.push(
      'cluster {',
      `  name: ${options.cluster.name}`,
      `  listen: 127.0.0.1:${options.cluster.routePort}`,
      `  routes: [${options.cluster.peers.map((p) => `"nats-route://127.0.0.1:${p}"`).join(', ')}]`,
      '}',
    );
  }
  if (options.tls) lines.push('tls {', `  cert_file: "${options.tls.certFile}"`, `  key_file: "${options.tls.keyFile}"`, '}');
  if (options.passwords) {
    // The shipped, generated permissions, as they are.
    copyFileSync(join(ROOT, 'deploy', 'nats', 'auth.conf'), join(dir, 'auth.conf'));
    lines.push('include ./auth.conf');
  }
  const config = join(dir, 'nats.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (options.passwords) for (const user of NATS_USERS) env[natsPasswordVariable(user)] = options.passwords[user];
  const log: string[] = [];
  let child: ChildProcess | undefined;
  const host = options.tls ? 'localhost' : '127.0.0.1';
  const server: NatsServer = {
    port,
    httpPort,
    url: `${options.tls ? 'tls' : 'nats'}://${host}:${port}`,
    dir,
    log,
    async start() {
      const started = spawn(natsServerBinary(), ['-c', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let exited: number | null = null;
      started.once('exit', (code) => (exited = code ?? -1));
      const collect = (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean));
      started.stdout!.on('data', collect);
      started.stderr!.on('data', collect);
      // A cluster node is healthy once it has JetStream and its meta group (the others up too).
      await waitFor(
        async () => {
          if (exited !== null) throw new Error(`nats-server exited with ${exited}:\n${log.slice(-10).join('\n')}`);
          const res = await fetch(`http://127.0.0.1:${httpPort}/healthz?js-enabled-only=true`).catch(() => null);
          return res?.ok ?? false;
        },
        { timeoutMs: 20_000, intervalMs: 50, message: `nats-server on ${port} healthy` },
      );
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await exited;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Three clustered nats-servers (routes to each other, a store each), started together. */
export async function natsCluster(options: Pick<NatsServerOptions, 'passwords'> = {}) {
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const nodes: NatsServer[] = [];
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await natsServer({
        ...options,
        cluster: { name: 'cleargate', serverName: `n${i + 1}`, routePort: routePorts[i]!, peers: routePorts.filter((_, j) => j !== i) },
      }),
    );
  }
  await Promise.all(nodes.map((n) => n.start()));
  // Ready for replicated streams once the JetStream meta group has a leader.
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${nodes[0]!.httpPort}/jsz`).catch(() => null);
      const body = (await res?.json().catch(() => null)) as { meta_cluster?: { leader?: string; cluster_size?: number } } | null;
      return Boolean(body?.meta_cluster?.leader) && body?.meta_cluster?.cluster_size === 3;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: 'the JetStream meta group has a leader' },
  );
  return {
    nodes,
    /** Every node's URL, comma-separated, as NATS_URL takes them. */
    url: nodes.map((n) => n.url).join(','),
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      for (const n of nodes) n.remove();
    },
  };
}
