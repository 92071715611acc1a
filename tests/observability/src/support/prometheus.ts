import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '@cleargate/testing';
import { findBinary, RunningServer, startServerBinary } from './server-binary';

export { findBinary };

export const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');
export const RULES_DIR = join(PROMETHEUS_DIR, 'rules');

const INSTALL_HINT =
  'install the Debian package `prometheus` (as root: apt-get install -y --no-install-recommends prometheus), ' +
  'which ships both `prometheus` and `promtool`, or put them on PATH';

export function requireBinary(name: 'promtool' | 'prometheus'): string {
  const found = findBinary(name);
  if (!found) throw new Error(`${name} not found: ${INSTALL_HINT}`);
  return found;
}

export interface CommandResult {
  status: number | null;
  output: string;
}

export function promtool(args: string[], cwd = PROMETHEUS_DIR): CommandResult {
  const r = spawnSync(requireBinary('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function readYaml<T = unknown>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

export interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  http_sd_configs?: {
    url: string;
    refresh_interval?: string;
    oauth2?: { client_id: string; client_secret_file?: string; client_secret?: string; token_url: string };
  }[];
  [key: string]: unknown;
}

export interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  alerting?: unknown;
  scrape_configs: ScrapeConfig[];
}

export interface TestTargets {
  /** host:port of each service's ops port(s), by service name (the compose DNS name in the shipped config). */
  services: Record<string, string[]>;
  /** The gateway's public base URL (service discovery). */
  gatewayUrl: string;
  /** OIDC token endpoint and the client Prometheus authenticates as. */
  tokenUrl: string;
  clientId: string;
  clientSecretFile: string;
  /** Prometheus' own listen address. */
  self: string;
}

/**
 * The shipped deploy/prometheus/prometheus.yml rewritten for a test run: the same jobs, labels
 * and service discovery with its oauth2 settings, pointed at the processes of this machine,
 * scraping every second. Every compose target must map to a started service, so a service added
 * to the config without a test target (or renamed) fails here.
 */
export function testConfig(shipped: PrometheusConfig, t: TestTargets, skip: readonly string[] = []): PrometheusConfig {
  const scrape_configs = shipped.scrape_configs.map((job): ScrapeConfig => {
    const out: ScrapeConfig = { ...job, scrape_interval: '1s', scrape_timeout: '1s' };
    if (job.static_configs) {
      out.static_configs = job.static_configs
        .map((sc) => ({
          ...sc,
          targets: sc.targets.flatMap((target) => {
            const host = target.split(':')[0]!;
            if (job.job_name === 'prometheus') return [t.self];
            if (skip.includes(host)) return [];
            const mapped = t.services[host];
            if (!mapped?.length) throw new Error(`no test target for ${target} (job ${job.job_name})`);
            return mapped;
          }),
        }))
        .filter((sc) => sc.targets.length > 0);
    }
    if (job.http_sd_configs) {
      out.http_sd_configs = job.http_sd_configs.map((sd) => {
        const path = new URL(sd.url).pathname;
        if (!sd.oauth2) throw new Error(`${job.job_name}: service discovery without oauth2`);
        if (sd.oauth2.client_secret !== undefined || !sd.oauth2.client_secret_file) {
          throw new Error(`${job.job_name}: oauth2 must read its secret from client_secret_file, not from the config`);
        }
        return {
          ...sd,
          url: `${t.gatewayUrl}${path}`,
          refresh_interval: '1s',
          oauth2: { ...sd.oauth2, client_id: t.clientId, client_secret_file: t.clientSecretFile, token_url: t.tokenUrl },
        };
      });
    }
    return out;
  });
  return {
    global: { ...shipped.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: (shipped.rule_files ?? []).map((f) => join(PROMETHEUS_DIR, f)),
    scrape_configs,
  };
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus extends RunningServer {
  query(expr: string): Promise<PromSample[]>;
  get<T>(path: string): Promise<T>;
}

/** A real Prometheus on `port` (see freePort) with its TSDB in a temporary directory, ready when /-/ready says so. */
export async function startPrometheus(config: PrometheusConfig, port: number): Promise<RunningPrometheus> {
  const binary = requireBinary('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'cg-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  // JSON is YAML: Prometheus reads it as is.
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const server = await startServerBinary({
    name: 'prometheus',
    binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    port,
    dir,
  });
  const { url } = server;
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(url + path);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    ...server,
    get,
    async query(expr: string) {
      const res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }).toString(),
      });
      const body = (await res.json()) as { status: string; data?: { resultType: string; result: unknown }; error?: string };
      if (body.status !== 'success' || !body.data) throw new Error(`query failed: ${body.error ?? res.status}\n  ${expr}`);
      const { resultType, result } = body.data;
      if (resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
      if (resultType !== 'vector') throw new Error(`unexpected ${resultType} result for ${expr}`);
      return result as PromSample[];
    },
  };
}
