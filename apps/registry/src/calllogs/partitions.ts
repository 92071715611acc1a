import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';
import { PgClients } from '../database/database.module';
import { ONDEMAND_ROLLUPS, RUN_ROLLUPS } from '../database/migrations/1764600000000-UsageLimitsPartitions';

export const LOG_TABLES = ['ondemand_calls', 'enqueue_calls'] as const;
export type LogTable = (typeof LOG_TABLES)[number];

const DAY = 86_400_000;
/** `YYYY-MM-DD` of the UTC day of a time. */
export const utcDay = (t: number): string => new Date(Math.floor(t / DAY) * DAY).toISOString().slice(0, 10);
const addDays = (day: string, n: number): string => utcDay(Date.parse(`${day}T00:00:00Z`) + n * DAY);
const PARTITION = /_p(\d{4})(\d{2})(\d{2})$/;
/** Serialises retention across registry replicas (a session lock on the bulk connection). */
const MAINTENANCE_LOCK = 'cleargate.calllog-retention';

/**
 * The day partitions of the call logs (`<table>_pYYYYMMDD`, UTC). Partitions are made ahead of
 * time (today and the next PARTITION_DAYS_AHEAD days) and on demand when a record of another
 * day arrives; retention detaches a whole day (DETACH PARTITION … CONCURRENTLY, which writers do
 * not wait for) and drops it: constant time whatever the day holds. A record older than the
 * retention is not written (counted in calllog_records_expired_total).
 */
@Injectable()
export class CallLogPartitions {
  private readonly known: Record<LogTable, Set<string>> = { ondemand_calls: new Set(), enqueue_calls: new Set() };
  private loaded = false;
  private readonly expired;
  private readonly dropped;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pg: PgClients,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.expired = metrics.counter(
      'calllog_records_expired_total',
      'Call-log records older than the retention when they arrived, not written',
      ['log'],
    );
    this.dropped = metrics.counter('calllog_partitions_dropped_total', 'Day partitions of the call logs dropped by retention', ['log']);
    const known = this.known;
    metrics.gauge('calllog_partitions', 'Day partitions of each call log', ['log'], function () {
      for (const table of LOG_TABLES) this.set({ log: logName(table) }, known[table].size);
    });
  }

  /** The first day kept: anything before it is past the retention. */
  firstRetainedDay(now = Date.now()): string {
    return addDays(utcDay(now), -this.config.LOG_RETENTION_DAYS);
  }

  /**
   * Makes sure the partitions of the given times exist; returns the days that are past the
   * retention (their records are not to be written).
   */
  async ensureFor(table: LogTable, times: Iterable<number>): Promise<Set<string>> {
    if (!this.loaded) await this.load();
    const days = new Set<string>();
    for (const t of times) days.add(utcDay(t));
    const first = this.firstRetainedDay();
    const expired = new Set<string>();
    const missing: string[] = [];
    for (const day of days) {
      if (this.known[table].has(day)) continue;
      if (day < first) expired.add(day);
      else missing.push(day);
    }
    if (missing.length) {
      missing.sort();
      await this.create(table, missing[0]!, missing[missing.length - 1]!);
    }
    return expired;
  }

  countExpired(table: LogTable, n: number): void {
    if (n > 0) this.expired.inc({ log: logName(table) }, n);
  }

  /** Partitions from yesterday to PARTITION_DAYS_AHEAD days ahead, then retention. */
  async maintain(now = Date.now()): Promise<void> {
    if (!this.loaded) await this.load();
    const today = utcDay(now);
    for (const table of LOG_TABLES) await this.create(table, addDays(today, -1), addDays(today, this.config.PARTITION_DAYS_AHEAD));
    await this.pg.withClient(async (client) => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [MAINTENANCE_LOCK]);
      if (!rows[0]?.locked) return; // another replica is at it
      try {
        for (const table of LOG_TABLES) {
          // A DETACH … CONCURRENTLY that was interrupted leaves the partition half detached: finish it.
          const pending = await client.query<{ name: string }>(
            `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = $1::regclass AND i.inhdetachpending`,
            [table],
          );
          for (const { name } of pending.rows) await client.query(`ALTER TABLE ${table} DETACH PARTITION ${quote(name)} FINALIZE`);
          const first = this.firstRetainedDay(now);
          for (const day of [...(await this.partitionDays(table))].filter((d) => d < first).sort()) {
            const name = partitionName(table, day);
            const started = performance.now();
            await client.query(`ALTER TABLE ${table} DETACH PARTITION ${quote(name)} CONCURRENTLY`);
            await client.query(`DROP TABLE ${quote(name)}`);
            this.known[table].delete(day);
            this.dropped.inc({ log: logName(table) });
            this.logger.info({ partition: name, ms: Math.round(performance.now() - started) }, 'call-log day past the retention dropped');
          }
        }
        const keep = addDays(utcDay(now), -this.config.USAGE_RETENTION_DAYS);
        for (const { table } of ONDEMAND_ROLLUPS) await client.query(`DELETE FROM ${table} WHERE day < $1`, [keep]);
        for (const { table } of RUN_ROLLUPS) await client.query(`DELETE FROM ${table} WHERE day < $1`, [keep]);
        await client.query(`DELETE FROM usage_enqueue_tasks WHERE day < $1`, [keep]);
        await client.query(`DELETE FROM calls_hourly WHERE hour < $1::date`, [keep]);
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [MAINTENANCE_LOCK]);
      }
    });
  }

  private async create(table: LogTable, first: string, last: string): Promise<void> {
    await this.dataSource.query(`SELECT cg_ensure_partitions($1, $2::date, $3::date)`, [table, first, last]);
    for (let day = first; day <= last; day = addDays(day, 1)) this.known[table].add(day);
  }

  private async load(): Promise<void> {
    for (const table of LOG_TABLES) this.known[table] = await this.partitionDays(table);
    this.loaded = true;
  }

  private async partitionDays(table: LogTable): Promise<Set<string>> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass AND NOT i.inhdetachpending`,
      [table],
    );
    const days = new Set<string>();
    for (const { name } of rows) {
      const m = PARTITION.exec(name);
      if (m) days.add(`${m[1]}-${m[2]}-${m[3]}`);
    }
    return days;
  }
}

export const partitionName = (table: LogTable, day: string): string => `${table}_p${day.replace(/-/g, '')}`;
const logName = (table: LogTable): string => (table === 'ondemand_calls' ? 'ondemand' : 'enqueue');
const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
