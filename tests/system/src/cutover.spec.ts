import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClearmlClient } from '@cleargate/clearml';
import { ClearmlPeer, OidcPeer, ServingPeer, startClearmlPeer, startOidcPeer, startServingPeer } from '@cleargate/peers';
import {
  api,
  createTestDatabase,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  registryProcess,
  ROOT,
  ServiceProcess,
  serviceProcess,
  TestDatabase,
  waitFor,
} from '@cleargate/testing';
import { TEMPLATE_TASK } from './support/enqueue-stack';

jest.setTimeout(90_000);

/** What ClearML Utils handed out (SHA-256 of the serving task id / ClearML task id), as the fixture export holds it. */
const MACHINE = '05425cc1f3729b542b6538e34187dcec836890352edaa42b8531194e705ebb07';
const TASK = 'ff25d2389ab7917a77cc0c3546331401054d53cb7b2edeedb7b4e7742bb5286d';
const FIXTURES = join(ROOT, 'tests', 'system', 'fixtures', 'clearml-utils');
const CLI = join(ROOT, 'dist', 'apps', 'registry', 'src', 'imports', 'import-cli.js');

let oidc: OidcPeer;
let serving: ServingPeer;
let clearml: ClearmlPeer;
let db: TestDatabase;
let namespace: string;
let services: ServiceProcess[];
let gatewayUrl: string;
let dir: string;
let admin: string;
let user: string;

/** `npm run import:utils -- …` as an administrator runs it where the registry's NATS settings are. */
function importUtils(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NATS_URL: DEV_NATS_URL, NATS_ANONYMOUS: 'true', NATS_NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function registered() {
  const [machines, endpoints, tasks] = await Promise.all(
    ['/v1/machines', '/v1/endpoints', '/v1/tasks'].map((p) => api(gatewayUrl, `${p}?limit=500`, { token: admin })),
  );
  return { machines: machines!.json.items.length, endpoints: endpoints!.json.items.length, tasks: tasks!.json.items.length };
}

beforeAll(async () => {
  [oidc, serving, clearml, db] = await Promise.all([
    startOidcPeer(),
    startServingPeer(),
    startClearmlPeer({
      agents: false,
      seed: {
        projects: [{ id: 'p-snap', name: 'Snap4City' }],
        queues: [{ id: 'q-default', name: 'default', default: true }],
        tasks: [
          { id: TEMPLATE_TASK, name: 'traffic_forecast', project: 'p-snap', status: 'completed', hyperparams: { General: { lr: '0.01' } } },
        ],
      },
    }),
    createTestDatabase(),
  ]);
  namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  const registry = await registryProcess(common, db.url);
  // A miss is remembered for ten minutes: only the import's change events can make a legacy id known to the router.
  const router = serviceProcess('ondemand-router', { ...common, ROUTING_NEGATIVE_TTL_MS: '600000' }, await freePort());
  const gateway = await gatewayProcess(common, oidc.issuer, { ENQUEUE_COMPAT_WAIT_MS: '10000' });
  const worker = serviceProcess(
    'enqueue-worker',
    { ...common, CLEARML_API_HOST: clearml.url, CLEARML_API_ACCESS_KEY: 'cleargate-access', CLEARML_API_SECRET_KEY: 'cleargate-secret' },
    await freePort(),
  );
  services = [registry, router, gateway, worker];
  await registry.start();
  await Promise.all([router.start(), gateway.start(), worker.start()]);
  gatewayUrl = gateway.url;
  admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
  user = await oidc.mint({ username: 'observer', roles: ['Observer'] });

  // The fixture export, with the first serving machine's address (192.168.1.120:8080) where the serving peer listens.
  dir = mkdtempSync(join(tmpdir(), 'cleargate-cutover-'));
  const here = new URL(serving.url).host;
  for (const name of ['export.json', 'machines.csv']) {
    writeFileSync(join(dir, name), readFileSync(join(FIXTURES, name), 'utf8').replaceAll('192.168.1.120:8080', here));
  }
  for (const name of ['endpoints.csv', 'tasks.tsv', 'export-bad.json']) copyFileSync(join(FIXTURES, name), join(dir, name));
});

afterAll(async () => {
  await Promise.all((services ?? []).map((s) => s.stop()));
  await Promise.all([oidc?.close(), serving?.close(), clearml?.close(), db?.drop(), namespace && dropNamespace(namespace)]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('switching from ClearML Utils', () => {
  it('refuses a bad export whole, naming every bad row with its line, and writes nothing', async () => {
    // Before the switch the old id is unknown here (and the router remembers that).
    const before = await api(gatewayUrl, '/clearml/serve/ondemand', {
      body: { access_token: user, machine_id: MACHINE, endpoint: 'test_model_pytorch', params: {} },
    });
    expect(before.status).toBe(404);
    const run = await importUtils('export-bad.json');
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'export-bad.json:8: machines: machine_id: expected a 64-character hex id',
      `export-bad.json:12: endpoints: no machine has machine_id ${'1'.repeat(64)}, in this import or registered`,
      expect.stringMatching(/^export-bad\.json:15: tasks: default_queue: /),
      `export-bad.json:19: tasks: task_id ${MACHINE} is also a machine_id of this import (at export-bad.json:3)`,
      '4 bad row(s); nothing was written',
    ]);
    expect(await registered()).toEqual({ machines: 0, endpoints: 0, tasks: 0 });
  });

  it('checks a good export without writing, then imports it', async () => {
    const check = await importUtils('--check', 'export.json');
    expect(check).toMatchObject({ code: 0, stderr: '' });
    expect(check.stdout).toContain('machines: 2 to create, 0 already registered');
    expect(await registered()).toEqual({ machines: 0, endpoints: 0, tasks: 0 });

    const run = await importUtils('--owner', 'areamanager', 'export.json');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')).toEqual([
      'machines: 2 created, 0 already registered',
      'endpoints: 3 created, 0 already registered',
      'tasks: 2 created, 0 already registered',
      'imported, owned by areamanager',
      '',
    ]);
    expect(await registered()).toEqual({ machines: 2, endpoints: 3, tasks: 2 });
  });

  it('answers a flow that still sends the old machine_id, on the compatible and the /v1 route', async () => {
    // The router learns of the import from its change events (its earlier miss would otherwise stand for ten minutes).
    const compat = await waitFor(
      async () => {
        const res = await api(gatewayUrl, '/clearml/serve/ondemand', {
          body: { access_token: user, machine_id: MACHINE, endpoint: 'test_model_pytorch', params: { url: 'https://example.org/5.jpg' } },
        });
        return res.status === 404 ? null : res;
      },
      { timeoutMs: 10_000, message: 'the router knows the imported machine' },
    );
    expect(compat).toEqual({ status: 200, json: { digit: expect.any(Number) } });
    const v1 = await api(gatewayUrl, `/v1/ondemand/${MACHINE}/test_model_pytorch`, {
      token: user,
      body: { url: 'https://example.org/5.jpg' },
    });
    expect(v1).toEqual(compat);
    expect(serving.stats().total).toBeGreaterThanOrEqual(2);
    const machine = await api(gatewayUrl, `/v1/machines/${MACHINE}`, { token: admin });
    expect(machine.json).toMatchObject({ machine_id: MACHINE, owner: 'areamanager', base_url: serving.url, endpoint_count: 2 });
  });

  it('starts a run for a flow that still sends the old task_id', async () => {
    const res = await api(gatewayUrl, '/clearml/serve/enqueue_task', { body: { access_token: user, task_id: TASK, params: { lr: 0.5 } } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'queued', task_id: expect.any(String), run_id: expect.any(String), queue: 'default' });
    const client = new ClearmlClient({
      apiHost: clearml.url,
      accessKey: 'cleargate-access',
      secretKey: 'cleargate-secret',
      timeoutMs: 10_000,
    });
    try {
      expect(await client.tasks.getById(res.json.task_id)).toMatchObject({ status: 'queued', parent: TEMPLATE_TASK });
    } finally {
      await client.close();
    }
    const run = await api(gatewayUrl, `/v1/runs/${res.json.run_id}`, { token: user });
    expect(run.json).toMatchObject({ task_id: TASK, status: 'queued' });
  });

  it('changes nothing when run again, from JSON or from the same tables as CSV/TSV', async () => {
    for (const files of [['export.json'], ['machines.csv', 'endpoints.csv', 'tasks.tsv']]) {
      const run = await importUtils(...files);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain('machines: 0 created, 2 already registered');
      expect(run.stdout).toContain('endpoints: 0 created, 3 already registered');
      expect(run.stdout).toContain('tasks: 0 created, 2 already registered');
    }
    expect(await registered()).toEqual({ machines: 2, endpoints: 3, tasks: 2 });
    const machine = await api(gatewayUrl, `/v1/machines/${MACHINE}`, { token: admin });
    expect(machine.json.owner).toBe('areamanager');
  });

  it('lets only administrators give a public id through the API', async () => {
    const manager = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    const body = { machine_id: 'ab'.repeat(32), name: 'given', base_url: serving.url, protocol: 'clearml-serving' };
    expect((await api(gatewayUrl, '/v1/machines', { token: manager, body })).status).toBe(403);
    expect((await api(gatewayUrl, '/v1/machines', { token: admin, body: { ...body, machine_id: TASK } })).status).toBe(409);
    const created = await api(gatewayUrl, '/v1/machines', { token: admin, body });
    expect(created.status).toBe(201);
    expect(created.json.machine_id).toBe('ab'.repeat(32));
  });
});
