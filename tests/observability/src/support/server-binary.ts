import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { waitFor } from '@cleargate/testing';

/** The first of `names` that is an executable on PATH (or in /usr/bin, /usr/sbin, /usr/local/bin), or null. */
export function findBinary(...names: string[]): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'].filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

export interface RunningServer {
  url: string;
  /** Every line the program wrote. */
  lines: string[];
  /** Stops it (SIGTERM) and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A server of the Prometheus family (Prometheus, Alertmanager) run as `binary args` on
 * 127.0.0.1:`port`, its configuration and state in `dir` (removed when it stops), ready once its
 * `/-/ready` answers 200; a start that fails stops it again.
 */
export async function startServerBinary(options: {
  name: string;
  binary: string;
  args: string[];
  port: number;
  dir: string;
}): Promise<RunningServer> {
  const { name, dir } = options;
  const url = `http://127.0.0.1:${options.port}`;
  const lines: string[] = [];
  const child: ChildProcess = spawn(options.binary, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited !== null) throw new Error(`${name} exited with ${exited}:\n${lines.slice(-20).join('\n')}`);
        const res = await fetch(`${url}/-/ready`).catch(() => null);
        return res?.status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: `${name} ready` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, lines, stop };
}
