import { z } from 'zod';

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

// Channel lists carry webhook URLs and bot tokens: the whole value is a secret.
const SECRET_KEY = /(SECRET|PASSWORD|TOKEN|PRIVATE|_KEY$|WEBHOOK|CREDENTIAL|CHANNELS)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Masks the value of secret-looking keys, for error messages and start-up logs. */
export function maskValue(key: string, value: unknown): unknown {
  if (value === undefined || value === null || value === '') return value;
  return isSecretKey(key) ? '***' : value;
}

/**
 * Validates the environment against a service's schema once, at start-up. Every bad key is
 * listed in one error (never only the first), with secret values masked, so a misconfigured
 * deployment fails fast and says everything that is wrong.
 */
export function loadConfig<S extends z.ZodObject>(service: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    // An empty variable means "not set", so defaults apply (compose files often pass KEY=).
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const raw = input[String(issue.path[0])];
    const shown = raw === undefined ? 'not set' : `got ${JSON.stringify(maskValue(key, raw))}`;
    return `${key}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(service, problems);
}

/** A printable copy of a validated config with secrets masked, for the start-up log line. */
export function describeConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, maskUrlCredentials(maskValue(k, v))]));
}

function maskUrlCredentials(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes('://')) return value;
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (isSecretKey(key) || key === 'sig') url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return value;
  }
}
