import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * LLM endpoints: machines may speak an OpenAI-compatible API (`openai`), and on-demand call
 * records keep the prompt and completion tokens the model reported (null for other models and
 * for calls stored before this).
 */
export class OpenaiMachinesTokens1764550000000 implements MigrationInterface {
  name = 'OpenaiMachinesTokens1764550000000';

  async up(q: QueryRunner): Promise<void> {
    // The CHECK was declared inline, so PostgreSQL named it <table>_<column>_check.
    await q.query(`ALTER TABLE machines DROP CONSTRAINT machines_protocol_check`);
    await q.query(
      `ALTER TABLE machines ADD CONSTRAINT machines_protocol_check CHECK (protocol IN ('clearml-serving', 'kserve-v2', 'openai'))`,
    );
    await q.query(`ALTER TABLE ondemand_calls ADD COLUMN prompt_tokens integer, ADD COLUMN completion_tokens integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ondemand_calls DROP COLUMN prompt_tokens, DROP COLUMN completion_tokens`);
    await q.query(`DELETE FROM endpoints WHERE machine_id IN (SELECT id FROM machines WHERE protocol = 'openai')`);
    await q.query(`DELETE FROM machines WHERE protocol = 'openai'`);
    await q.query(`ALTER TABLE machines DROP CONSTRAINT machines_protocol_check`);
    await q.query(`ALTER TABLE machines ADD CONSTRAINT machines_protocol_check CHECK (protocol IN ('clearml-serving', 'kserve-v2'))`);
  }
}
