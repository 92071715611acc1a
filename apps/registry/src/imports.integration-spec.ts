import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { endpointChanged, endpoints, machineChanged, machines, routingResolve, runCreate, tasks, utilsImport } from '@cleargate/contracts';
import { decodeJson } from '@cleargate/messaging';
import { waitFor } from '@cleargate/testing';
import { emptyExport, readExportFile } from './imports/utils-export';
import { admin, alice, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

const FIXTURES = join(__dirname, '..', '..', '..', 'tests', 'system', 'fixtures', 'clearml-utils');
const M1 = '05425cc1f3729b542b6538e34187dcec836890352edaa42b8531194e705ebb07';
const M2 = '0683f2eb7ecd1f7bbea7fd947b826830e2df2bee4ebbca20257b8150dd051138';
const T1 = 'ff25d2389ab7917a77cc0c3546331401054d53cb7b2edeedb7b4e7742bb5286d';
const page = { limit: 500 };

function exportOf(...files: string[]) {
  const out = emptyExport();
  for (const f of files) readExportFile(f, readFileSync(join(FIXTURES, f), 'utf8'), out);
  return out;
}

async function tableCounts(fx: RegistryFixture) {
  const client = new Client({ connectionString: fx.db.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM machines)::int AS machines, (SELECT count(*) FROM endpoints)::int AS endpoints,
              (SELECT count(*) FROM task_templates)::int AS tasks, (SELECT count(*) FROM public_ids)::int AS public_ids`,
    );
    return rows[0] as { machines: number; endpoints: number; tasks: number; public_ids: number };
  } finally {
    await client.end();
  }
}

describe('given public ids', () => {
  let fx: RegistryFixture;
  beforeAll(async () => {
    // ClearML Utils' serving machines sit on private networks: an installation allows their ranges.
    fx = await startRegistryFixture({ EGRESS_ALLOWED_CIDRS: '10.0.0.0/8,192.168.0.0/16' });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('lets an administrator register a machine under a legacy id that then resolves like a minted one', async () => {
    const events: { machine_id: string }[] = [];
    const sub = fx.bus.nats.connection.subscribe(fx.bus.nats.subject(machineChanged.subject), {
      callback: (_e, msg) => void events.push(decodeJson(msg.data) as { machine_id: string }),
    });
    const legacy = 'ab'.repeat(32);
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: admin,
      machine: { machine_id: legacy.toUpperCase(), name: 'legacy-gpu', base_url: 'http://10.0.0.9:8080', protocol: 'clearml-serving' },
    });
    expect(machine.machine_id).toBe(legacy);
    expect(await fx.bus.rpc.request(machines.get, { caller: admin, id: legacy })).toEqual(machine);
    await fx.bus.rpc.request(endpoints.create, { caller: admin, endpoint: { machine_id: legacy, name: 'mnist' } });
    const resolved = await fx.bus.rpc.request(routingResolve, { machine_id: legacy, endpoint: 'mnist' });
    expect(resolved.machine?.id).toBe(machine.id);
    expect(resolved.endpoint?.machine_id).toBe(legacy);
    await waitFor(() => events.some((e) => e.machine_id === legacy));
    sub.unsubscribe();
  });

  it('refuses a given id from anyone but an administrator', async () => {
    const err = await rejects(
      fx.bus.rpc.request(machines.create, {
        caller: alice,
        machine: { machine_id: 'cd'.repeat(32), name: 'taken-over', base_url: 'http://10.0.0.9:8080', protocol: 'clearml-serving' },
      }),
    );
    expect(err).toMatchObject({ code: 'forbidden', message: 'only administrators may give machine_id' });
    const task = await rejects(
      fx.bus.rpc.request(tasks.create, {
        caller: alice,
        task: { task_id: 'cd'.repeat(32), clearml_task_id: 'c1', default_queue: 'default' },
      }),
    );
    expect(task.code).toBe('forbidden');
  });

  it('keeps a public id unique across machines and tasks, legacy or minted', async () => {
    const minted = await fx.bus.rpc.request(tasks.create, { caller: admin, task: { clearml_task_id: 'c1', default_queue: 'default' } });
    const legacyTask = await fx.bus.rpc.request(tasks.create, {
      caller: admin,
      task: { task_id: 'ef'.repeat(32), clearml_task_id: 'c2', default_queue: 'default' },
    });
    expect(legacyTask.task_id).toBe('ef'.repeat(32));
    expect((await fx.bus.rpc.request(tasks.get, { caller: admin, id: 'ef'.repeat(32) })).id).toBe(legacyTask.id);

    for (const taken of ['ab'.repeat(32), minted.task_id, 'ef'.repeat(32)]) {
      const asTask = await rejects(
        fx.bus.rpc.request(tasks.create, { caller: admin, task: { task_id: taken, clearml_task_id: 'c3', default_queue: 'default' } }),
      );
      expect(asTask).toMatchObject({ code: 'conflict', message: `the public id ${taken} is already in use` });
      const asMachine = await rejects(
        fx.bus.rpc.request(machines.create, {
          caller: admin,
          machine: { machine_id: taken, name: `m-${taken.slice(0, 8)}`, base_url: 'http://10.0.0.9:8080', protocol: 'kserve-v2' },
        }),
      );
      expect(asMachine).toMatchObject({ code: 'conflict', message: `the public id ${taken} is already in use` });
    }
    // A deleted task frees its id.
    await fx.bus.rpc.request(tasks.delete, { caller: admin, id: 'ef'.repeat(32) });
    const again = await fx.bus.rpc.request(machines.create, {
      caller: admin,
      machine: { machine_id: 'ef'.repeat(32), name: 'reuses-freed-id', base_url: 'http://10.0.0.9:8080', protocol: 'kserve-v2' },
    });
    expect(again.machine_id).toBe('ef'.repeat(32));
  });

  it('a run of a task with a legacy id names that id', async () => {
    const legacy = '12'.repeat(32);
    await fx.bus.rpc.request(tasks.create, { caller: admin, task: { task_id: legacy, clearml_task_id: 'c4', default_queue: 'default' } });
    const run = await fx.bus.rpc.request(runCreate, { caller: alice, task_id: legacy, params: {}, route: 'compat' });
    expect(run).toMatchObject({ task_id: legacy, status: 'accepted', queue: 'default' });
  });

  it('does not take a public id in a change', async () => {
    const err = await rejects(
      fx.bus.rpc.request(machines.update, { caller: admin, id: 'ab'.repeat(32), patch: { machine_id: 'cd'.repeat(32) } as never }),
    );
    expect(err.code).toBe('invalid_argument');
  });
});

describe('importing a ClearML Utils export', () => {
  let fx: RegistryFixture;
  beforeAll(async () => {
    // ClearML Utils' serving machines sit on private networks: an installation allows their ranges.
    fx = await startRegistryFixture({ EGRESS_ALLOWED_CIDRS: '10.0.0.0/8,192.168.0.0/16' });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('checks without writing, then imports every row under its hash, owned as asked and public', async () => {
    const { problems, ...rows } = exportOf('export.json');
    expect(problems).toEqual([]);
    const checked = await fx.bus.rpc.request(utilsImport, { caller: admin, dry_run: true, ...rows });
    expect(checked).toMatchObject({
      dry_run: true,
      machines: { created: 2, unchanged: 0 },
      endpoints: { created: 3 },
      tasks: { created: 2 },
    });
    expect(await tableCounts(fx)).toEqual({ machines: 0, endpoints: 0, tasks: 0, public_ids: 0 });

    const events: string[] = [];
    const sub = fx.bus.nats.connection.subscribe(fx.bus.nats.subject(endpointChanged.subject), {
      callback: (_e, msg) => {
        const event = decodeJson(msg.data) as { change: string; machine_id: string; name: string };
        events.push(`${event.change} ${event.machine_id.slice(0, 8)} ${event.name}`);
      },
    });
    const imported = await fx.bus.rpc.request(utilsImport, { caller: admin, owner: 'areamanager', ...rows });
    expect(imported).toEqual({
      dry_run: false,
      owner: 'areamanager',
      machines: { created: 2, unchanged: 0 },
      endpoints: { created: 3, unchanged: 0 },
      tasks: { created: 2, unchanged: 0 },
    });
    const machine = await fx.bus.rpc.request(machines.get, { caller: admin, id: M1 });
    expect(machine).toMatchObject({
      machine_id: M1,
      name: 'serving-b746714516a7409bbaa68a8402a5c1a2',
      base_url: 'http://192.168.1.120:8080',
      protocol: 'clearml-serving',
      serving_task_id: 'b746714516a7409bbaa68a8402a5c1a2',
      owner: 'areamanager',
      endpoint_count: 2,
    });
    const resolved = await fx.bus.rpc.request(routingResolve, { machine_id: M2, endpoint: 'test_mnist_model_pytorch_61' });
    expect(resolved.machine).toMatchObject({ machine_id: M2, base_url: 'http://192.168.1.121:8080' });
    expect(resolved.endpoint).toMatchObject({ visibility: 'public', enabled: true, owner: 'areamanager' });
    expect(await fx.bus.rpc.request(tasks.get, { caller: admin, id: T1 })).toMatchObject({
      clearml_task_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      default_queue: 'default',
      visibility: 'public',
      name: null,
    });
    await waitFor(() => events.length === 3);
    sub.unsubscribe();
    expect(events.sort()).toEqual([
      `created 05425cc1 test_model_pytorch`,
      `created 05425cc1 test_model_sklearn`,
      `created 0683f2eb test_mnist_model_pytorch_61`,
    ]);
  });

  it('changes nothing when the same export, or the same tables as CSV, come again', async () => {
    const before = await tableCounts(fx);
    const again = await fx.bus.rpc.request(utilsImport, { caller: admin, ...exportOf('export.json') });
    const split = await fx.bus.rpc.request(utilsImport, { caller: admin, ...exportOf('machines.csv', 'endpoints.csv', 'tasks.tsv') });
    for (const result of [again, split]) {
      expect(result).toMatchObject({
        machines: { created: 0, unchanged: 2 },
        endpoints: { created: 0, unchanged: 3 },
        tasks: { created: 0, unchanged: 2 },
      });
    }
    expect(await tableCounts(fx)).toEqual(before);
    expect((await fx.bus.rpc.request(machines.get, { caller: admin, id: M1 })).owner).toBe('areamanager');
  });

  it('refuses a bad export whole, naming each bad row with its line and reason', async () => {
    const before = await tableCounts(fx);
    const parsed = exportOf('export-bad.json');
    const fresh = {
      ...parsed,
      machines: [
        ...parsed.machines,
        { at: { file: 'x.json', line: 3 }, machine_id: '77'.repeat(32), serving_task_id: 's77', base_url: 'http://10.1.1.1:8080' },
      ],
    };
    const err = await rejects(fx.bus.rpc.request(utilsImport, { caller: admin, ...fresh }));
    expect(err.code).toBe('invalid_argument');
    expect(err.message).toBe('2 row(s) cannot be imported; nothing was written');
    expect((err.details as { rows: unknown[] }).rows).toEqual([
      {
        file: 'export-bad.json',
        line: 12,
        table: 'endpoints',
        reason: `no machine has machine_id ${'1'.repeat(64)}, in this import or registered`,
      },
      {
        file: 'export-bad.json',
        line: 19,
        table: 'tasks',
        reason: `task_id ${M1} is also a machine_id of this import (at export-bad.json:3)`,
      },
    ]);
    expect(await tableCounts(fx)).toEqual(before);
  });

  it('refuses ids taken by the other kind, repeated rows, clashing names and mismatched serving tasks', async () => {
    const at = (line: number) => ({ file: 'y.json', line });
    const err = await rejects(
      fx.bus.rpc.request(utilsImport, {
        caller: admin,
        machines: [
          { at: at(1), machine_id: T1, serving_task_id: 's1', base_url: 'http://10.0.0.1:8080' },
          {
            at: at(2),
            machine_id: '31'.repeat(32),
            serving_task_id: 's2',
            base_url: 'http://10.0.0.2:8080',
            name: 'serving-b746714516a7409bbaa68a8402a5c1a2',
          },
          { at: at(3), machine_id: '32'.repeat(32), serving_task_id: 's3', base_url: 'http://10.0.0.3:8080' },
          { at: at(4), machine_id: '33'.repeat(32), serving_task_id: 's3', base_url: 'http://10.0.0.3:8080' },
        ],
        endpoints: [
          { at: at(5), machine_id: M1, name: 'other', serving_task_id: 's9' },
          { at: at(6), machine_id: '32'.repeat(32), name: 'e' },
          { at: at(7), machine_id: '32'.repeat(32), name: 'e' },
        ],
        tasks: [{ at: at(8), task_id: M2, clearml_task_id: 'c', default_queue: 'q' }],
      }),
    );
    expect((err.details as { rows: { line: number; reason: string }[] }).rows.map((r) => `${r.line} ${r.reason}`)).toEqual([
      `1 machine_id ${T1} is already the task_id of a registered task`,
      `2 a machine named "serving-b746714516a7409bbaa68a8402a5c1a2" is already registered (machine_id ${M1}); give this row another name`,
      `4 machine_id ${'33'.repeat(32)} or serving_task_id s3 is listed again (first at y.json:3)`,
      `5 serving_task_id s9 is not the serving task of machine_id ${M1} (b746714516a7409bbaa68a8402a5c1a2)`,
      `7 endpoint "e" of machine_id ${'32'.repeat(32)} is listed again (first at y.json:6)`,
      `8 task_id ${M2} is already the machine_id of a registered machine`,
    ]);
  });

  it('is for administrators only', async () => {
    const err = await rejects(fx.bus.rpc.request(utilsImport, { caller: alice, ...exportOf('export.json') }));
    expect(err.code).toBe('forbidden');
    expect((await fx.bus.rpc.request(machines.list, { caller: admin, page })).items).toHaveLength(2);
  });
});
