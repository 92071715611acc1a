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
import { applyCursor, pageResult } from '../database/paging';
import { OndemandCallEntity } from './ondemand-call.entity';
import { CallLogPartitions, utcDay } from './partitions';

export function toRecord(e: OndemandCallEntity): OndemandCallRecord {
  return {
    id: e.id,
    at: e.at.toISOString(),
    correlation_id: e.correlationId,
    caller: e.caller,
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
  const fields = ONDEMAND_CALL_FIELDS.map((field) => columns[field] as unknown[]);
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
          ONDEMAND_CALL_FIELDS.map((field) => [field, rows.map((i) => (batch[field] as unknown[])[i])]),
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
                            $15::text[], $16::text[])
       ON CONFLICT (id, at) DO NOTHING`,
      ONDEMAND_CALL_FIELDS.map((field) => (columns[field] as unknown[]).map((v) => (typeof v === 'string' ? v.replaceAll('\0', '') : v))),
    );
  }

  async listOndemand(filter: OndemandLogFilter, page: { limit: number; cursor?: string }) {
    const qb = this.ondemand.createQueryBuilder('c');
    if (filter.caller) qb.andWhere('c.caller = :caller', { caller: filter.caller });
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
    const column = <K extends keyof EnqueueCallRecord>(key: K) => records.map((r) => r[key]);
    await this.dataSource.query(
      `INSERT INTO enqueue_calls (id, at, correlation_id, caller, task_id, template_name, run_id, clearml_task_id, queue, route,
                                  outcome, duration_ms, attempts, error)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::uuid[],
                            $8::varchar[], $9::varchar[], $10::varchar[], $11::varchar[], $12::float8[], $13::int[], $14::text[])
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
      ],
    );
  }

  async listEnqueue(filter: EnqueueLogFilter, page: { limit: number; cursor?: string }) {
    const qb = this.dataSource.getRepository(EnqueueCallEntity).createQueryBuilder('c');
    if (filter.caller) qb.andWhere('c.caller = :caller', { caller: filter.caller });
    if (filter.task_id) qb.andWhere('c.task_id = :taskId', { taskId: filter.task_id });
    if (filter.run_id) qb.andWhere('c.run_id = :runId', { runId: filter.run_id });
    if (filter.outcome) qb.andWhere('c.outcome = :outcome', { outcome: filter.outcome });
    if (filter.since) qb.andWhere('c.at >= :since', { since: filter.since });
    if (filter.until) qb.andWhere('c.at < :until', { until: filter.until });
    const rows = await applyCursor(qb, 'c', 'at', page.cursor, page.limit).getMany();
    return pageResult(rows, page.limit, toEnqueueRecord, (c) => [c.at, c.id]);
  }
}
