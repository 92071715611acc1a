import { createRequire } from 'node:module';

/**
 * Development dependencies of these tests. They are loaded at run time (not imported) so that the
 * workspace type check does not depend on them; a missing one fails the tests with this list.
 */
export const DEV_DEPENDENCIES = {
  yaml: '^2.9.0',
  'kubernetes-models': '4.5.1',
  '@kubernetes-models/prometheus-operator': '4.4.4',
} as const;

export const load = createRequire(__filename);

export function requirePackage<T>(name: keyof typeof DEV_DEPENDENCIES, subpath = ''): T {
  const wanted = DEV_DEPENDENCIES[name];
  let version: string;
  try {
    version = (load(`${name}/package.json`) as { version: string }).version;
  } catch {
    version = 'none';
  }
  const major = /\d+/.exec(wanted)![0];
  if (version.split('.')[0] !== major) {
    const all = Object.entries(DEV_DEPENDENCIES)
      .map(([n, v]) => `${n}@${v}`)
      .join(' ');
    throw new Error(`${name} ${wanted} is needed (found ${version}): npm install --save-dev ${all}`);
  }
  return load(`${name}${subpath}`) as T;
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
