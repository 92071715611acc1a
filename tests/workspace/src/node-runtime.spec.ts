import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '@cleargate/testing';

const NODE_SH = join(ROOT, 'tools', 'node.sh');

/** A PATH whose `node` answers the given version and nothing else, plus the system tools. */
function pathWithOldNode(version: string): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cleargate-old-node-'));
  writeFileSync(join(dir, 'node'), `#!/bin/sh\necho ${version.split('.')[0]}\n`, { mode: 0o755 });
  return { path: `${dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, dir };
}

describe('tools/node.sh', () => {
  it('runs the repository on Node 24: the package, the suite and the image agree', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('on a machine whose node is older, provides Node 24 itself and runs scripts on it', () => {
    const old = pathWithOldNode('20.20.2');
    try {
      const path = spawnSync('bash', [NODE_SH, 'path'], { env: { ...process.env, PATH: old.path }, encoding: 'utf8', timeout: 300_000 });
      expect(path.status).toBe(0);
      const bin = path.stdout.trim();
      expect(bin).toBe(join(ROOT, '.tools', 'node', 'bin'));

      const env = { ...process.env, PATH: old.path };
      const script = spawnSync('bash', [NODE_SH, '-e', 'console.log(process.versions.node)'], { env, encoding: 'utf8' });
      expect(script.stdout.trim()).toMatch(/^24\./);
      // npm and every child `node` of the script are the same Node 24, not the machine's.
      const child = spawnSync(
        'bash',
        [
          NODE_SH,
          '-e',
          "process.stdout.write(require('node:child_process').execSync('node -p process.versions.node && npm -v').toString())",
        ],
        { env, encoding: 'utf8' },
      );
      const [childNode, npm] = child.stdout.trim().split('\n');
      expect(childNode).toMatch(/^24\./);
      expect(npm).toMatch(/^\d+\.\d+\.\d+$/);
    } finally {
      rmSync(old.dir, { recursive: true, force: true });
    }
  }, 320_000);

  it('prints no folder where the machine already has Node 24', () => {
    const run = spawnSync('bash', [NODE_SH, 'path'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
  });
});
