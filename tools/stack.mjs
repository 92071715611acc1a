#!/usr/bin/env node
// `npm run stack:up` / `npm run stack:down`: the whole ClearGate stack in the background.
// up: installs dependencies if needed, starts PostgreSQL and NATS (tools/dev-services.sh),
// builds, applies migrations, starts the demo peers (unless CLEARGATE_DEMO_PEERS=false) and
// every service, waits until each is ready and prints the URLs. Logs go to .data/logs/.
// Configuration: .env.example, overridden by .env, overridden by the environment.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.CLEARGATE_DATA_DIR ?? join(root, '.data');
const runDir = join(dataDir, 'run');
const logDir = join(dataDir, 'logs');

export function loadEnv() {
  const parse = (file) => {
    if (!existsSync(file)) return {};
    const out = {};
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
      if (m) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
    }
    return out;
  };
  return { ...parse(join(root, '.env.example')), ...parse(join(root, '.env')), ...process.env };
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status}`);
}

/** The processes of the stack, in start order (only those built, unless asked for all). */
export function components(env, { all = false } = {}) {
  const peers = env.CLEARGATE_DEMO_PEERS !== 'false';
  const opsBase = Number(env.CLEARGATE_OPS_PORT_BASE ?? 9464);
  const peer = (name, entry, readyUrl, args = []) => ({ name, kind: 'peer', entry, args, readyUrl });
  const service = (name, index, extra = {}) => ({
    name,
    kind: 'service',
    entry: `dist/apps/${name}/src/main.js`,
    env: { OPS_PORT: String(opsBase + index), ...extra },
    readyUrl: `http://127.0.0.1:${opsBase + index}/health/ready`,
    opsUrl: `http://127.0.0.1:${opsBase + index}`,
  });
  return [
    ...(peers
      ? [
          peer(
            'oidc-peer',
            'dist/tests/peers/src/oidc/main.js',
            `http://127.0.0.1:${env.OIDC_PEER_PORT}/auth/realms/snap4city/.well-known/openid-configuration`,
            // The realm's public client for the console, registered for where the gateway serves it.
            ['--port', env.OIDC_PEER_PORT, '--console-url', `http://127.0.0.1:${env.HTTP_PORT}/console/`],
          ),
          peer('serving-peer', 'dist/tests/peers/src/serving/main.js', `http://127.0.0.1:${env.SERVING_PEER_PORT}/v2/health/ready`, [
            '--port',
            env.SERVING_PEER_PORT,
            '--name',
            'demo-gpu',
          ]),
          peer('clearml-peer', 'dist/tests/peers/src/clearml/main.js', `http://127.0.0.1:${env.CLEARML_PEER_PORT}/debug.ping`, [
            '--port',
            env.CLEARML_PEER_PORT,
          ]),
          peer('chat-peer', 'dist/tests/peers/src/chat/main.js', `http://127.0.0.1:${env.CHAT_PEER_PORT}/__peer/health`, [
            '--port',
            env.CHAT_PEER_PORT,
            '--smtp-port',
            env.CHAT_PEER_SMTP_PORT,
          ]),
        ]
      : []),
    service('registry', 0),
    service('ondemand-router', 1),
    service('auth-gateway', 2),
    service('enqueue-worker', 3),
    service('monitor', 4),
    service('notifier', 5),
  ].filter((c) => all || existsSync(join(root, c.entry)));
}

/**
 * Whether the gateway trusts the demo OIDC peer that this stack starts, whose users are the demo
 * users: false with CLEARGATE_DEMO_PEERS=false or an OIDC_ISSUER_URL elsewhere (a real realm).
 */
export function usesDemoRealm(env) {
  if (env.CLEARGATE_DEMO_PEERS === 'false') return false;
  let issuer;
  try {
    issuer = new URL(env.OIDC_ISSUER_URL);
  } catch {
    return false;
  }
  return ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname) && issuer.port === String(env.OIDC_PEER_PORT);
}

const pidFile = (name) => join(runDir, `${name}.pid`);
/**
 * Whether a process still runs. One that exited but was not reaped yet answers signal 0 too: its
 * parent (this script's earlier run) is gone, so it waits for the init process, which may take
 * seconds; Linux shows it in state Z, and it counts as stopped.
 */
const alive = (pid) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return !existsSync('/proc'); // gone meanwhile; or no /proc (macOS), where signal 0 is all we know
  }
};
const running = (name) => {
  if (!existsSync(pidFile(name))) return null;
  const pid = Number(readFileSync(pidFile(name), 'utf8'));
  return alive(pid) ? pid : null;
};

async function waitReady(c, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(c.readyUrl).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const log = join(logDir, `${c.name}.log`);
  const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`${c.name} did not become ready (${c.readyUrl}); last log lines:\n${tail}`);
}

export async function up(options = {}) {
  const env = loadEnv();
  if (!existsSync(join(root, 'node_modules', '.bin', 'nx'))) sh('npm', ['ci', '--no-audit', '--no-fund']);
  sh('bash', ['tools/dev-services.sh', 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  sh(process.execPath, ['tools/build.mjs']);
  sh(process.execPath, ['dist/apps/registry/src/database/migrate.js'], { env: { ...env, LOG_LEVEL: 'warn' } });
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  for (const c of components(env)) {
    if (running(c.name)) {
      if (!options.quiet) console.log(`  ${c.name} already running`);
      continue;
    }
    const out = openSync(join(logDir, `${c.name}.log`), 'a');
    const child = spawn(process.execPath, [c.entry, ...(c.args ?? [])], {
      cwd: root,
      env: { ...env, ...(c.env ?? {}) },
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    writeFileSync(pidFile(c.name), String(child.pid));
    child.unref();
    await waitReady(c, child);
    if (!options.quiet) console.log(`  ${c.name.padEnd(16)} ready${c.opsUrl ? `  (ops ${c.opsUrl})` : ''}`);
  }
  const gateway = `http://127.0.0.1:${env.HTTP_PORT}`;
  const consoleUrl = `${gateway}/console/`;
  if (!options.quiet) {
    console.log(
      `\nClearGate is up.\n  console    ${consoleUrl}\n  API        ${gateway}\n  API docs   ${gateway}/docs\n  logs       ${logDir}\n  stop with  npm run stack:down`,
    );
    console.log(
      usesDemoRealm(env)
        ? `  identity   ${env.OIDC_ISSUER_URL} (demo users: rootadmin, areamanager, manager, observer; password = user name)`
        : `  identity   ${env.OIDC_ISSUER_URL}`,
    );
  }
  return { env, gateway, consoleUrl };
}

/** SIGTERM, then SIGKILL if it is still running `graceMs` later. */
async function stop(c, graceMs) {
  const pid = running(c.name);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) {
      process.kill(pid, 'SIGKILL');
      console.log(`  ${c.name} killed: still running ${graceMs / 1000} s after SIGTERM`);
    } else {
      console.log(`  ${c.name} stopped`);
    }
  }
  rmSync(pidFile(c.name), { force: true });
}

export async function down() {
  const env = loadEnv();
  // Every component, built or not, peers or not: a stack started before `dist/` was cleaned or
  // CLEARGATE_DEMO_PEERS was changed must still stop.
  const all = components({ ...env, CLEARGATE_DEMO_PEERS: 'true' }, { all: true });
  // The services all at once, each within its own grace: SHUTDOWN_GRACE_MS, after which it exits
  // by itself, and a margin. Then the peers they were calling, then PostgreSQL and NATS.
  const serviceGraceMs = (Number(env.SHUTDOWN_GRACE_MS) || 10_000) + 5_000;
  await Promise.all(all.filter((c) => c.kind === 'service').map((c) => stop(c, serviceGraceMs)));
  await Promise.all(all.filter((c) => c.kind === 'peer').map((c) => stop(c, 5_000)));
  sh('bash', ['tools/dev-services.sh', 'stop']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2];
  const action = command === 'up' ? up : command === 'down' ? down : null;
  if (!action) {
    console.error('usage: node tools/stack.mjs up|down');
    process.exit(2);
  }
  action().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
