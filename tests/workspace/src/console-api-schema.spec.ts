import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '@cleargate/testing';

describe('the console’s typed API client', () => {
  it('is generated from the gateway’s current OpenAPI document (apps/console/src/api/schema.d.ts is checked in)', () => {
    // Reads the built gateway: `npm test` builds first.
    const check = spawnSync(process.execPath, [join(ROOT, 'apps', 'console', 'scripts', 'api-schema.mjs'), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: check.status, stderr: check.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    expect(check.stdout).toContain('is current');
  });
});
