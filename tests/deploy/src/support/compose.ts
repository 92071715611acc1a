import { yaml } from './packages';
import { readRepoFile } from './repo';

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** deploy/compose.yaml with YAML anchors and merge keys resolved, as Compose reads it. */
export function loadCompose(): ComposeFile {
  return yaml().parse(readRepoFile('deploy', 'compose.yaml'), { merge: true }) as ComposeFile;
}

/**
 * Compose's interpolation with an empty environment: `${VAR:-default}` and `${VAR-default}`
 * give the default, `${VAR}` and `$VAR` nothing, `$$` a dollar.
 */
export function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, name, op, fallback, bare) => {
      if (all === '$$') return '$';
      const key = (name ?? bare) as string;
      const set = env[key];
      if (op === ':-') return set ? set : (fallback ?? '');
      if (op === '-') return set !== undefined ? set : (fallback ?? '');
      return set ?? '';
    },
  );
}

/** A service's environment after interpolation, as the container gets it. */
export function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v === null ? '' : String(v))]));
}
