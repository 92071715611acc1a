import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { waitFor } from '@cleargate/testing';

/** Debian names the binary prometheus-alertmanager; upstream's release archive calls it alertmanager. */
const NAMES = ['prometheus-alertmanager', 'alertmanager'];

export function findAlertmanager(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'].filter(Boolean);
  for (const name of NAMES) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  return null;
}

export interface RunningAlertmanager {
  url: string;
  lines: string[];
  stop(): Promise<void>;
}

/**
 * A real Alertmanager (Debian package `prometheus-alertmanager`, installed by
 * tools/install-tools.sh) on `port`, single node (no gossip), its state in a temporary
 * directory; `config` is its YAML (JSON is YAML), `files` extra files beside it (a token).
 */
export async function startAlertmanager(config: unknown, port: number, files: Record<string, string> = {}): Promise<RunningAlertmanager> {
  const binary = findAlertmanager();
  if (!binary) {
    throw new Error(
      'alertmanager not found: run `bash tools/install-tools.sh` (as root it installs the Debian package prometheus-alertmanager)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'cg-alertmanager-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2).replaceAll('$DIR', dir));
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
        if (exited !== null) throw new Error(`alertmanager exited with ${exited}:\n${lines.slice(-20).join('\n')}`);
        const res = await fetch(`${url}/-/ready`).catch(() => null);
        return res?.status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: 'alertmanager ready' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, lines, stop };
}
