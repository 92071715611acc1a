/** Whether API version `version` (e.g. `'2.31'`) is at least `major.minor`. */
export function apiVersionAtLeast(version: string, major: number, minor: number): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!match) return false;
  const [vMajor, vMinor] = [Number(match[1]), Number(match[2])];
  return vMajor > major || (vMajor === major && vMinor >= minor);
}

/**
 * Web UI link to a task's console log, as the SDK builds it (`get_task_output_log_web_page`):
 * `{web}/projects/{project or *}/experiments/{task}/output/log`, with `/tasks/` instead of
 * `/experiments/` when the server's API version is 2.31 or newer. An unknown version gives the
 * older form.
 */
export function taskLogUrl(webHost: string, projectId: string | null | undefined, taskId: string, apiVersion: string | undefined): string {
  const base = webHost.replace(/\/+$/, '');
  const section = apiVersion !== undefined && apiVersionAtLeast(apiVersion, 2, 31) ? 'tasks' : 'experiments';
  const project = projectId ? encodeURIComponent(projectId) : '*';
  return `${base}/projects/${project}/${section}/${encodeURIComponent(taskId)}/output/log`;
}

/**
 * The web UI host derived from the API host, as the SDK does (`get_app_server_host`):
 * `://demoapi.` → `://demoapp.`, `://api.` → `://app.`, else port 8008 → 8080.
 * Returns undefined when neither rule applies (set the web host explicitly then).
 */
export function webHostFromApiHost(apiHost: string): string | undefined {
  const host = apiHost.trim().replace(/\/+$/, '');
  if (host.includes('://demoapi.')) return host.replace('://demoapi.', '://demoapp.');
  if (host.includes('://api.')) return host.replace('://api.', '://app.');
  let port: string;
  try {
    port = new URL(host).port;
  } catch {
    return undefined;
  }
  if (port === '8008') return host.replace(':8008', ':8080');
  return undefined;
}
