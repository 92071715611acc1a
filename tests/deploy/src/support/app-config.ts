import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath } from './repo';

export interface ConfigCheck {
  /** Every variable the service reads (the keys of its env schema). */
  known: string[];
  /** What the service's own loader says about the environment; empty when it would start. */
  problems: string[];
}

// Runs in a separate Node process against the built service (dist/), exactly the code an image
// runs: finds the env schema (the zod object with NATS_URL) and the load*Config function.
const PROBE = `
const mod = require(process.argv[1]);
const env = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const schema = Object.values(mod).find((v) => v && typeof v === 'object' && v.shape && 'NATS_URL' in v.shape);
const loader = Object.entries(mod).find(([k, v]) => /^load\\w*Config$/.test(k) && typeof v === 'function');
if (!schema || !loader) throw new Error('no env schema or load*Config export in ' + process.argv[1]);
let problems = [];
try { loader[1](env); } catch (err) { problems = err.problems ?? [String(err)]; }
process.stdout.write(JSON.stringify({ known: Object.keys(schema.shape), problems }));
`;

/** Checks an environment with the configuration loader of `service` as built in dist/. */
export function checkServiceConfig(service: string, env: Record<string, string>): ConfigCheck {
  const entry = repoPath('dist', 'apps', service, 'src', 'config.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  const r = spawnSync(process.execPath, ['-e', PROBE, entry], {
    cwd: repoPath(),
    input: JSON.stringify(env),
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  if (r.status !== 0) throw new Error(`loading the ${service} configuration failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as ConfigCheck;
}
