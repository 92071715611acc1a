import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Development dependencies of these tests. They are loaded at run time (not imported) so that the
 * workspace type check does not depend on them; a missing one fails the tests with this list.
 */
export const DEV_DEPENDENCIES = {
  yaml: '^2.9.0',
  'kubernetes-models': '^5.1.0',
  '@kubernetes-models/prometheus-operator': '^6.0.0',
} as const;

export const load = createRequire(__filename);

/**
 * The folder a development dependency is installed in, checked against its wanted major version.
 * Found on the module search path rather than resolved through the package's exports: the
 * kubernetes-models packages export ES modules for `import` only, not their package.json.
 */
export function packageRoot(name: keyof typeof DEV_DEPENDENCIES): string {
  const wanted = DEV_DEPENDENCIES[name];
  const root = (load.resolve.paths(name) ?? []).map((dir) => join(dir, name)).find((dir) => existsSync(join(dir, 'package.json')));
  const version = root ? (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version : 'none';
  const major = /\d+/.exec(wanted)![0];
  if (!root || version.split('.')[0] !== major) {
    const all = Object.entries(DEV_DEPENDENCIES)
      .map(([n, v]) => `${n}@${v}`)
      .join(' ');
    throw new Error(`${name} ${wanted} is needed (found ${version}): npm install --save-dev ${all}`);
  }
  return root;
}

export function requirePackage<T>(name: keyof typeof DEV_DEPENDENCIES): T {
  packageRoot(name);
  return load(name) as T;
}

interface YamlDocument {
  errors: { message: string }[];
  toJS(): unknown;
}
interface YamlModule {
  parse(text: string, options?: Record<string, unknown>): unknown;
  parseAllDocuments(text: string, options?: Record<string, unknown>): Iterable<YamlDocument>;
}

/** The `yaml` package (2.x). */
export const yaml = (): YamlModule => requirePackage<YamlModule>('yaml');
