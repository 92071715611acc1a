import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Caller, endpoints, machines, runCreate, runGet, runList, tasks } from '@cleargate/contracts';
import { createTestDatabase } from '@cleargate/testing';
import { MIGRATIONS } from './database/data-source';
import { alice, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

// Ownership is keyed on the token's subject: a user name can change hands, a subject cannot.

const page = { limit: 50 };
let fx: RegistryFixture;

beforeAll(async () => {
  fx = await startRegistryFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function sql(url: string, text: string, values: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('ownership by subject', () => {
  it('follows the subject: a renamed owner keeps her machine, a new holder of her old name gets nothing', async () => {
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'owned-by-subject', base_url: 'http://gpu.example.org', protocol: 'kserve-v2' },
    });
    expect(machine).toMatchObject({ owner: 'alice', owner_subject: alice.subject });
    const renamed: Caller = { ...alice, username: 'alice.rossi' };
    const impostor: Caller = { ...alice, subject: 'u-someone-else' };
    expect(await fx.bus.rpc.request(machines.get, { caller: renamed, id: machine.id })).toMatchObject({ id: machine.id });
    expect((await rejects(fx.bus.rpc.request(machines.get, { caller: impostor, id: machine.id }))).code).toBe('not_found');
    expect((await fx.bus.rpc.request(machines.list, { caller: impostor, page })).items.map((m) => m.id)).not.toContain(machine.id);
    expect((await fx.bus.rpc.request(machines.list, { caller: renamed, page })).items.map((m) => m.id)).toContain(machine.id);
    const ep = await fx.bus.rpc.request(endpoints.create, {
      caller: renamed,
      endpoint: { machine_id: machine.id, name: 'm', visibility: 'private' },
    });
    expect(ep).toMatchObject({ owner: 'alice.rossi', owner_subject: alice.subject });
    expect((await rejects(fx.bus.rpc.request(endpoints.update, { caller: impostor, id: ep.id, patch: { enabled: false } }))).code).toBe(
      'not_found',
    );
    await fx.bus.rpc.request(endpoints.delete, { caller: alice, id: ep.id });
    await fx.bus.rpc.request(machines.delete, { caller: renamed, id: machine.id });
  });

  it('lets a row stored before subjects were kept be claimed by its owner’s name once, then only by that subject', async () => {
    const id = randomUUID();
    await sql(
      fx.db.url,
      `INSERT INTO machines (id, public_id, name, base_url, protocol, owner) VALUES ($1, $2, 'legacy-gpu', 'http://legacy.example.org', 'kserve-v2', 'carol')`,
      [id, 'c'.repeat(64)],
    );
    const carol: Caller = { subject: 'u-carol', username: 'carol', roles: ['AreaManager'], groups: [], admin: false };
    expect((await fx.bus.rpc.request(machines.list, { caller: carol, page })).items.map((m) => m.id)).toContain(id);
    expect(await fx.bus.rpc.request(machines.get, { caller: carol, id })).toMatchObject({ owner: 'carol', owner_subject: 'u-carol' });
    expect((await sql(fx.db.url, 'SELECT owner_subject FROM machines WHERE id = $1', [id]))[0]).toEqual({ owner_subject: 'u-carol' });
    // a later holder of the name "carol" no longer gets it
    const newCarol: Caller = { ...carol, subject: 'u-carol-2' };
    expect((await rejects(fx.bus.rpc.request(machines.get, { caller: newCarol, id }))).code).toBe('not_found');
    expect((await fx.bus.rpc.request(machines.list, { caller: newCarol, page })).items.map((m) => m.id)).not.toContain(id);
  });

  it('keeps runs and their logs by subject, and still shows each its readable caller name', async () => {
    const template = await fx.bus.rpc.request(tasks.create, {
      caller: alice,
      task: { clearml_task_id: 'a'.repeat(32), default_queue: 'default', visibility: 'public' },
    });
    const run = await fx.bus.rpc.request(runCreate, { caller: alice, task_id: template.task_id, params: {}, route: 'v1' });
    expect(run).toMatchObject({ caller: 'alice', caller_subject: alice.subject });
    const impostor: Caller = { ...alice, subject: 'u-impostor' };
    expect((await rejects(fx.bus.rpc.request(runGet, { caller: impostor, run_id: run.run_id, wait_ms: 0 }))).code).toBe('not_found');
    expect((await fx.bus.rpc.request(runList, { caller: impostor, page })).items).toEqual([]);
    expect((await fx.bus.rpc.request(runList, { caller: { ...alice, username: 'alice2' }, page })).items.map((r) => r.run_id)).toEqual([
      run.run_id,
    ]);
  });
});

describe('the OwnerSubjects migration', () => {
  it('maps user names to subjects from OWNER_SUBJECTS_FILE, and leaves the names it does not know for their owners to claim', async () => {
    const db = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'owners-'));
    const before = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS.slice(0, 3), migrationsTableName: 'migrations' });
    try {
      await before.initialize();
      await before.runMigrations();
      await before.destroy();
      await sql(
        db.url,
        `INSERT INTO machines (id, public_id, name, base_url, protocol, owner) VALUES
           ($1, $2, 'a', 'http://a.example.org', 'kserve-v2', 'dora'), ($3, $4, 'b', 'http://b.example.org', 'kserve-v2', 'eve')`,
        [randomUUID(), 'd'.repeat(64), randomUUID(), 'e'.repeat(64)],
      );
      await sql(
        db.url,
        `INSERT INTO ondemand_calls (id, at, correlation_id, caller, machine_id, endpoint, route, status_code, outcome, duration_ms, request_bytes, response_bytes)
         VALUES ($1, now(), 'c', 'dora', 'm', 'e', 'v1', 200, 'ok', 1, 1, 1)`,
        [randomUUID()],
      );
      const file = join(dir, 'owners.json');
      writeFileSync(file, JSON.stringify({ dora: 'f4a0c2de-0000-4000-8000-000000000001' }));
      process.env.OWNER_SUBJECTS_FILE = file;
      const after = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, migrationsTableName: 'migrations' });
      await after.initialize();
      try {
        await after.runMigrations();
      } finally {
        delete process.env.OWNER_SUBJECTS_FILE;
        await after.destroy();
      }
      expect(await sql(db.url, 'SELECT owner, owner_subject FROM machines ORDER BY owner')).toEqual([
        { owner: 'dora', owner_subject: 'f4a0c2de-0000-4000-8000-000000000001' },
        { owner: 'eve', owner_subject: null },
      ]);
      expect(await sql(db.url, 'SELECT caller, caller_subject FROM ondemand_calls')).toEqual([
        { caller: 'dora', caller_subject: 'f4a0c2de-0000-4000-8000-000000000001' },
      ]);
      expect(await sql(db.url, 'SELECT username, subject FROM owner_subjects')).toEqual([
        { username: 'dora', subject: 'f4a0c2de-0000-4000-8000-000000000001' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
