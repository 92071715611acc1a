import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One public id names one thing across machines and tasks. Minted ids (HMACs) cannot meet,
 * but given ones (ClearML Utils' hashes kept at the cut-over) can: a machine's hash typed in as
 * a task's, or one id imported twice. Every public id is claimed in `public_ids` by a trigger on
 * both tables, whatever writes them, so a second claim fails on its primary key (23505,
 * constraint `public_ids_pkey`) and the write is refused in the same statement.
 */
export class PublicIdsAcrossKinds1764450000000 implements MigrationInterface {
  name = 'PublicIdsAcrossKinds1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE public_ids (
        public_id char(64) PRIMARY KEY,
        kind varchar(8) NOT NULL CHECK (kind IN ('machine', 'task')),
        entity_id uuid NOT NULL
      )`);
    await q.query(`INSERT INTO public_ids (public_id, kind, entity_id) SELECT public_id, 'machine', id FROM machines`);
    await q.query(`INSERT INTO public_ids (public_id, kind, entity_id) SELECT public_id, 'task', id FROM task_templates`);
    await q.query(`
      CREATE FUNCTION claim_public_id() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          DELETE FROM public_ids WHERE public_id = OLD.public_id AND entity_id = OLD.id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO public_ids (public_id, kind, entity_id) VALUES (NEW.public_id, TG_ARGV[0], NEW.id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER machines_public_id AFTER INSERT OR DELETE OR UPDATE OF public_id ON machines
      FOR EACH ROW EXECUTE FUNCTION claim_public_id('machine')`);
    await q.query(`
      CREATE TRIGGER task_templates_public_id AFTER INSERT OR DELETE OR UPDATE OF public_id ON task_templates
      FOR EACH ROW EXECUTE FUNCTION claim_public_id('task')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER task_templates_public_id ON task_templates`);
    await q.query(`DROP TRIGGER machines_public_id ON machines`);
    await q.query(`DROP FUNCTION claim_public_id()`);
    await q.query(`DROP TABLE public_ids`);
  }
}
