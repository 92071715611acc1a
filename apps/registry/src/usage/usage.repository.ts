import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OndemandUsageRow, RunUsageRow, USAGE_LATENCY_BUCKET_COUNT, USAGE_LATENCY_BUCKETS_MS, UsageGroup } from '@cleargate/contracts';
import { BusiestEndpoint, BusiestTask, CallLog, StatsPoint, StatsSource, StatsTotals } from '../calllogs/calllogs.repository';
import { LATENCY_COLUMNS, ONDEMAND_ROLLUPS, RUN_ROLLUPS } from '../database/migrations/1764600000000-UsageLimitsPartitions';

export interface UsageRange {
  /** First UTC day (inclusive) and the day after the last (exclusive), as YYYY-MM-DD. */
  fromDay: string;
  toDay: string;
  bucket: 'day' | 'month';
  user?: string;
}

const ONDEMAND_GROUPS: Partial<Record<UsageGroup, string[]>> = { none: [], user: ['caller'], endpoint: ['machine_id', 'endpoint'] };
const RUN_GROUPS: Partial<Record<UsageGroup, string[]>> = { none: [], user: ['caller'], task: ['task_id'], queue: ['queue'] };

const n = (v: unknown): number => Number(v ?? 0);
const bucketSql = (bucket: 'day' | 'month') => (bucket === 'day' ? 'day' : `date_trunc('month', day)::date`);
/** `date` values are read as text (the pg driver would make local-time Dates of them). */
const dayIso = (day: unknown) => `${String(day)}T00:00:00.000Z`;

/**
 * The p95 of the bucket counts `l0 … l14` of a row, in SQL: quantileFromBuckets (libs/contracts)
 * written out as one CASE over the cumulative counts, so that the rows leave PostgreSQL with one
 * figure instead of fifteen counts. Same arithmetic in float8 (IEEE doubles), so the same answer.
 */
export function p95Sql(q = 0.95): string {
  const cols = LATENCY_COLUMNS.map((_, i) => `l${i}`);
  const total = cols.join(' + ');
  const rank = `(${q} * (${total}))`;
  const whens = cols.map((c, i) => {
    const seen = i === 0 ? '0' : cols.slice(0, i).join(' + ');
    const lower = i === 0 ? 0 : USAGE_LATENCY_BUCKETS_MS[i - 1]!;
    const upper = USAGE_LATENCY_BUCKETS_MS[i] ?? lower;
    return `WHEN ${c} > 0 AND ${seen} + ${c} >= ${rank} THEN ${lower}::float8 + ${upper - lower}::float8 * LEAST(1, GREATEST(0, (${rank} - (${seen})) / ${c}))`;
  });
  const last = USAGE_LATENCY_BUCKETS_MS[USAGE_LATENCY_BUCKETS_MS.length - 1]!;
  return `CASE WHEN ${total} = 0 THEN NULL ${whens.join(' ')} ELSE ${last}::float8 END`;
}
const P95_SQL = p95Sql();
/** `sum(lat_i) AS l_i` for every duration bucket: the inner select under P95_SQL. */
const LATENCY_SUMS = LATENCY_COLUMNS.map((c, i) => `sum(${c})::float8 AS l${i}`).join(', ');
/** Milliseconds to a tenth, as the log stores them; null when there were no calls. */
const tenth = (value: number | string | null | undefined): number | null =>
  value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10;

/**
 * The inner select of a usage query: the rollup rows themselves when the table's grain is the
 * answer's (a day per key), summed per bucket and key otherwise. Sums are float8 (exact to 2^53,
 * and several times cheaper than numeric, which sum(bigint) gives).
 */
function rollupSelect(options: {
  table: string;
  tableDims: readonly string[];
  dims: string[];
  /** [column, alias] */
  measures: [string, string][];
  range: UsageRange;
}): string {
  const { table, tableDims, dims, measures, range } = options;
  const keys = new Set([...dims, ...(range.user ? ['caller'] : [])]);
  const grain = range.bucket === 'day' && keys.size === tableDims.length && tableDims.every((d) => keys.has(d));
  const where = `WHERE day >= $1 AND day < $2 ${range.user ? 'AND caller = $3' : ''}`;
  const select = `to_char(${bucketSql(range.bucket)}, 'YYYY-MM-DD') AS bucket${dims.map((d) => `, ${d}`).join('')}`;
  if (grain) return `SELECT ${select}, ${measures.map(([c, a]) => `${c}::float8 AS ${a}`).join(', ')} FROM ${table} ${where}`;
  return `SELECT ${select}, ${measures.map(([c, a]) => `sum(${c}::float8) AS ${a}`).join(', ')} FROM ${table} ${where}
           GROUP BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}`;
}
/** The measures of an answer row: its field → the column of the query row holding it, in the answer's order. */
const ONDEMAND_FIELDS = {
  calls: 'calls',
  errors: 'errors',
  duration_ms_total: 'duration_ms',
  duration_ms_p95: 'p95',
  request_bytes: 'request_bytes',
  response_bytes: 'response_bytes',
  prompt_tokens: 'prompt_tokens',
  completion_tokens: 'completion_tokens',
} as const satisfies Partial<Record<keyof OndemandUsageRow, string>>;
const RUN_FIELDS = {
  runs: 'runs',
  completed: 'completed',
  failed: 'failed',
  stopped: 'stopped',
  wait_seconds: 'wait_seconds',
  run_seconds: 'run_seconds',
  gpu_seconds: 'gpu_seconds',
} as const satisfies Partial<Record<keyof RunUsageRow, string>>;

/**
 * The answer rows of a usage query, in its order: the bucket as an ISO day, the measures (`fields`),
 * the user when grouped by caller, then whatever other grouping keys `keys` sets.
 */
function usageRows<T extends { bucket: string; user?: string }>(
  rows: Record<string, unknown>[],
  dims: string[],
  fields: Partial<Record<keyof T, string>>,
  keys: (row: T, r: Record<string, unknown>) => void,
): T[] {
  const measures = Object.entries(fields) as [string, string][];
  const byUser = dims.includes('caller');
  const out: T[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const values: Record<string, unknown> = { bucket: dayIso(r.bucket) };
    for (const [field, column] of measures) values[field] = r[column];
    const row = values as T;
    if (byUser) row.user = r.caller as string;
    keys(row, r);
    out[i] = row;
  }
  return out;
}

/**
 * Reads the usage rollups (usage_ondemand_{daily,callers,endpoints}, usage_runs_{daily,callers},
 * calls_hourly), never the raw logs. Rows are a day per caller and endpoint (calls) or per caller, task and queue (runs), so a
 * month of a busy installation is a few thousand rows to add up.
 */
@Injectable()
export class UsageRepository implements StatsSource {
  constructor(private readonly dataSource: DataSource) {}

  async ondemand(range: UsageRange, group: UsageGroup): Promise<OndemandUsageRow[] | null> {
    const dims = ONDEMAND_GROUPS[group];
    if (!dims) return null;
    const params: unknown[] = [range.fromDay, range.toDay];
    if (range.user) params.push(range.user);
    // The smallest rollup that holds the grouping and the caller filter.
    const rollup = ONDEMAND_ROLLUPS.find(({ table }) =>
      range.user
        ? table === (dims.includes('endpoint') ? 'usage_ondemand_daily' : 'usage_ondemand_callers')
        : table === (dims.includes('caller') ? 'usage_ondemand_callers' : 'usage_ondemand_endpoints'),
    )!;
    const inner = rollupSelect({
      table: rollup.table,
      tableDims: rollup.dims,
      dims,
      range,
      measures: [
        ['calls', 'calls'],
        ['errors', 'errors'],
        ['duration_ms', 'duration_ms'],
        ['request_bytes', 'request_bytes'],
        ['response_bytes', 'response_bytes'],
        ['prompt_tokens', 'prompt_tokens'],
        ['completion_tokens', 'completion_tokens'],
        ...LATENCY_COLUMNS.map((c, i): [string, string] => [c, `l${i}`]),
      ],
    });
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT bucket${dims.map((d) => `, ${d}`).join('')}, calls, errors, duration_ms, request_bytes, response_bytes, prompt_tokens, completion_tokens,
              round((${P95_SQL})::numeric, 1)::float8 AS p95
         FROM (${inner}) AS s
        ORDER BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}`,
      params,
    );
    const byEndpoint = dims.includes('machine_id');
    return usageRows<OndemandUsageRow>(rows, dims, ONDEMAND_FIELDS, (row, r) => {
      if (byEndpoint) {
        row.machine_id = r.machine_id as string;
        row.endpoint = r.endpoint as string;
      }
    });
  }

  async runs(range: UsageRange, group: UsageGroup): Promise<RunUsageRow[] | null> {
    const dims = RUN_GROUPS[group];
    if (!dims) return null;
    const params: unknown[] = [range.fromDay, range.toDay];
    if (range.user) params.push(range.user);
    const rollup = RUN_ROLLUPS.find(({ table }) =>
      dims.includes('task_id') || dims.includes('queue') ? table === 'usage_runs_daily' : table === 'usage_runs_callers',
    )!;
    const inner = rollupSelect({
      table: rollup.table,
      tableDims: rollup.dims,
      dims,
      range,
      measures: Object.values(RUN_FIELDS).map((c): [string, string] => [c, c]),
    });
    // Rows whose runs were all deleted again add up to nothing: left out.
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT * FROM (${inner}) AS s WHERE runs <> 0 ORDER BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}`,
      params,
    );
    const byTask = dims.includes('task_id');
    const byQueue = dims.includes('queue');
    return usageRows<RunUsageRow>(rows, dims, RUN_FIELDS, (row, r) => {
      if (byTask) row.task_id = String(r.task_id).trim();
      if (byQueue) row.queue = r.queue as string;
    });
  }

  /**
   * The dashboard's figures from the hourly and daily rollups (ranges of hourly or wider buckets;
   * the last hour's minutes come from the log itself, see CallLogsRepository): calls, failed
   * calls and the p95 of durations per bucket of `bucketSeconds` since `since`, zero-filled up to
   * now. The p95 is estimated from the duration buckets (exact to the bucket).
   */
  async series(log: CallLog, since: Date, bucketSeconds: number): Promise<StatsPoint[]> {
    const rows: { at: Date; calls: number; errors: number; p95: number | null }[] = await this.dataSource.query(
      `SELECT at, calls, errors, ${P95_SQL} AS p95 FROM (
         SELECT date_bin(make_interval(secs => $3), hour, 'epoch') AS at, sum(calls)::float8 AS calls, sum(errors)::float8 AS errors,
                ${LATENCY_SUMS}
           FROM calls_hourly WHERE log = $1 AND hour >= $2 GROUP BY 1) AS s`,
      [log, since, bucketSeconds],
    );
    const byStart = new Map(rows.map((r) => [new Date(r.at).getTime(), r]));
    const step = bucketSeconds * 1000;
    const points: StatsPoint[] = [];
    for (let t = Math.floor(since.getTime() / step) * step; t <= Date.now(); t += step) {
      const row = byStart.get(t);
      points.push({ at: new Date(t).toISOString(), calls: n(row?.calls), errors: n(row?.errors), p95_ms: tenth(row?.p95) });
    }
    return points;
  }

  async totals(log: CallLog, since: Date): Promise<StatsTotals> {
    const [row] = (await this.dataSource.query(
      `SELECT calls, errors, ${P95_SQL} AS p95 FROM (
         SELECT sum(calls)::float8 AS calls, sum(errors)::float8 AS errors, ${LATENCY_SUMS}
           FROM calls_hourly WHERE log = $1 AND hour >= $2) AS s`,
      [log, since],
    )) as { calls: number | null; errors: number | null; p95: number | null }[];
    return { calls: n(row?.calls), errors: n(row?.errors), p95_ms: tenth(row?.p95) };
  }

  /** The most called endpoints over the UTC days from `since`'s to today, most first. */
  async busiestEndpoints(since: Date, limit: number): Promise<BusiestEndpoint[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT s.machine_id, m.name AS machine_name, s.endpoint, s.calls, s.errors, ${P95_SQL} AS p95 FROM (
         SELECT machine_id, endpoint, sum(calls)::float8 AS calls, sum(errors)::float8 AS errors, ${LATENCY_SUMS}
           FROM usage_ondemand_endpoints WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date
          GROUP BY 1, 2 ORDER BY sum(calls) DESC, 1, 2 LIMIT $2) AS s
         LEFT JOIN machines m ON m.public_id = s.machine_id
        ORDER BY s.calls DESC, 1, 3`,
      [since, limit],
    );
    return rows.map((r) => ({
      machine_id: String(r.machine_id),
      machine_name: (r.machine_name as string | null) ?? null,
      endpoint: String(r.endpoint),
      calls: n(r.calls),
      errors: n(r.errors),
      p95_ms: tenth(r.p95 as number | null),
    }));
  }

  /** The tasks most requested (the enqueue log) over the UTC days from `since`'s to today, most first. */
  async busiestTasks(since: Date, limit: number): Promise<BusiestTask[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT s.task_id, t.name AS template_name, s.calls, s.errors, ${P95_SQL} AS p95 FROM (
         SELECT task_id, sum(calls)::float8 AS calls, sum(errors)::float8 AS errors, ${LATENCY_SUMS}
           FROM usage_enqueue_tasks WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date
          GROUP BY 1 ORDER BY sum(calls) DESC, 1 LIMIT $2) AS s
         LEFT JOIN task_templates t ON t.public_id = s.task_id
        ORDER BY s.calls DESC, 1`,
      [since, limit],
    );
    return rows.map((r) => ({
      task_id: String(r.task_id),
      template_name: (r.template_name as string | null) ?? null,
      calls: n(r.calls),
      errors: n(r.errors),
      p95_ms: tenth(r.p95 as number | null),
    }));
  }

  /** A caller's prompt and completion tokens of one UTC day (YYYY-MM-DD). */
  async tokensOn(day: string, caller: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT COALESCE(sum(prompt_tokens + completion_tokens), 0)::float8 AS tokens FROM usage_ondemand_callers WHERE day = $1 AND caller = $2`,
      [day, caller],
    )) as { tokens: number }[];
    return n(row?.tokens);
  }

  /** Today's (UTC) calls per caller, for the metrics: the `top` busiest and the rest added up. */
  async todayByCaller(top: number) {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `WITH c AS (
         SELECT caller, sum(calls) AS calls, sum(errors) AS errors, sum(duration_ms) AS duration_ms
           FROM usage_ondemand_callers WHERE day = (now() AT TIME ZONE 'UTC')::date GROUP BY caller),
       r AS (
         SELECT caller, sum(runs) AS runs, sum(run_seconds) AS run_seconds, sum(gpu_seconds) AS gpu_seconds
           FROM usage_runs_callers WHERE day = (now() AT TIME ZONE 'UTC')::date GROUP BY caller)
       SELECT COALESCE(c.caller, r.caller) AS caller, c.calls, c.errors, c.duration_ms, r.runs, r.run_seconds, r.gpu_seconds
         FROM c FULL JOIN r ON r.caller = c.caller`,
    );
    return topAndOthers(
      rows.map((r) => ({
        key: String(r.caller),
        calls: n(r.calls),
        errors: n(r.errors),
        duration_ms: n(r.duration_ms),
        runs: n(r.runs),
        run_seconds: n(r.run_seconds),
        gpu_seconds: n(r.gpu_seconds),
      })),
      top,
      (r) => r.calls + r.runs,
    );
  }

  /** Today's (UTC) calls per endpoint (machine name and endpoint), the `top` busiest and the rest added up. */
  async todayByEndpoint(top: number) {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT COALESCE(m.name, '(unknown)') AS machine, u.endpoint, sum(u.calls) AS calls, sum(u.errors) AS errors,
              ${LATENCY_COLUMNS.map((c) => `sum(u.${c}) AS ${c}`).join(', ')}
         FROM usage_ondemand_endpoints u LEFT JOIN machines m ON m.public_id = u.machine_id
        WHERE u.day = (now() AT TIME ZONE 'UTC')::date
        GROUP BY 1, 2`,
    );
    return topAndOthers(
      rows.map((r) => ({
        key: `${String(r.machine)}\u0000${String(r.endpoint)}`,
        calls: n(r.calls),
        errors: n(r.errors),
        latency: LATENCY_COLUMNS.map((c) => n(r[c])),
      })),
      top,
      (r) => r.calls,
    );
  }
}

/** The `top` rows by `weight`, plus one row `(others)` adding up the rest (number fields, arrays element-wise). */
export function topAndOthers<T extends { key: string }>(rows: T[], top: number, weight: (row: T) => number): T[] {
  const sorted = [...rows].sort((a, b) => weight(b) - weight(a) || a.key.localeCompare(b.key));
  const head = sorted.slice(0, top);
  const rest = sorted.slice(top);
  if (!rest.length) return head;
  const others = { ...rest[0]!, key: '(others)' } as Record<string, unknown>;
  for (const [field, value] of Object.entries(rest[0]!)) {
    if (typeof value === 'number') others[field] = rest.reduce((sum, r) => sum + ((r as Record<string, unknown>)[field] as number), 0);
    else if (Array.isArray(value))
      others[field] = Array.from({ length: USAGE_LATENCY_BUCKET_COUNT }, (_, i) =>
        rest.reduce((sum, r) => sum + (((r as Record<string, unknown>)[field] as number[])[i] ?? 0), 0),
      );
  }
  return [...head, others as T];
}
