import { readFileSync } from 'node:fs';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** The owner and caller columns that gain a subject beside the user name. */
const OWNED = ['machines', 'endpoints', 'task_templates'] as const;
const CALLED = ['runs', 'ondemand_calls', 'enqueue_calls'] as const;

/**
 * Ownership keyed on the token's `sub` (a Keycloak user id, which never changes) instead of the
 * user name (which can). Every owner column gets an `owner_subject` beside it, every caller
 * column of runs and call logs a `caller_subject`; the user names stay, as the readable name.
 *
 * Rows stored before this know a user name only. A name maps to a subject only where someone
 * knows the mapping, so the migration takes it from the operator: OWNER_SUBJECTS_FILE, when
 * set, names a JSON file `{"<username>": "<subject>", ...}` (exported from the realm; the
 * registry README shows how), which is kept in the table `owner_subjects` and applied to every
 * row it names. A row left without a subject is claimed by the first caller whose user name
 * matches its owner's (see the services); until then that user name is what identifies it.
 */
export class OwnerSubjects1764500000000 implements MigrationInterface {
  name = 'OwnerSubjects1764500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of OWNED) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN owner_subject varchar(255)`);
      await q.query(`CREATE INDEX ix_${table}_owner_subject ON ${table} (owner_subject)`);
    }
    for (const table of CALLED) await q.query(`ALTER TABLE ${table} ADD COLUMN caller_subject varchar(255)`);
    await q.query(`CREATE INDEX ix_runs_caller_subject_created ON runs (caller_subject, created_at)`);
    await q.query(`CREATE INDEX ix_ondemand_calls_caller_subject_at ON ondemand_calls (caller_subject, at)`);
    await q.query(`CREATE INDEX ix_enqueue_calls_caller_subject_at ON enqueue_calls (caller_subject, at)`);
    await q.query(`CREATE TABLE owner_subjects (username varchar(255) PRIMARY KEY, subject varchar(255) NOT NULL)`);

    const mapping = readMapping(process.env.OWNER_SUBJECTS_FILE);
    if (mapping.length === 0) return;
    await q.query(`INSERT INTO owner_subjects (username, subject) SELECT * FROM unnest($1::varchar[], $2::varchar[])`, [
      mapping.map(([u]) => u),
      mapping.map(([, s]) => s),
    ]);
    for (const table of OWNED) {
      await q.query(`UPDATE ${table} t SET owner_subject = m.subject FROM owner_subjects m WHERE t.owner = m.username`);
    }
    for (const table of CALLED) {
      await q.query(`UPDATE ${table} t SET caller_subject = m.subject FROM owner_subjects m WHERE t.caller = m.username`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE owner_subjects`);
    for (const table of CALLED) await q.query(`ALTER TABLE ${table} DROP COLUMN caller_subject`);
    for (const table of OWNED) await q.query(`ALTER TABLE ${table} DROP COLUMN owner_subject`);
  }
}

/** `{"username": "subject"}` from the file, checked: both non-empty text of at most 255 characters. */
export function readMapping(file: string | undefined): [string, string][] {
  if (!file) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`OWNER_SUBJECTS_FILE ${file}: expected a JSON object {"username": "subject"}`);
  return Object.entries(parsed).map(([username, subject]) => {
    if (!username || username.length > 255 || typeof subject !== 'string' || !subject || subject.length > 255) {
      throw new Error(`OWNER_SUBJECTS_FILE ${file}: "${username.slice(0, 50)}" must map to a subject id (text of 1 to 255 characters)`);
    }
    return [username, subject];
  });
}
