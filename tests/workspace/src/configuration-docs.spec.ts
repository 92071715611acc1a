import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
/** Every service reads these; the registry's README documents them and the others point there. */
const COMMON = new Set([
  'LOG_LEVEL',
  'OPS_PORT',
  'OPS_HOST',
  'NATS_URL',
  'NATS_NAMESPACE',
  'NATS_USER',
  'NATS_PASSWORD',
  'NATS_ANONYMOUS',
  'NATS_TLS_CA_FILE',
  'NATS_REQUEST_TIMEOUT_MS',
  'SHUTDOWN_GRACE_MS',
]);

/** The variables each service validates at start-up, read from its built config module. */
function serviceVariables(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  // The services (Nx scope:runtime); the console is a browser app, configured at run time by the gateway that serves it.
  const services = readdirSync(join(ROOT, 'apps')).filter((a) =>
    (JSON.parse(readFileSync(join(ROOT, 'apps', a, 'project.json'), 'utf8')) as { tags: string[] }).tags.includes('scope:runtime'),
  );
  for (const app of services) {
    const built = join(ROOT, 'dist', 'apps', app, 'src', 'config.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(built) as Record<string, unknown>;
    const schema = Object.entries(module).find(([name]) => name.endsWith('Env'))?.[1] as { shape: Record<string, unknown> } | undefined;
    if (!schema) throw new Error(`apps/${app}/src/config.ts exports no *Env schema`);
    out[app] = Object.keys(schema.shape);
  }
  return out;
}

describe('configuration documentation', () => {
  const variables = serviceVariables();

  it('covers all six services', () => {
    expect(Object.keys(variables).sort()).toEqual(['auth-gateway', 'enqueue-worker', 'monitor', 'notifier', 'ondemand-router', 'registry']);
  });

  it('lists every variable of every service in .env.example (OPS_PORT is given per service by the stack)', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const missing = Object.entries(variables).flatMap(([app, keys]) =>
      keys.filter((k) => k !== 'OPS_PORT' && !new RegExp(`^${k}=`, 'm').test(example)).map((k) => `${app}: ${k}`),
    );
    expect(missing).toEqual([]);
  });

  it('documents every variable in the service’s README (the shared ones in the registry’s)', () => {
    const missing = Object.entries(variables).flatMap(([app, keys]) => {
      const readme = readFileSync(join(ROOT, 'apps', app, 'README.md'), 'utf8');
      const registry = readFileSync(join(ROOT, 'apps', 'registry', 'README.md'), 'utf8');
      return keys.filter((k) => !readme.includes(k) && !(COMMON.has(k) && registry.includes(k))).map((k) => `${app}: ${k}`);
    });
    expect(missing).toEqual([]);
  });
});
