import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OndemandUsageRow, quantileFromBuckets, RunUsageRow, USAGE_LATENCY_BUCKET_COUNT, UsageGroup } from '@cleargate/contracts';
import { LATENCY_COLUMNS } from '../database/migrations/1764450000000-UsageLimitsPartitions';

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
 * Reads the usage rollups (usage_ondemand_{daily,callers,endpoints}, usage_runs_{daily,callers},
 * calls_hourly), never the raw logs. Rows are a day per caller and endpoint (calls) or per caller, task and queue (runs), so a
 * month of a busy installation is a few thousand rows to add up.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ondemand(range: UsageRange, group: UsageGroup): Promise<OndemandUsageRow[] | null> {
    const dims = ONDEMAND_GROUPS[group];
    if (!dims) return null;
    const params: unknown[] = [range.fromDay, range.toDay];
    if (range.user) params.push(range.user);
    // The smallest rollup that holds the grouping and the caller filter.
    const table = range.user
      ? dims.includes('endpoint')
        ? 'usage_ondemand_daily'
        : 'usage_ondemand_callers'
      : dims.includes('caller')
        ? 'usage_ondemand_callers'
        : 'usage_ondemand_endpoints';
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT to_char(${bucketSql(range.bucket)}, 'YYYY-MM-DD') AS bucket${dims.map((d) => `, ${d}`).join('')},
              sum(calls) AS calls, sum(errors) AS errors, sum(duration_ms) AS duration_ms,
              sum(request_bytes) AS request_bytes, sum(response_bytes) AS response_bytes,
              ${LATENCY_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')}
         FROM ${table}
        WHERE day >= $1 AND day < $2 ${range.user ? 'AND caller = $3' : ''}
        GROUP BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}
        ORDER BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}`,
      params,
    );
    return rows.map((r) => {
      const counts = LATENCY_COLUMNS.map((c) => n(r[c]));
      return {
        bucket: dayIso(r.bucket),
        ...(dims.includes('caller') ? { user: String(r.caller) } : {}),
        ...(dims.includes('machine_id') ? { machine_id: String(r.machine_id), endpoint: String(r.endpoint) } : {}),
        calls: n(r.calls),
        errors: n(r.errors),
        duration_ms_total: n(r.duration_ms),
        duration_ms_p95: quantileFromBuckets(counts, 0.95),
        request_bytes: n(r.request_bytes),
        response_bytes: n(r.response_bytes),
      };
    });
  }

  async runs(range: UsageRange, group: UsageGroup): Promise<RunUsageRow[] | null> {
    const dims = RUN_GROUPS[group];
    if (!dims) return null;
    const params: unknown[] = [range.fromDay, range.toDay];
    if (range.user) params.push(range.user);
    const table = dims.includes('task_id') || dims.includes('queue') ? 'usage_runs_daily' : 'usage_runs_callers';
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT to_char(${bucketSql(range.bucket)}, 'YYYY-MM-DD') AS bucket${dims.map((d) => `, ${d}`).join('')},
              sum(runs) AS runs, sum(completed) AS completed, sum(failed) AS failed, sum(stopped) AS stopped,
              sum(wait_seconds) AS wait_seconds, sum(run_seconds) AS run_seconds, sum(gpu_seconds) AS gpu_seconds
         FROM ${table}
        WHERE day >= $1 AND day < $2 ${range.user ? 'AND caller = $3' : ''}
        GROUP BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}
       HAVING sum(runs) <> 0
        ORDER BY 1${dims.map((_, i) => `, ${i + 2}`).join('')}`,
      params,
    );
    return rows.map((r) => ({
      bucket: dayIso(r.bucket),
      ...(dims.includes('caller') ? { user: String(r.caller) } : {}),
      ...(dims.includes('task_id') ? { task_id: String(r.task_id).trim() } : {}),
      ...(dims.includes('queue') ? { queue: String(r.queue) } : {}),
      runs: n(r.runs),
      completed: n(r.completed),
      failed: n(r.failed),
      stopped: n(r.stopped),
      wait_seconds: n(r.wait_seconds),
      run_seconds: n(r.run_seconds),
      gpu_seconds: n(r.gpu_seconds),
    }));
  }

  /** Calls and errors per hour over the last `hours` (the current hour last), zero-filled. */
  async hourly(log: 'ondemand' | 'enqueue', hours: number): Promise<{ at: string; calls: number; errors: number }[]> {
    const rows: { at: Date; calls: string | null; errors: string | null }[] = await this.dataSource.query(
      `SELECT h.at, c.calls, c.errors
         FROM generate_series(date_trunc('hour', now(), 'UTC') - make_interval(hours => $2 - 1), date_trunc('hour', now(), 'UTC'), interval '1 hour') AS h(at)
         LEFT JOIN calls_hourly c ON c.log = $1 AND c.hour = h.at
        ORDER BY h.at`,
      [log, hours],
    );
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), calls: n(r.calls), errors: n(r.errors) }));
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
