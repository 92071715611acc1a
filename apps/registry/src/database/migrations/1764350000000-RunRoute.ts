import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The route a run was requested on (the compatible Node-RED route or /v1), so the enqueue log
 * can name it for the run's outcome as it does for refusals. Runs stored before this are null.
 */
export class RunRoute1764350000000 implements MigrationInterface {
  name = 'RunRoute1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs ADD COLUMN route varchar(8) CHECK (route IN ('compat', 'v1'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runs DROP COLUMN route`);
  }
}
