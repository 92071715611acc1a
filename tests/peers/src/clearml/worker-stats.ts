/**
 * Machine statistics of workers as clearml-server keeps them: every `workers.status_report`
 * with `machine_stats` becomes one Elasticsearch document per value (bll/workers/__init__.py
 * `log_stats_to_es`), and `workers.get_stats` aggregates them (bll/workers/stats.py, services/workers.py).
 */
import { ERR, apiError } from './errors';
import { CallContext } from './context';
import { Doc } from './types';

/** apimodels/workers.py MachineStats: lists are per core or per GPU card; memory in MB; disk free in %. */
export const MACHINE_STAT_FIELDS = [
  'cpu_usage',
  'cpu_temperature',
  'gpu_usage',
  'gpu_temperature',
  'gpu_memory_free',
  'gpu_memory_used',
  'memory_used',
  'memory_free',
  'network_tx',
  'network_rx',
  'disk_free_home',
  'disk_free_temp',
  'disk_read',
  'disk_write',
] as const;
export type MachineStats = Partial<Record<(typeof MACHINE_STAT_FIELDS)[number], number | number[]>>;
const LIST_FIELDS = new Set(['cpu_usage', 'cpu_temperature', 'gpu_usage', 'gpu_temperature', 'gpu_memory_free', 'gpu_memory_used']);

/** One worker_stats document (index template workers/worker_stats.json). */
export interface StatDoc {
  /** Epoch milliseconds, as the agent sends it. */
  timestamp: number;
  worker: string;
  task: string | null;
  category: string;
  metric: string;
  variant: string;
  /** A `float` field: single precision, as Elasticsearch keeps it. */
  value: number;
}

/**
 * log_stats_to_es: one document per value; the category is the field's first word; a list gives
 * variants "0", "1", …, a single value the variant "total"; a falsy value (0, an empty list) is
 * skipped, so a machine reporting 0 MB used leaves no document at all.
 */
export function statDocs(worker: string, timestamp: number, task: string | null, stats: MachineStats): StatDoc[] {
  const docs: StatDoc[] = [];
  for (const field of MACHINE_STAT_FIELDS) {
    const value = stats[field];
    if (!value || (Array.isArray(value) && value.length === 0)) continue;
    const category = field.split('_')[0]!;
    if (Array.isArray(value)) {
      value.forEach((v, i) => docs.push({ timestamp, worker, task, category, metric: field, variant: String(i), value: Math.fround(v) }));
    } else {
      docs.push({ timestamp, worker, task, category, metric: field, variant: 'total', value: Math.fround(value) });
    }
  }
  return docs;
}

/** apimodels MachineStats as jsonmodels reads it: lists of numbers, numbers; anything else a validation error. */
export function parseMachineStats(raw: unknown): MachineStats {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw apiError(ERR.validationError, `value is wrong, expected type "dict"`);
  const out: MachineStats = {};
  for (const field of MACHINE_STAT_FIELDS) {
    const v = (raw as Doc)[field];
    if (v === undefined || v === null) continue;
    if (LIST_FIELDS.has(field)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number'))
        throw apiError(ERR.validationError, `error for field '${field}'. value is wrong`);
      out[field] = v as number[];
    } else {
      if (typeof v !== 'number') throw apiError(ERR.validationError, `error for field '${field}'. value is wrong`);
      out[field] = v;
    }
  }
  return out;
}

/** Elasticsearch's `terms` aggregation returns its 10 biggest buckets unless told otherwise (the server does not). */
const TERMS_SIZE = 10;
const AGGREGATIONS = ['avg', 'min', 'max'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

function termsBuckets<T>(docs: T[], key: (d: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const d of docs) {
    const k = key(d);
    const list = groups.get(k);
    if (list) list.push(d);
    else groups.set(k, [d]);
  }
  // doc count descending, then key ascending, the 10 first
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).slice(0, TERMS_SIZE);
}

/**
 * WorkerStats.get_worker_stats + services/workers.py get_stats. `interval` is raised to the
 * server's min_chart_interval_sec (40); buckets are `interval` seconds aligned to the epoch from
 * `from_date` to `to_date` (extended bounds, so empty buckets are there with 0); the last bucket is
 * dropped unless it started at least 90 % of an interval before `to_date`; dates are the bucket
 * keys in epoch milliseconds.
 */
export function getStats(ctx: CallContext, docs: readonly StatDoc[]): Doc {
  const r = ctx.req;
  const from = r.float('from_date');
  const to = r.float('to_date');
  if (from === undefined) throw apiError(ERR.validationError, "error for field 'from_date'. field is required!");
  if (to === undefined) throw apiError(ERR.validationError, "error for field 'to_date'. field is required!");
  const requestedInterval = r.int('interval', { required: true })!;
  const rawItems = r.list('items', { required: true })!;
  if (from < 0 || to < 0 || requestedInterval < 1 || rawItems.length < 1) throw apiError(ERR.validationError, 'value is out of range');
  const items = rawItems.map((item) => {
    if (!item || typeof item !== 'object' || typeof (item as Doc).key !== 'string') {
      throw apiError(ERR.validationError, "error for field 'key'. field is required!");
    }
    const aggregation = ((item as Doc).aggregation ?? 'avg') as Aggregation;
    if (!AGGREGATIONS.includes(aggregation))
      throw apiError(ERR.validationError, `error for field 'aggregation'. value '${aggregation}' is not a valid choice.`);
    return { key: (item as Doc).key as string, aggregation };
  });
  const workerIds = r.strList('worker_ids');
  const split = r.bool('split_by_variant', false);
  if (from >= to) throw apiError(ERR.fieldsValueError, 'from_date must be less than to_date');
  const interval = Math.max(requestedInterval, 40);
  const step = interval * 1000;
  const keys = new Set(items.map((i) => i.key));
  const selected = docs.filter(
    (d) =>
      d.timestamp >= Math.trunc(from) * 1000 &&
      d.timestamp <= Math.trunc(to) * 1000 &&
      keys.has(d.metric) &&
      (!workerIds?.length || workerIds.includes(d.worker)),
  );
  const first = Math.floor((Math.trunc(from) * 1000) / step) * step;
  const last = Math.floor((Math.trunc(to) * 1000) / step) * step;
  const cutoff = (to - 0.9 * interval) * 1000;
  const aggsOf = (key: string) => [...new Set(items.filter((i) => i.key === key).map((i) => i.aggregation))];

  const series = (metricDocs: StatDoc[], metric: string, variant: string | null): Doc => {
    const byBucket = new Map<number, number[]>();
    for (const d of metricDocs) {
      const bucket = Math.floor(d.timestamp / step) * step;
      const list = byBucket.get(bucket);
      if (list) list.push(d.value);
      else byBucket.set(bucket, [d.value]);
    }
    const dates: number[] = [];
    for (let t = first; t <= last; t += step) if (t <= cutoff) dates.push(t);
    const aggs = aggsOf(metric);
    return {
      metric,
      ...(variant === null ? {} : { variant }),
      dates,
      stats: aggs.map((aggregation) => ({
        aggregation,
        values: dates.map((t) => {
          const values = byBucket.get(t);
          if (!values?.length) return 0.0;
          if (aggregation === 'min') return Math.min(...values);
          if (aggregation === 'max') return Math.max(...values);
          return values.reduce((a, b) => a + b, 0) / values.length;
        }),
      })),
    };
  };

  return {
    workers: termsBuckets(selected, (d) => d.worker).map(([worker, workerDocs]) => ({
      worker,
      metrics: termsBuckets(workerDocs, (d) => d.metric).flatMap(([metric, metricDocs]) =>
        split
          ? termsBuckets(metricDocs, (d) => d.variant).map(([variant, variantDocs]) => series(variantDocs, metric, variant))
          : [series(metricDocs, metric, null)],
      ),
    })),
  };
}
