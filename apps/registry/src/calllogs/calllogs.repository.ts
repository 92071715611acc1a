import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, Repository } from 'typeorm';
import {
  EnqueueCallRecord,
  EnqueueLogFilter,
  EnqueueOutcome,
  ONDEMAND_CALL_FIELDS,
  OndemandCallColumns,
  ondemandCallCount,
  OndemandCallRecord,
  OndemandLogFilter,
  OndemandOutcome,
} from '@cleargate/contracts';
import { EnqueueCallEntity } from './enqueue-call.entity';
import { PgClients } from '../database/database.module';
import { applyCursor, callerCondition, pageResult } from '../database/paging';
import { OndemandCallEntity } from './ondemand-call.entity';
import { CallLogPartitions, utcDay } from './partitions';

export function toRecord(e: OndemandCallEntity): OndemandCallRecord {
  return {
    id: e.id,
    at: e.at.toISOString(),
    correlation_id: e.correlationId,
    caller: e.caller,
    caller_subject: e.callerSubject,
    machine_id: e.machineId,
    machine_name: e.machineName,
    endpoint: e.endpoint,
    route: e.route,
    status_code: e.statusCode,
    outcome: e.outcome as OndemandOutcome,
    duration_ms: e.durationMs,
    upstream_ms: e.upstreamMs,
    request_bytes: e.requestBytes,
    response_bytes: e.responseBytes,
    error: e.error,
    response_excerpt: e.responseExcerpt,
    prompt_tokens: e.promptTokens,
    completion_tokens: e.completionTokens,
  };
}

export function toEnqueueRecord(e: EnqueueCallEntity): EnqueueCallRecord {
  return {
    id: e.id,
    at: e.at.toISOString(),
    correlation_id: e.correlationId,
    caller: e.caller,
    caller_subject: e.callerSubject,
    task_id: e.taskId,
    template_name: e.templateName,
    run_id: e.runId,
    clearml_task_id: e.clearmlTaskId,
    queue: e.queue,
    route: e.route,
    outcome: e.outcome as EnqueueOutcome,
    duration_ms: e.durationMs,
    attempts: e.attempts,
    error: e.error,
  };
}

const UNIQUE_VIOLATION = '23505';

/**
 * Text-format COPY data: tab-separated fields, `\N` for null, backslash escapes for the
 * separators. PostgreSQL text cannot hold NUL, which a model's answer excerpt may carry: it is dropped.
 */
export function copyText(columns: OndemandCallColumns): string {
  const rows = ondemandCallCount(columns);
  // A batch of a router of an earlier release has no caller_subject column: null for each row.
  const fields = ONDEMAND_CALL_FIELDS.map((field) => (columns[field] as unknown[] | undefined) ?? []);
  let out = '';
  for (let row = 0; row < rows; row++) {
    for (let f = 0; f < fields.length; f++) {
      if (f) out += '\t';
      out += copyValue(fields[f]![row]);
    }
    out += '\n';
  }
  return out;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '' };

function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') return String(value);
  return /[\\\n\r\t\0]/.test(value) ? value.replace(/[\\\n\r\t\0]/g, (c) => COPY_ESCAPES[c]!) : value;
}

@Injectable()
export class CallLogsRepository implements StatsSource {
  private readonly ondemand: Repository<OndemandCallEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pg: PgClients,
    private readonly partitions: CallLogPartitions,
  ) {
    this.ondemand = dataSource.getRepository(OndemandCallEntity);
  }

  /** The batches with the records of days past the retention left out (their partitions are gone). */
  private async withinRetention(batches: OndemandCallColumns[]): Promise<OndemandCallColumns[]> {
    const times = batches.flatMap((b) => b.at.map((at) => Date.parse(at)));
    const expired = await this.partitions.ensureFor('ondemand_calls', times);
    if (!expired.size) return batches;
    let dropped = 0;
    const kept = batches
      .map((batch) => {
        const rows = batch.at.map((at, i) => (expired.has(utcDay(Date.parse(at))) ? -1 : i)).filter((i) => i >= 0);
        dropped += ondemandCallCount(batch) - rows.length;
        return Object.fromEntries(
          ONDEMAND_CALL_FIELDS.map((field) => [field, rows.map((i) => (batch[field] as unknown[] | undefined)?.[i] ?? null)]),
        ) as unknown as OndemandCallColumns;
      })
      .filter((b) => ondemandCallCount(b) > 0);
    this.partitions.countExpired('ondemand_calls', dropped);
    return kept;
  }

  /**
   * Writes batches of records with one COPY, PostgreSQL's bulk path (measured here: about 40 %
   * less database CPU per row than an INSERT of unnest()ed arrays). COPY cannot skip rows that
   * exist, so a redelivered batch, whose ids are already there, fails with a unique violation
   * and is written again by an INSERT that skips them: nothing is stored twice.
   */
  async insertOndemand(all: OndemandCallColumns[]): Promise<void> {
    if (!all.some((b) => ondemandCallCount(b) > 0)) return;
    const batches = await this.withinRetention(all);
    if (!batches.length) return;
    try {
      await this.pg.withClient((client) =>
        pipeline(
          Readable.from(batches.map(copyText)),
          client.query(copyFrom(`COPY ondemand_calls (${ONDEMAND_CALL_FIELDS.join(', ')}) FROM STDIN`)),
        ),
      );
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      for (const batch of batches) await this.insertOndemandSkippingKnown(batch);
    }
  }

  /** One INSERT per batch, the rows passed as one array per column (unnest); rows already stored are skipped. */
  private async insertOndemandSkippingKnown(columns: OndemandCallColumns): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ondemand_calls (${ONDEMAND_CALL_FIELDS.join(', ')})
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[],
                            $8::varchar[], $9::smallint[], $10::varchar[], $11::float8[], $12::float8[], $13::int[], $14::int[],
                            $15::text[], $16::text[], $17::int[], $18::int[], $19::varchar[])
       ON CONFLICT (id, at) DO NOTHING`,
      ONDEMAND_CALL_FIELDS.map((field) =>
        ((columns[field] as unknown[] | undefined) ?? columns.id.map(() => null)).map((v) =>
          typeof v === 'string' ? v.replaceAll('\0', '') : v,
        ),
      ),
    );
  }

  async listOndemand(filter: OndemandLogFilter & { caller_subject?: string }, page: { limit: number; cursor?: string }) {
    const qb = this.ondemand.createQueryBuilder('c');
    callerCondition(qb, 'c', filter);
    if (filter.machine_id) qb.andWhere('c.machine_id = :machineId', { machineId: filter.machine_id });
    if (filter.endpoint) qb.andWhere('c.endpoint = :endpoint', { endpoint: filter.endpoint });
    if (filter.outcome) qb.andWhere('c.outcome = :outcome', { outcome: filter.outcome });
    if (filter.since) qb.andWhere('c.at >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('c.at < :until', { until: filter.until });
    const rows = await applyCursor(qb, 'c', 'at', page.cursor, page.limit).getMany();
    return pageResult(rows, page.limit, toRecord, (c) => [c.at, c.id]);
  }

  async insertEnqueue(all: EnqueueCallRecord[]): Promise<void> {
    if (!all.length) return;
    const expired = await this.partitions.ensureFor(
      'enqueue_calls',
      all.map((r) => Date.parse(r.at)),
    );
    const records = expired.size ? all.filter((r) => !expired.has(utcDay(Date.parse(r.at)))) : all;
    this.partitions.countExpired('enqueue_calls', all.length - records.length);
    if (!records.length) return;
    const column = <K extends keyof EnqueueCallRecord>(key: K) => records.map((r) => r[key] ?? null);
    await this.dataSource.query(
      `INSERT INTO enqueue_calls (id, at, correlation_id, caller, task_id, template_name, run_id, clearml_task_id, queue, route,
                                  outcome, duration_ms, attempts, error, caller_subject)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::uuid[],
                            $8::varchar[], $9::varchar[], $10::varchar[], $11::varchar[], $12::float8[], $13::int[], $14::text[],
                            $15::varchar[])
       ON CONFLICT (id, at) DO NOTHING`,
      [
        column('id'),
        column('at'),
        column('correlation_id'),
        column('caller'),
        column('task_id'),
        column('template_name'),
        column('run_id'),
        column('clearml_task_id'),
        column('queue'),
        column('route'),
        column('outcome'),
        column('duration_ms'),
        column('attempts'),
        column('error'),
        column('caller_subject'),
      ],
    );
  }

  async listEnqueue(filter: EnqueueLogFilter & { caller_subject?: string }, page: { limit: number; cursor?: string }) {
    const qb = this.dataSource.getRepository(EnqueueCallEntity).createQueryBuilder('c');
    callerCondition(qb, 'c', filter);
    if (filter.task_id) qb.andWhere('c.task_id = :taskId', { taskId: filter.task_id });
    if (filter.run_id) qb.andWhere('c.run_id = :runId', { runId: filter.run_id });
    if (filter.outcome) qb.andWhere('c.outcome = :outcome', { outcome: filter.outcome });
    if (filter.since) qb.andWhere('c.at >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('c.at < :until', { until: filter.until });
    const rows = await applyCursor(qb, 'c', 'at', page.cursor, page.limit).getMany();
    return pageResult(rows, page.limit, toEnqueueRecord, (c) => [c.at, c.id]);
  }

  /**
   * Calls, failed calls and the 95th percentile of their durations per bucket of
   * `bucketSeconds` since `since` (buckets aligned to the Unix epoch, the first one holding
   * `since`), zero-filled up to now.
   */
  async series(log: CallLog, since: Date, bucketSeconds: number): Promise<StatsPoint[]> {
    const { table, failed } = CALL_LOGS[log];
    const rows: { at: Date; calls: string; errors: string; p95: number | null }[] = await this.dataSource.query(
      `SELECT date_bin(make_interval(secs => $2), at, 'epoch') AS at, count(*) AS calls,
              count(*) FILTER (WHERE ${failed}) AS errors,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM ${table} WHERE at >= $1 GROUP BY 1`,
      [since, bucketSeconds],
    );
    const byStart = new Map(rows.map((r) => [new Date(r.at).getTime(), r]));
    const step = bucketSeconds * 1000;
    const points: StatsPoint[] = [];
    for (let t = Math.floor(since.getTime() / step) * step; t <= Date.now(); t += step) {
      const row = byStart.get(t);
      points.push({
        at: new Date(t).toISOString(),
        calls: Number(row?.calls ?? 0),
        errors: Number(row?.errors ?? 0),
        p95_ms: p95(row?.p95),
      });
    }
    return points;
  }

  async totals(log: CallLog, since: Date): Promise<StatsTotals> {
    const { table, failed } = CALL_LOGS[log];
    const [row] = (await this.dataSource.query(
      `SELECT count(*) AS calls, count(*) FILTER (WHERE ${failed}) AS errors,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM ${table} WHERE at >= $1`,
      [since],
    )) as { calls: string; errors: string; p95: number | null }[];
    return { calls: Number(row?.calls ?? 0), errors: Number(row?.errors ?? 0), p95_ms: p95(row?.p95) };
  }

  /** The most called endpoints since `since`, most first. */
  async busiestEndpoints(since: Date, limit: number): Promise<BusiestEndpoint[]> {
    const rows: { machine_id: string; machine_name: string | null; endpoint: string; calls: string; errors: string; p95: number | null }[] =
      await this.dataSource.query(
        `SELECT machine_id, max(machine_name) AS machine_name, endpoint, count(*) AS calls,
                count(*) FILTER (WHERE ${CALL_LOGS.ondemand.failed}) AS errors,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
           FROM ondemand_calls WHERE at >= $1
          GROUP BY machine_id, endpoint ORDER BY count(*) DESC, machine_id, endpoint LIMIT $2`,
        [since, limit],
      );
    return rows.map((r) => ({
      machine_id: r.machine_id,
      machine_name: r.machine_name,
      endpoint: r.endpoint,
      calls: Number(r.calls),
      errors: Number(r.errors),
      p95_ms: p95(r.p95),
    }));
  }

  /** The most requested tasks since `since`, most first. */
  async busiestTasks(since: Date, limit: number): Promise<BusiestTask[]> {
    const rows: { task_id: string; template_name: string | null; calls: string; errors: string; p95: number | null }[] =
      await this.dataSource.query(
        `SELECT task_id, max(template_name) AS template_name, count(*) AS calls,
                count(*) FILTER (WHERE ${CALL_LOGS.enqueue.failed}) AS errors,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
           FROM enqueue_calls WHERE at >= $1
          GROUP BY task_id ORDER BY count(*) DESC, task_id LIMIT $2`,
        [since, limit],
      );
    return rows.map((r) => ({
      task_id: r.task_id,
      template_name: r.template_name,
      calls: Number(r.calls),
      errors: Number(r.errors),
      p95_ms: p95(r.p95),
    }));
  }

  /**
   * Each machine's calls and failed calls over the last `windowMinutes`, and its latest failed
   * call of the last day (machines by public id; those without calls are absent).
   */
  async machineHealth(machineIds: string[], windowMinutes: number) {
    const [recent, failures] = await Promise.all([
      this.dataSource.query(
        `SELECT machine_id, count(*) AS calls, count(*) FILTER (WHERE ${CALL_LOGS.ondemand.failed}) AS errors
           FROM ondemand_calls WHERE machine_id = ANY($1) AND at >= now() - make_interval(mins => $2)
          GROUP BY machine_id`,
        [machineIds, windowMinutes],
      ) as Promise<{ machine_id: string; calls: string; errors: string }[]>,
      this.dataSource.query(
        `SELECT DISTINCT ON (machine_id) machine_id, at, endpoint, outcome, status_code, error
           FROM ondemand_calls WHERE machine_id = ANY($1) AND ${CALL_LOGS.ondemand.failed} AND at >= now() - interval '24 hours'
          ORDER BY machine_id, at DESC`,
        [machineIds],
      ) as Promise<
        { machine_id: string; at: Date; endpoint: string; outcome: OndemandOutcome; status_code: number; error: string | null }[]
      >,
    ]);
    return {
      recent: new Map(recent.map((r) => [r.machine_id, { calls: Number(r.calls), errors: Number(r.errors) }])),
      lastErrors: new Map(
        failures.map((f) => [
          f.machine_id,
          { at: new Date(f.at).toISOString(), endpoint: f.endpoint, outcome: f.outcome, status_code: f.status_code, error: f.error },
        ]),
      ),
    };
  }
}

export type CallLog = 'ondemand' | 'enqueue';
export interface StatsTotals {
  calls: number;
  errors: number;
  p95_ms: number | null;
}
export interface StatsPoint extends StatsTotals {
  at: string;
}
export interface BusiestEndpoint extends StatsTotals {
  machine_id: string;
  machine_name: string | null;
  endpoint: string;
}
export interface BusiestTask extends StatsTotals {
  task_id: string;
  template_name: string | null;
}

/** Where the dashboard's figures come from: the log itself (the last hour) or the rollups (wider ranges). */
export interface StatsSource {
  series(log: CallLog, since: Date, bucketSeconds: number): Promise<StatsPoint[]>;
  totals(log: CallLog, since: Date): Promise<StatsTotals>;
  busiestEndpoints(since: Date, limit: number): Promise<BusiestEndpoint[]>;
  busiestTasks(since: Date, limit: number): Promise<BusiestTask[]>;
}

/** Each log's table and what counts as a failed call in it. */
const CALL_LOGS: Record<CallLog, { table: string; failed: string }> = {
  ondemand: { table: 'ondemand_calls', failed: "outcome <> 'ok'" },
  enqueue: { table: 'enqueue_calls', failed: "outcome <> 'queued'" },
};

/** Milliseconds to a tenth, as the log stores them; null when there were no calls. */
function p95(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10;
}
