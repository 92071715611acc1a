import { MigrationInterface, QueryRunner } from 'typeorm';

export class MachinesEndpointsCallLogs1764150000000 implements MigrationInterface {
  name = 'MachinesEndpointsCallLogs1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE machines (
        id uuid PRIMARY KEY,
        public_id char(64) NOT NULL,
        name varchar(100) NOT NULL,
        base_url text NOT NULL,
        protocol varchar(32) NOT NULL CHECK (protocol IN ('clearml-serving', 'kserve-v2')),
        serving_task_id varchar(64),
        metrics_url text,
        labels jsonb NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        owner varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_machines_public_id UNIQUE (public_id),
        CONSTRAINT uq_machines_name UNIQUE (name)
      )`);
    await q.query(`
      CREATE TABLE endpoints (
        id uuid PRIMARY KEY,
        machine_id uuid NOT NULL REFERENCES machines(id) ON DELETE RESTRICT,
        name varchar(128) NOT NULL,
        path varchar(500),
        timeout_ms integer NOT NULL CHECK (timeout_ms BETWEEN 100 AND 600000),
        visibility varchar(16) NOT NULL CHECK (visibility IN ('public', 'private', 'shared')),
        shared_with jsonb NOT NULL DEFAULT '{"users":[],"roles":[],"groups":[]}',
        count_predictions jsonb,
        enabled boolean NOT NULL DEFAULT true,
        owner varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_endpoints_machine_name UNIQUE (machine_id, name)
      )`);
    await q.query(`
      CREATE TABLE ondemand_calls (
        id uuid PRIMARY KEY,
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
        response_excerpt text
      )`);
    await q.query(`CREATE INDEX ix_ondemand_calls_at ON ondemand_calls (at)`);
    await q.query(`CREATE INDEX ix_ondemand_calls_caller_at ON ondemand_calls (caller, at)`);
    await q.query(`CREATE INDEX ix_ondemand_calls_target_at ON ondemand_calls (machine_id, endpoint, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ondemand_calls`);
    await q.query(`DROP TABLE endpoints`);
    await q.query(`DROP TABLE machines`);
  }
}
