import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, RunningServer, startServerBinary } from './server-binary';

/** Debian names the binary prometheus-alertmanager; upstream's release archive calls it alertmanager. */
export const findAlertmanager = () => findBinary('prometheus-alertmanager', 'alertmanager');

export type RunningAlertmanager = RunningServer;

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
  return startServerBinary({
    name: 'alertmanager',
    binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    port,
    dir,
  });
}
