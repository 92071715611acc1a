import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@cleargate/testing';

export const GRAFANA_DIR = join(ROOT, 'deploy', 'grafana');
export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards');

export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  expr?: string;
  datasource?: DataSourceRef;
  legendFormat?: string;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DataSourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: { defaults?: { unit?: string } };
}

export interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: Variable[] };
  annotations?: { list: Array<{ expr?: string; datasource?: DataSourceRef }> };
}

export interface DashboardFile {
  file: string;
  dashboard: Dashboard;
}

export function loadDashboards(): DashboardFile[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard }));
}

/** Every panel that shows data (rows flattened, row headers left out). */
export function dataPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

export function variables(d: Dashboard): Variable[] {
  return d.templating?.list ?? [];
}

export function variableQuery(v: Variable): string {
  const q = typeof v.query === 'string' ? v.query : v.query?.query;
  return q ?? v.definition ?? '';
}

/** `label_values(<selector>, <label>)` → its parts, or null for any other variable query. */
export function parseLabelValues(query: string): { selector: string; label: string } | null {
  const m = /^\s*label_values\(\s*(.+)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  return m ? { selector: m[1]!.trim(), label: m[2]! } : null;
}

/**
 * The time variables Grafana fills in, as a test run sets them: scrapes every second, about ten
 * minutes of history at most.
 */
export const TIME_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '10m',
};

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g;

/**
 * A multi-value variable as Grafana formats it for Prometheus: values regex-escaped (the backslash
 * itself escaped for the PromQL string) in `(a|b)`.
 */
export function formatValues(values: string[]): string {
  const escaped = values.map((v) => v.replace(REGEX_SPECIAL, '\\\\$&'));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

/** Replaces `$name`, `${name}` and `${name:format}` (longest names first); throws on any left over. */
export function substitute(expr: string, values: Record<string, string>): string {
  const all = { ...TIME_VARIABLES, ...values };
  const names = Object.keys(all).sort((a, b) => b.length - a.length);
  let out = expr;
  for (const name of names) {
    const value = all[name]!;
    out = out.replace(new RegExp(`\\$\\{${name}(?::[a-z]+)?\\}`, 'g'), () => value);
    out = out.replace(new RegExp(`\\$${name}(?![A-Za-z0-9_])`, 'g'), () => value);
  }
  const left = /\$\{?[A-Za-z_][A-Za-z0-9_]*/.exec(out);
  if (left) throw new Error(`undefined variable ${left[0]} in: ${expr}`);
  return out;
}

/** Metric names a PromQL text refers to by name (recording-rule names with colons are not metrics). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const re = /(?<![\w:."])((?:cleargate|nv|process|nodejs)_[a-z0-9_]*[a-z0-9])(?![\w:])/g;
  for (const m of expr.matchAll(re)) names.add(m[1]!);
  return [...names];
}
