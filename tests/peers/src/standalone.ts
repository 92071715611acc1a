/**
 * For the peers' own tests: run a peer's main.ts as its own process, compiled the way
 * tools/build.mjs compiles it (every non-spec file of this package, into a throwaway folder).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { transformFileSync } from '@swc/core';

const ROOT = resolve(__dirname, '../../..');

export interface StandalonePeer {
  /** The JSON line the peer printed once listening. */
  info: Record<string, unknown>;
  /** SIGTERM, resolving with the exit code. */
  stop(): Promise<number | null>;
  /** Kill the process if still running and remove the compiled folder. */
  dispose(): void;
}

function compilePeers(): string {
  const out = mkdtempSync(join(tmpdir(), 'cleargate-peers-'));
  const swcrc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8')) as Record<string, unknown>;
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const src = join(dir, entry.name);
      if (entry.isDirectory()) walk(src, join(rel, entry.name));
      else if (entry.name.endsWith('.ts') && !/\.(integration-)?spec\.ts$/.test(entry.name)) {
        mkdirSync(join(out, rel), { recursive: true });
        const { code } = transformFileSync(src, { ...swcrc, swcrc: false, filename: src, sourceMaps: false });
        writeFileSync(join(out, rel, entry.name.replace(/\.ts$/, '.js')), code);
      }
    }
  };
  walk(__dirname, '');
  return out;
}

/** Start `<peer>/main.ts` with `args` and wait for its ready line; rejects if it exits first. */
export async function startStandalonePeer(peer: 'oidc' | 'serving' | 'chat' | 'clearml', args: string[]): Promise<StandalonePeer> {
  const out = compilePeers();
  const child = spawn(process.execPath, [join(out, peer, 'main.js'), ...args], {
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const dispose = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
  };
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const line = await new Promise<string>((r, reject) => {
      createInterface({ input: child.stdout }).once('line', r);
      void exited.then((code) => reject(new Error(`${peer} peer exited with ${code} before it was ready: ${stderr.trim()}`)));
    });
    return {
      info: JSON.parse(line) as Record<string, unknown>,
      stop: () => {
        child.kill('SIGTERM');
        return exited;
      },
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}
