import { MigrationInterface, QueryRunner } from 'typeorm';
import { USAGE_LATENCY_BUCKETS_MS, USAGE_LATENCY_BUCKET_COUNT } from '@cleargate/contracts';

/** `lat_0 … lat_14`: calls per duration bucket (libs/contracts usage.ts), one column each so plain sum() adds them. */
export const LATENCY_COLUMNS = Array.from({ length: USAGE_LATENCY_BUCKET_COUNT }, (_, i) => `lat_${i}`);

/** The bucket counts of a set of rows with `duration_ms`: `count(*) FILTER (WHERE duration_ms <= b)` per bucket. */
function latencyCounts(alias: string): string {
  return LATENCY_COLUMNS.map((_, i) => {
    const upper = USAGE_LATENCY_BUCKETS_MS[i];
    const lower = i === 0 ? undefined : USAGE_LATENCY_BUCKETS_MS[i - 1];
    const conditions = [
      ...(lower === undefined ? [] : [`${alias}.duration_ms > ${lower}`]),
      ...(upper === undefined ? [] : [`${alias}.duration_ms <= ${upper}`]),
    ];
    return `count(*) FILTER (WHERE ${conditions.join(' AND ')})`;
  }).join(', ');
}

/** The on-demand rollups: per day and caller and endpoint, per day and caller, per day and endpoint. */
export const ONDEMAND_ROLLUPS = [
  { table: 'usage_ondemand_daily', dims: ['caller', 'machine_id', 'endpoint'] },
  { table: 'usage_ondemand_callers', dims: ['caller'] },
  { table: 'usage_ondemand_endpoints', dims: ['machine_id', 'endpoint'] },
] as const;
/** The run rollups: per day of request and caller, task and queue; per day and caller. */
export const RUN_ROLLUPS = [
  { table: 'usage_runs_daily', dims: ['caller', 'task_id', 'queue'] },
  { table: 'usage_runs_callers', dims: ['caller'] },
] as const;
const DIM_TYPES: Record<string, string> = {
  caller: 'varchar(255)',
  machine_id: 'varchar(64)',
  endpoint: 'varchar(128)',
  task_id: 'char(64)',
  queue: 'varchar(200)',
};

const LOG_COLUMNS = {
  ondemand_calls: `
        id uuid NOT NULL,
        at timestamptz NOT NULL,
        correlation_id varchar(128) NOT NULL,
        caller varchar(255) NOT NULL,
        machine_id varchar(64) NOT NULL,
        machine_name varchar(100),
        endpoint varchar(128) NOT NULL,
        route varchar(8) NOT NULL,
        status_code smallint NOT NULL,
        outcome varchar(20) NOT NULL,
        duration_ms double precision NOT NULL,
        upstream_ms double precision,
        request_bytes integer NOT NULL,
        response_bytes integer NOT NULL,
        error text,
        response_excerpt text,
        prompt_tokens integer,
        completion_tokens integer,
        caller_subject varchar(255)`,
  enqueue_calls: `
        id uuid NOT NULL,
        at timestamptz NOT NULL,
        correlation_id varchar(128) NOT NULL,
        caller varchar(255) NOT NULL,
        task_id varchar(64) NOT NULL,
        template_name varchar(200),
        run_id uuid,
        clearml_task_id varchar(64),
        queue varchar(200),
        route varchar(8),
        outcome varchar(16) NOT NULL,
        duration_ms double precision NOT NULL,
        attempts integer NOT NULL,
        error text,
        caller_subject varchar(255)`,
};

/** The column names of a log table, in the order above (rows are copied by name, never by position). */
const columnNames = (table: keyof typeof LOG_COLUMNS) =>
  LOG_COLUMNS[table]
    .split(',')
    .map((c) => c.trim().split(/\s+/)[0])
    .join(', ');

/**
 * Logs and usage at scale, limits, suspensions and queue authorisation:
 *
 * - `ondemand_calls` and `enqueue_calls` become tables partitioned by UTC day on `at`
 *   (`<table>_pYYYYMMDD`): retention drops a whole day (DETACH … CONCURRENTLY, then DROP) in
 *   constant time without blocking writers. The primary key becomes (id, at). Existing rows are
 *   copied into the new partitions.
 * - Rollups maintained by statement-level triggers as records arrive, in the same transaction as
 *   the COPY or INSERT that adds them (so a batch counted once is written once): usage per day,
 *   caller and endpoint (calls, errors, durations with fixed buckets for the p95, bytes), calls per
 *   hour for /v1/stats, and usage of runs per day of request, caller, task and queue (kept exact as
 *   runs change: the trigger adds what a run counts for now and subtracts what it counted before).
 * - Limit rules, suspensions, the audit log and the policy version the gateways follow.
 * - `task_templates.allowed_queues`, `machines.max_in_flight`, `endpoints.max_in_flight`,
 *   `runs.worker` and `runs.gpu_seconds`.
 */
export class UsageLimitsPartitions1764600000000 implements MigrationInterface {
  name = 'UsageLimitsPartitions1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // ---- partition management -----------------------------------------------------------
    await q.query(`
      CREATE FUNCTION cg_partition_name(parent text, day date) RETURNS text LANGUAGE sql IMMUTABLE AS
      $$ SELECT parent || '_p' || to_char(day, 'YYYYMMDD') $$`);
    // Creates the day partitions of [first, last] that are missing; serialised so that two
    // registry replicas creating the same day do not collide.
    await q.query(`
      CREATE FUNCTION cg_ensure_partitions(parent text, first date, last date) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        d date := first;
        created integer := 0;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('cleargate.partitions.' || parent));
        WHILE d <= last LOOP
          IF to_regclass(cg_partition_name(parent, d)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
              cg_partition_name(parent, d), parent, d::text || ' 00:00:00+00', (d + 1)::text || ' 00:00:00+00');
            created := created + 1;
          END IF;
          d := d + 1;
        END LOOP;
        RETURN created;
      END $$`);

    // ---- rollups ------------------------------------------------------------------------
    const lat = LATENCY_COLUMNS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(', ');
    // The same figures at three grains: a query reads the smallest table that holds its grouping.
    for (const { table, dims } of ONDEMAND_ROLLUPS) {
      await q.query(`
        CREATE TABLE ${table} (
          day date NOT NULL,
          ${dims.map((d) => `${d} ${DIM_TYPES[d]} NOT NULL`).join(',\n          ')},
          calls bigint NOT NULL,
          errors bigint NOT NULL,
          duration_ms double precision NOT NULL,
          request_bytes bigint NOT NULL,
          response_bytes bigint NOT NULL,
          prompt_tokens bigint NOT NULL DEFAULT 0,
          completion_tokens bigint NOT NULL DEFAULT 0,
          ${lat},
          PRIMARY KEY (day, ${dims.join(', ')})
        )`);
    }
    await q.query(`CREATE INDEX ix_usage_ondemand_daily_caller ON usage_ondemand_daily (caller, day)`);
    // Requests to start each task per day (the enqueue log): the dashboard's busiest tasks.
    await q.query(`
      CREATE TABLE usage_enqueue_tasks (
        day date NOT NULL,
        task_id varchar(64) NOT NULL,
        calls bigint NOT NULL,
        errors bigint NOT NULL,
        duration_ms double precision NOT NULL,
        ${lat},
        PRIMARY KEY (day, task_id)
      )`);
    await q.query(`
      CREATE TABLE calls_hourly (
        log varchar(8) NOT NULL CHECK (log IN ('ondemand', 'enqueue')),
        hour timestamptz NOT NULL,
        calls bigint NOT NULL,
        errors bigint NOT NULL,
        duration_ms double precision NOT NULL DEFAULT 0,
        ${lat},
        PRIMARY KEY (log, hour)
      )`);
    for (const { table, dims } of RUN_ROLLUPS) {
      await q.query(`
        CREATE TABLE ${table} (
          day date NOT NULL,
          ${dims.map((d) => `${d} ${DIM_TYPES[d]} NOT NULL`).join(',\n          ')},
          runs bigint NOT NULL,
          completed bigint NOT NULL,
          failed bigint NOT NULL,
          stopped bigint NOT NULL,
          wait_seconds double precision NOT NULL,
          run_seconds double precision NOT NULL,
          gpu_seconds double precision NOT NULL,
          PRIMARY KEY (day, ${dims.join(', ')})
        )`);
    }
    await q.query(`CREATE INDEX ix_usage_runs_daily_caller ON usage_runs_daily (caller, day)`);

    const latUpdate = LATENCY_COLUMNS.map((c) => `${c} = u.${c} + excluded.${c}`).join(', ');
    // ORDER BY: concurrent batches lock the rollup rows they add to in the same order (no deadlock).
    const ondemandUpsert = ({ table, dims }: (typeof ONDEMAND_ROLLUPS)[number]) => {
      const keys = ['day', ...dims];
      const groups = keys.map((_, i) => i + 1).join(', ');
      return `
        INSERT INTO ${table} AS u (${keys.join(', ')}, calls, errors, duration_ms, request_bytes, response_bytes, prompt_tokens,
                                   completion_tokens, ${LATENCY_COLUMNS.join(', ')})
        SELECT (n.at AT TIME ZONE 'UTC')::date, ${dims.map((d) => `n.${d}`).join(', ')}, count(*), count(*) FILTER (WHERE n.outcome <> 'ok'),
               sum(n.duration_ms), sum(n.request_bytes), sum(n.response_bytes), COALESCE(sum(n.prompt_tokens), 0),
               COALESCE(sum(n.completion_tokens), 0), ${latencyCounts('n')}
          FROM new_rows n GROUP BY ${groups} ORDER BY ${groups}
        ON CONFLICT (${keys.join(', ')}) DO UPDATE SET
          calls = u.calls + excluded.calls, errors = u.errors + excluded.errors, duration_ms = u.duration_ms + excluded.duration_ms,
          request_bytes = u.request_bytes + excluded.request_bytes, response_bytes = u.response_bytes + excluded.response_bytes,
          prompt_tokens = u.prompt_tokens + excluded.prompt_tokens, completion_tokens = u.completion_tokens + excluded.completion_tokens,
          ${latUpdate};`;
    };
    // Calls per hour of each log with their duration buckets: the dashboard's series, totals and p95.
    const hourlyUpsert = (log: string, failed: string) => `
        INSERT INTO calls_hourly AS h (log, hour, calls, errors, duration_ms, ${LATENCY_COLUMNS.join(', ')})
        SELECT '${log}', date_trunc('hour', n.at, 'UTC'), count(*), count(*) FILTER (WHERE ${failed}), sum(n.duration_ms), ${latencyCounts('n')}
          FROM new_rows n GROUP BY 2 ORDER BY 2
        ON CONFLICT (log, hour) DO UPDATE SET calls = h.calls + excluded.calls, errors = h.errors + excluded.errors,
          duration_ms = h.duration_ms + excluded.duration_ms, ${latUpdate.replaceAll('u.', 'h.')};`;
    await q.query(`
      CREATE FUNCTION cg_rollup_ondemand() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${ONDEMAND_ROLLUPS.map(ondemandUpsert).join('\n')}
        ${hourlyUpsert('ondemand', "n.outcome <> 'ok'")}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION cg_rollup_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${hourlyUpsert('enqueue', "n.outcome <> 'queued'")}
        INSERT INTO usage_enqueue_tasks AS u (day, task_id, calls, errors, duration_ms, ${LATENCY_COLUMNS.join(', ')})
        SELECT (n.at AT TIME ZONE 'UTC')::date, n.task_id, count(*), count(*) FILTER (WHERE n.outcome <> 'queued'), sum(n.duration_ms),
               ${latencyCounts('n')}
          FROM new_rows n GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (day, task_id) DO UPDATE SET calls = u.calls + excluded.calls, errors = u.errors + excluded.errors,
          duration_ms = u.duration_ms + excluded.duration_ms, ${latUpdate};
        RETURN NULL;
      END $$`);

    // What one run counts for in usage_runs_daily, by the day it was requested.
    const runContribution = (alias: string, sign: string) => `
        SELECT (${alias}.created_at AT TIME ZONE 'UTC')::date AS day, ${alias}.caller, ${alias}.task_public_id AS task_id, ${alias}.queue,
               ${sign} 1 AS runs,
               ${sign} (${alias}.status = 'completed')::int AS completed,
               ${sign} (${alias}.status = 'failed')::int AS failed,
               ${sign} (${alias}.status = 'stopped')::int AS stopped,
               ${sign} CASE WHEN ${alias}.started_at IS NOT NULL AND ${alias}.queued_at IS NOT NULL
                        THEN GREATEST(0, extract(epoch FROM ${alias}.started_at - ${alias}.queued_at)) ELSE 0 END AS wait_seconds,
               ${sign} CASE WHEN ${alias}.finished_at IS NOT NULL AND ${alias}.started_at IS NOT NULL
                        THEN GREATEST(0, extract(epoch FROM ${alias}.finished_at - ${alias}.started_at)) ELSE 0 END AS run_seconds,
               ${sign} COALESCE(${alias}.gpu_seconds, 0) AS gpu_seconds`;
    const runUpsert = (source: string) =>
      RUN_ROLLUPS.map(({ table, dims }) => {
        const keys = ['day', ...dims];
        const groups = keys.map((_, i) => i + 1).join(', ');
        return `
        INSERT INTO ${table} AS u (${keys.join(', ')}, runs, completed, failed, stopped, wait_seconds, run_seconds, gpu_seconds)
        SELECT ${keys.join(', ')}, sum(runs), sum(completed), sum(failed), sum(stopped), sum(wait_seconds), sum(run_seconds), sum(gpu_seconds)
          FROM (${source}) c GROUP BY ${groups}
        HAVING sum(runs) <> 0 OR sum(completed) <> 0 OR sum(failed) <> 0 OR sum(stopped) <> 0
            OR sum(wait_seconds) <> 0 OR sum(run_seconds) <> 0 OR sum(gpu_seconds) <> 0
         ORDER BY ${groups}
        ON CONFLICT (${keys.join(', ')}) DO UPDATE SET
          runs = u.runs + excluded.runs, completed = u.completed + excluded.completed, failed = u.failed + excluded.failed,
          stopped = u.stopped + excluded.stopped, wait_seconds = u.wait_seconds + excluded.wait_seconds,
          run_seconds = u.run_seconds + excluded.run_seconds, gpu_seconds = u.gpu_seconds + excluded.gpu_seconds;`;
      }).join('\n');

    // ---- runs ----------------------------------------------------------------------------
    await q.query(`ALTER TABLE runs ADD COLUMN worker varchar(255), ADD COLUMN gpu_seconds double precision`);
    await q.query(`CREATE INDEX ix_runs_caller_active ON runs (caller) WHERE status IN ('accepted', 'retrying', 'queued', 'in_progress')`);
    await q.query(`
      CREATE FUNCTION cg_rollup_runs_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${runUpsert(runContribution('n', '') + ' FROM new_rows n')}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION cg_rollup_runs_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${runUpsert(`${runContribution('n', '')} FROM new_rows n UNION ALL ${runContribution('o', '-')} FROM old_rows o`)}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION cg_rollup_runs_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${runUpsert(runContribution('o', '-') + ' FROM old_rows o')}
        RETURN NULL;
      END $$`);
    // The runs stored before: counted once, like the rows the triggers will see.
    await q.query(`DO $$ BEGIN ${runUpsert(`${runContribution('r', '')} FROM runs r`)} END $$`);
    await q.query(
      `CREATE TRIGGER cg_rollup_runs_insert AFTER INSERT ON runs REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cg_rollup_runs_insert()`,
    );
    await q.query(
      `CREATE TRIGGER cg_rollup_runs_update AFTER UPDATE ON runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cg_rollup_runs_update()`,
    );
    await q.query(
      `CREATE TRIGGER cg_rollup_runs_delete AFTER DELETE ON runs REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cg_rollup_runs_delete()`,
    );

    // ---- call logs, partitioned by day ------------------------------------------------------
    for (const table of ['ondemand_calls', 'enqueue_calls'] as const) {
      await q.query(`ALTER TABLE ${table} RENAME TO ${table}_unpartitioned`);
      for (const index of await q.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1`, [`${table}_unpartitioned`])) {
        await q.query(
          `ALTER INDEX ${(index as { indexname: string }).indexname} RENAME TO ${(index as { indexname: string }).indexname}_old`,
        );
      }
      await q.query(`CREATE TABLE ${table} (${LOG_COLUMNS[table]}, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`);
      await q.query(`CREATE INDEX ix_${table}_at ON ${table} (at, id)`);
      await q.query(`CREATE INDEX ix_${table}_caller_at ON ${table} (caller, at, id)`);
      await q.query(`CREATE INDEX ix_${table}_outcome_at ON ${table} (outcome, at, id)`);
      await q.query(`CREATE INDEX ix_${table}_caller_subject_at ON ${table} (caller_subject, at)`);
      await q.query(
        `CREATE TRIGGER cg_rollup AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${
          table === 'ondemand_calls' ? 'cg_rollup_ondemand' : 'cg_rollup_enqueue'
        }()`,
      );
    }
    await q.query(`CREATE INDEX ix_ondemand_calls_machine_at ON ondemand_calls (machine_id, at, id)`);
    await q.query(`CREATE INDEX ix_ondemand_calls_endpoint_at ON ondemand_calls (endpoint, at, id)`);
    await q.query(`CREATE INDEX ix_enqueue_calls_task_at ON enqueue_calls (task_id, at, id)`);
    await q.query(`CREATE INDEX ix_enqueue_calls_run ON enqueue_calls (run_id)`);
    for (const table of ['ondemand_calls', 'enqueue_calls'] as const) {
      // The days already logged, then today and the next days; the rows move over (and are rolled up).
      await q.query(
        `SELECT cg_ensure_partitions($1,
           LEAST((SELECT min(at AT TIME ZONE 'UTC')::date FROM ${table}_unpartitioned), (now() AT TIME ZONE 'UTC')::date - 1),
           GREATEST((SELECT max(at AT TIME ZONE 'UTC')::date FROM ${table}_unpartitioned), (now() AT TIME ZONE 'UTC')::date + 3))`,
        [table],
      );
      await q.query(`INSERT INTO ${table} (${columnNames(table)}) SELECT ${columnNames(table)} FROM ${table}_unpartitioned`);
      await q.query(`DROP TABLE ${table}_unpartitioned`);
    }

    // ---- limits, suspensions, audit ------------------------------------------------------------
    await q.query(`
      CREATE TABLE limit_rules (
        id uuid PRIMARY KEY,
        scope varchar(16) NOT NULL CHECK (scope IN ('role', 'user', 'endpoint', 'task')),
        subject varchar(255) NOT NULL,
        user_name varchar(255),
        endpoint_id uuid REFERENCES endpoints(id) ON DELETE CASCADE,
        template_id uuid REFERENCES task_templates(id) ON DELETE CASCADE,
        limits jsonb NOT NULL,
        updated_by varchar(255) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((scope = 'endpoint') = (endpoint_id IS NOT NULL)),
        CHECK ((scope = 'task') = (template_id IS NOT NULL)),
        CHECK (user_name IS NULL OR scope IN ('endpoint', 'task'))
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_limit_rules ON limit_rules (scope, subject, COALESCE(user_name, ''))`);
    await q.query(`
      CREATE TABLE suspensions (
        username varchar(255) PRIMARY KEY,
        reason text NOT NULL,
        suspended_by varchar(255) NOT NULL,
        suspended_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor varchar(255) NOT NULL,
        action varchar(32) NOT NULL,
        target varchar(255) NOT NULL,
        reason text,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX ix_audit_log_at ON audit_log (at, id)`);
    await q.query(`CREATE INDEX ix_audit_log_target_at ON audit_log (target, at)`);
    // Grows with every change of a rule or a suspension; the gateways compare it with theirs.
    await q.query(`CREATE SEQUENCE policy_version`);

    // ---- queues, in-flight caps ---------------------------------------------------------------
    await q.query(`ALTER TABLE task_templates ADD COLUMN allowed_queues jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE machines ADD COLUMN max_in_flight integer CHECK (max_in_flight > 0)`);
    await q.query(`ALTER TABLE endpoints ADD COLUMN max_in_flight integer CHECK (max_in_flight > 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE endpoints DROP COLUMN max_in_flight`);
    await q.query(`ALTER TABLE machines DROP COLUMN max_in_flight`);
    await q.query(`ALTER TABLE task_templates DROP COLUMN allowed_queues`);
    await q.query(`DROP SEQUENCE policy_version`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE suspensions`);
    await q.query(`DROP TABLE limit_rules`);
    for (const table of ['ondemand_calls', 'enqueue_calls'] as const) {
      await q.query(`CREATE TABLE ${table}_unpartitioned (${LOG_COLUMNS[table]}, PRIMARY KEY (id))`);
      await q.query(`INSERT INTO ${table}_unpartitioned (${columnNames(table)}) SELECT ${columnNames(table)} FROM ${table}`);
      await q.query(`DROP TABLE ${table}`);
      await q.query(`ALTER TABLE ${table}_unpartitioned RENAME TO ${table}`);
      await q.query(`ALTER TABLE ${table} RENAME CONSTRAINT ${table}_unpartitioned_pkey TO ${table}_pkey`);
      await q.query(`CREATE INDEX ix_${table}_at ON ${table} (at)`);
      await q.query(`CREATE INDEX ix_${table}_caller_at ON ${table} (caller, at)`);
      await q.query(`CREATE INDEX ix_${table}_caller_subject_at ON ${table} (caller_subject, at)`);
    }
    await q.query(`CREATE INDEX ix_ondemand_calls_target_at ON ondemand_calls (machine_id, endpoint, at)`);
    await q.query(`CREATE INDEX ix_enqueue_calls_run ON enqueue_calls (run_id)`);
    await q.query(`DROP TRIGGER cg_rollup_runs_insert ON runs`);
    await q.query(`DROP TRIGGER cg_rollup_runs_update ON runs`);
    await q.query(`DROP TRIGGER cg_rollup_runs_delete ON runs`);
    await q.query(`DROP INDEX ix_runs_caller_active`);
    await q.query(`ALTER TABLE runs DROP COLUMN worker, DROP COLUMN gpu_seconds`);
    for (const fn of [
      'cg_rollup_runs_insert',
      'cg_rollup_runs_update',
      'cg_rollup_runs_delete',
      'cg_rollup_ondemand',
      'cg_rollup_enqueue',
    ]) {
      await q.query(`DROP FUNCTION ${fn}()`);
    }
    for (const { table } of RUN_ROLLUPS) await q.query(`DROP TABLE ${table}`);
    await q.query(`DROP TABLE calls_hourly`);
    await q.query(`DROP TABLE usage_enqueue_tasks`);
    for (const { table } of ONDEMAND_ROLLUPS) await q.query(`DROP TABLE ${table}`);
    await q.query(`DROP FUNCTION cg_ensure_partitions(text, date, date)`);
    await q.query(`DROP FUNCTION cg_partition_name(text, date)`);
  }
}
