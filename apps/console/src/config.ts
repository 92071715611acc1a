/** What the gateway serves at /console/config.json, so that one build runs against any realm and API. */
export interface RuntimeConfig {
  oidc: { issuer: string; client_id: string; scope: string };
  /** The API's base URL; empty for the origin that served the console. */
  api_base_url: string;
  /** A run's ClearML task log, with `{task_id}` to fill in; null when ClearML's web UI is not known. */
  clearml_task_log_url: string | null;
  version: string;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** Checks the shape of the runtime config; a wrong one stops the console with a clear message. */
export function parseRuntimeConfig(value: unknown): RuntimeConfig {
  const v = value as Partial<RuntimeConfig> | null;
  const problems: string[] = [];
  if (!v || typeof v !== 'object') throw new Error('the console configuration is not a JSON object');
  if (!v.oidc || !isString(v.oidc.issuer) || !/^https?:\/\//.test(v.oidc.issuer)) problems.push('oidc.issuer must be an http(s) URL');
  if (!v.oidc || !isString(v.oidc.client_id) || !v.oidc.client_id) problems.push('oidc.client_id is missing');
  if (!v.oidc || !isString(v.oidc.scope)) problems.push('oidc.scope is missing');
  if (!isString(v.api_base_url)) problems.push('api_base_url must be a string');
  if (v.clearml_task_log_url !== null && !isString(v.clearml_task_log_url)) problems.push('clearml_task_log_url must be a string or null');
  if (problems.length) throw new Error(`the console configuration is invalid: ${problems.join('; ')}`);
  return {
    oidc: { issuer: v.oidc!.issuer.replace(/\/+$/, ''), client_id: v.oidc!.client_id, scope: v.oidc!.scope },
    api_base_url: v.api_base_url!.replace(/\/+$/, ''),
    clearml_task_log_url: v.clearml_task_log_url ?? null,
    version: isString(v.version) ? v.version : '',
  };
}

export async function loadRuntimeConfig(url = '/console/config.json'): Promise<RuntimeConfig> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the console configuration could not be read (${url} answered ${res.status})`);
  return parseRuntimeConfig(await res.json());
}

/** The path the console is served under; its own routes are below it. */
export const CONSOLE_BASE = '/console';
