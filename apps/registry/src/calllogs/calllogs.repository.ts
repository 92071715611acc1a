import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, LessThan, Repository } from 'typeorm';
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
export class CallLogsRepository {
  private readonly ondemand: Repository<OndemandCallEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pg: PgClients,
  ) {
    this.ondemand = dataSource.getRepository(OndemandCallEntity);
  }

  /**
   * Writes batches of records with one COPY, PostgreSQL's bulk path (measured here: about 40 %
   * less database CPU per row than an INSERT of unnest()ed arrays). COPY cannot skip rows that
   * exist, so a redelivered batch, whose ids are already there, fails with a unique violation
   * and is written again by an INSERT that skips them: nothing is stored twice.
   */
  async insertOndemand(batches: OndemandCallColumns[]): Promise<void> {
    if (!batches.some((b) => ondemandCallCount(b) > 0)) return;
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
                            $15::text[], $16::text[], $17::varchar[])
       ON CONFLICT (id) DO NOTHING`,
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

  async insertEnqueue(records: EnqueueCallRecord[]): Promise<void> {
    if (!records.length) return;
    const column = <K extends keyof EnqueueCallRecord>(key: K) => records.map((r) => r[key] ?? null);
    await this.dataSource.query(
      `INSERT INTO enqueue_calls (id, at, correlation_id, caller, task_id, template_name, run_id, clearml_task_id, queue, route,
                                  outcome, duration_ms, attempts, error, caller_subject)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::uuid[],
                            $8::varchar[], $9::varchar[], $10::varchar[], $11::varchar[], $12::float8[], $13::int[], $14::text[],
                            $15::varchar[])
       ON CONFLICT (id) DO NOTHING`,
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

  async deleteBefore(cutoff: Date): Promise<number> {
    const ondemand = await this.ondemand.delete({ at: LessThan(cutoff) });
    const enqueue = await this.dataSource.getRepository(EnqueueCallEntity).delete({ at: LessThan(cutoff) });
    return (ondemand.affected ?? 0) + (enqueue.affected ?? 0);
  }

  enqueueSeries(hours: number) {
    return this.hourlySeries('enqueue_calls', "outcome <> 'queued'", hours);
  }

  /** Calls and errors per hour over the last `hours`, zero-filled. */
  async ondemandSeries(hours: number): Promise<{ at: string; calls: number; errors: number }[]> {
    return this.hourlySeries('ondemand_calls', "outcome <> 'ok'", hours);
  }

  async hourlySeries(table: string, errorCondition: string, hours: number) {
    const rows: { at: Date; calls: string; errors: string }[] = await this.dataSource.query(
      `SELECT h.at, COUNT(c.at) AS calls, COUNT(c.at) FILTER (WHERE ${errorCondition}) AS errors
         FROM generate_series(date_trunc('hour', now()) - make_interval(hours => $1 - 1), date_trunc('hour', now()), interval '1 hour') AS h(at)
         LEFT JOIN ${table} c ON c.at >= h.at AND c.at < h.at + interval '1 hour'
        GROUP BY h.at ORDER BY h.at`,
      [hours],
    );
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), calls: Number(r.calls), errors: Number(r.errors) }));
  }
}
