import { MigrationInterface, QueryRunner } from 'typeorm';

export class TasksRunsEnqueueLog1764250000000 implements MigrationInterface {
  name = 'TasksRunsEnqueueLog1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE task_templates (
        id uuid PRIMARY KEY,
        public_id char(64) NOT NULL,
        clearml_task_id varchar(64) NOT NULL,
        default_queue varchar(200) NOT NULL,
        name varchar(200),
        params_schema jsonb,
        params_section varchar(100) NOT NULL DEFAULT 'General',
        visibility varchar(16) NOT NULL CHECK (visibility IN ('public', 'private', 'shared')),
        shared_with jsonb NOT NULL DEFAULT '{"users":[],"roles":[],"groups":[]}',
        enabled boolean NOT NULL DEFAULT true,
        owner varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_task_templates_public_id UNIQUE (public_id)
      )`);
    await q.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY,
        template_id uuid NOT NULL REFERENCES task_templates(id) ON DELETE RESTRICT,
        task_public_id char(64) NOT NULL,
        template_name varchar(200),
        caller varchar(255) NOT NULL,
        params jsonb NOT NULL,
        queue varchar(200) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('accepted', 'retrying', 'queued', 'in_progress', 'completed', 'failed', 'stopped')),
        clearml_task_id varchar(64),
        error text,
        error_code varchar(32),
        attempts integer NOT NULL DEFAULT 0,
        correlation_id varchar(128) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_runs_caller_created ON runs (caller, created_at)`);
    await q.query(`CREATE INDEX ix_runs_created ON runs (created_at)`);
    await q.query(`CREATE INDEX ix_runs_clearml_task ON runs (clearml_task_id) WHERE clearml_task_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_runs_pending ON runs (created_at) WHERE status IN ('accepted', 'retrying')`);
    await q.query(`
      CREATE TABLE enqueue_calls (
        id uuid PRIMARY KEY,
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
        error text
      )`);
    await q.query(`CREATE INDEX ix_enqueue_calls_at ON enqueue_calls (at)`);
    await q.query(`CREATE INDEX ix_enqueue_calls_caller_at ON enqueue_calls (caller, at)`);
    await q.query(`CREATE INDEX ix_enqueue_calls_run ON enqueue_calls (run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE enqueue_calls`);
    await q.query(`DROP TABLE runs`);
    await q.query(`DROP TABLE task_templates`);
  }
}
