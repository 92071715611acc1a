import { createHmac, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  endpointChanged,
  endpoints,
  machineChanged,
  machines,
  appendOndemandCall,
  emptyOndemandCallColumns,
  OndemandCallRecord,
  ondemandCallsRecorded,
  ondemandLogList,
  routingResolve,
  routingSnapshot,
  statsGet,
} from '@cleargate/contracts';
import { decodeJson } from '@cleargate/messaging';
import { createRuntime } from '@cleargate/observability';
import { createTestDatabase, DEV_NATS_URL, TEST_PUBLIC_ID_SECRET, waitFor } from '@cleargate/testing';
import { loadRegistryConfig } from './config';
import { PendingMigrationsError } from './database/database.module';
import { startRegistry } from './main';
import { admin, alice, bob, RegistryFixture, rejects, startRegistryFixture } from './test/registry.fixture';

const page = { limit: 50 };
let fx: RegistryFixture;

beforeAll(async () => {
  fx = await startRegistryFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('machines', () => {
  it('creates a machine whose public id is the HMAC of its internal id', async () => {
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'gpu-1', base_url: 'http://gpu-1.example.org:8080/', protocol: 'clearml-serving', labels: { site: 'florence' } },
    });
    expect(machine).toMatchObject({
      name: 'gpu-1',
      base_url: 'http://gpu-1.example.org:8080',
      owner: 'alice',
      enabled: true,
      endpoint_count: 0,
    });
    expect(machine.machine_id).toBe(createHmac('sha256', fx.config.PUBLIC_ID_SECRET).update(machine.id).digest('hex'));
    expect(await fx.bus.rpc.request(machines.get, { caller: alice, id: machine.machine_id })).toEqual(machine);
    expect(await fx.bus.rpc.request(machines.get, { caller: alice, id: machine.id })).toEqual(machine);
  });

  it('rejects invalid input without changing anything', async () => {
    const before = await fx.bus.rpc.request(machines.list, { caller: admin, page });
    const err = await rejects(
      fx.bus.rpc.request(machines.create, {
        caller: alice,
        machine: { name: 'x', base_url: 'ftp://host', protocol: 'grpc' } as never,
      }),
    );
    expect(err.code).toBe('invalid_argument');
    // The registry validates on its side too, whoever sends the request.
    const raw = await fx.bus.nats.connection.request(
      fx.bus.nats.subject(machines.create.subject),
      new TextEncoder().encode(JSON.stringify({ caller: alice, machine: { name: '', base_url: 'x', protocol: 'x' } })),
    );
    expect(decodeJson(raw.data)).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect((err.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['machine.base_url', 'machine.protocol']),
    );
    expect((await fx.bus.rpc.request(machines.list, { caller: admin, page })).items).toHaveLength(before.items.length);
  });

  it.each([
    ['loopback', 'http://127.0.0.1:8080', '127.0.0.1 is a loopback address'],
    ['loopback by name', 'http://localhost:8080', 'localhost resolves to 127.0.0.1, a loopback address'],
    ['IPv6 loopback', 'http://[::1]:8080', '::1 is a loopback address'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:7f00:1]:8080', '::ffff:7f00:1 is a loopback address'],
    ['cloud metadata', 'http://169.254.169.254/latest', '169.254.169.254 is a link-local address (cloud metadata services live there)'],
    ['IPv6 link-local', 'http://[fe80::1]:8080', 'fe80::1 is a link-local address'],
    ['unspecified', 'http://0.0.0.0:8080', '0.0.0.0 is the unspecified address'],
    ['multicast', 'http://224.0.0.1:8080', '224.0.0.1 is a multicast address'],
    ['private 10/8', 'http://10.0.0.5:8080', '10.0.0.5 is a private address'],
    ['private 172.16/12', 'http://172.16.0.1', '172.16.0.1 is a private address'],
    ['private 192.168/16', 'http://192.168.1.10', '192.168.1.10 is a private address'],
    ['carrier-grade NAT', 'http://100.64.0.1', '100.64.0.1 is a carrier-grade NAT address'],
    ['unique local IPv6', 'http://[fd00::1]', 'fd00::1 is a unique local (private) IPv6 address'],
  ])('refuses a %s base_url or metrics_url with a 400 that says why', async (_class, url, reason) => {
    const base = await rejects(
      fx.bus.rpc.request(machines.create, { caller: alice, machine: { name: 'ssrf', base_url: url, protocol: 'kserve-v2' } }),
    );
    expect(base.code).toBe('invalid_argument');
    expect(base.message).toContain(`base_url: ${reason}`);
    expect(base.message).toContain('EGRESS_ALLOWED_CIDRS');
    expect(base.details).toEqual({ issues: [{ path: 'body.base_url', message: expect.stringContaining(reason) }] });
    const metrics = await rejects(
      fx.bus.rpc.request(machines.create, {
        caller: alice,
        machine: { name: 'ssrf', base_url: 'http://gpu.example.org', metrics_url: `${url}/metrics`, protocol: 'kserve-v2' },
      }),
    );
    expect(metrics.message).toContain(`metrics_url: ${reason}`);
    expect((await fx.bus.rpc.request(machines.list, { caller: alice, page, filter: { name: 'ssrf' } })).items).toEqual([]);
  });

  it('refuses a refused address in a change too, and leaves the machine as it was', async () => {
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'moving', base_url: 'http://moving.example.org', protocol: 'kserve-v2' },
    });
    for (const patch of [{ base_url: 'http://169.254.169.254' }, { metrics_url: 'http://127.0.0.1:8002/metrics' }]) {
      expect((await rejects(fx.bus.rpc.request(machines.update, { caller: alice, id: machine.id, patch }))).code).toBe('invalid_argument');
    }
    expect(await fx.bus.rpc.request(machines.get, { caller: alice, id: machine.id })).toMatchObject({
      base_url: 'http://moving.example.org',
      metrics_url: null,
    });
    await fx.bus.rpc.request(machines.delete, { caller: alice, id: machine.id });
  });

  it('answers 409 on a duplicate name and hides other owners machines', async () => {
    await fx.bus.rpc.request(machines.create, { caller: bob, machine: { name: 'bob-gpu', base_url: 'http://b:1', protocol: 'kserve-v2' } });
    const dup = await rejects(
      fx.bus.rpc.request(machines.create, { caller: alice, machine: { name: 'bob-gpu', base_url: 'http://c:1', protocol: 'kserve-v2' } }),
    );
    expect(dup.code).toBe('conflict');
    const bobs = await fx.bus.rpc.request(machines.list, { caller: bob, page });
    expect(bobs.items.map((m) => m.owner)).toEqual(['bob']);
    const all = await fx.bus.rpc.request(machines.list, { caller: admin, page });
    expect(new Set(all.items.map((m) => m.owner))).toEqual(new Set(['alice', 'bob']));
    const hidden = await rejects(fx.bus.rpc.request(machines.get, { caller: alice, id: bobs.items[0]!.id }));
    expect(hidden.code).toBe('not_found');
  });

  it('pages with a cursor without repeating or skipping', async () => {
    for (let i = 0; i < 5; i++) {
      await fx.bus.rpc.request(machines.create, {
        caller: bob,
        machine: { name: `page-${i}`, base_url: `http://p${i}:1`, protocol: 'kserve-v2' },
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const result = await fx.bus.rpc.request(machines.list, { caller: bob, page: { limit: 2, ...(cursor ? { cursor } : {}) } });
      seen.push(...result.items.map((m) => m.name));
      cursor = result.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.filter((n) => n.startsWith('page-')).sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await rejects(fx.bus.rpc.request(machines.list, { caller: bob, page: { limit: 2, cursor: 'garbage' } }))).code).toBe(
      'invalid_argument',
    );
  });

  it('updates and deletes, publishing change events; a machine with endpoints cannot be deleted', async () => {
    const events: unknown[] = [];
    const sub = fx.bus.nats.connection.subscribe(fx.bus.nats.subject(machineChanged.subject), {
      callback: (_e, msg) => void events.push(decodeJson(msg.data)),
    });
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'evt', base_url: 'http://e:1', protocol: 'kserve-v2' },
    });
    const updated = await fx.bus.rpc.request(machines.update, {
      caller: alice,
      id: machine.id,
      patch: { enabled: false, base_url: 'http://e:2' },
    });
    expect(updated).toMatchObject({ enabled: false, base_url: 'http://e:2' });
    expect((await rejects(fx.bus.rpc.request(machines.update, { caller: bob, id: machine.id, patch: { enabled: true } }))).code).toBe(
      'not_found',
    );
    await fx.bus.rpc.request(endpoints.create, { caller: alice, endpoint: { machine_id: machine.machine_id, name: 'm1' } });
    expect((await rejects(fx.bus.rpc.request(machines.delete, { caller: alice, id: machine.id }))).code).toBe('conflict');
    const [endpoint] = (await fx.bus.rpc.request(endpoints.list, { caller: alice, page, filter: { machine_id: machine.id } })).items;
    await fx.bus.rpc.request(endpoints.delete, { caller: alice, id: endpoint!.id });
    await fx.bus.rpc.request(machines.delete, { caller: alice, id: machine.id });
    expect((await rejects(fx.bus.rpc.request(machines.get, { caller: admin, id: machine.id }))).code).toBe('not_found');
    await waitFor(() => events.length >= 3);
    sub.unsubscribe();
    expect(events.map((e) => (e as { change: string }).change)).toEqual(['created', 'updated', 'deleted']);
    expect(events[1]).toMatchObject({ machine_id: machine.machine_id, machine: { enabled: false, base_url: 'http://e:2' } });
  });
});

describe('endpoints and routing', () => {
  it('creates endpoints with defaults, resolves them and renames them with events', async () => {
    const events: { change: string; name: string }[] = [];
    const sub = fx.bus.nats.connection.subscribe(fx.bus.nats.subject(endpointChanged.subject), {
      callback: (_e, msg) => void events.push(decodeJson(msg.data) as { change: string; name: string }),
    });
    const machine = await fx.bus.rpc.request(machines.create, {
      caller: alice,
      machine: { name: 'route-gpu', base_url: 'http://r:8080', protocol: 'clearml-serving' },
    });
    const endpoint = await fx.bus.rpc.request(endpoints.create, {
      caller: alice,
      endpoint: { machine_id: machine.machine_id, name: 'test_model_pytorch', visibility: 'shared', shared_with: { roles: ['Manager'] } },
    });
    expect(endpoint).toMatchObject({ machine_id: machine.machine_id, timeout_ms: 30000, visibility: 'shared', path: null, owner: 'alice' });
    expect(endpoint.shared_with).toEqual({ users: [], roles: ['Manager'], groups: [] });
    const dup = await rejects(
      fx.bus.rpc.request(endpoints.create, { caller: alice, endpoint: { machine_id: machine.id, name: 'test_model_pytorch' } }),
    );
    expect(dup.code).toBe('conflict');
    const foreign = await rejects(fx.bus.rpc.request(endpoints.create, { caller: bob, endpoint: { machine_id: machine.id, name: 'x' } }));
    expect(foreign.code).toBe('not_found');

    const resolved = await fx.bus.rpc.request(routingResolve, { machine_id: machine.machine_id, endpoint: 'test_model_pytorch' });
    expect(resolved.machine).toMatchObject({ base_url: 'http://r:8080', protocol: 'clearml-serving' });
    expect(resolved.endpoint).toMatchObject({ name: 'test_model_pytorch', timeout_ms: 30000 });
    const snapshot = await fx.bus.rpc.request(routingSnapshot, {});
    expect(snapshot.endpoints.some((e) => e.id === endpoint.id)).toBe(true);

    await fx.bus.rpc.request(endpoints.update, { caller: alice, id: endpoint.id, patch: { name: 'mnist', timeout_ms: 500 } });
    expect(
      (await fx.bus.rpc.request(routingResolve, { machine_id: machine.machine_id, endpoint: 'test_model_pytorch' })).endpoint,
    ).toBeNull();
    expect((await fx.bus.rpc.request(routingResolve, { machine_id: machine.machine_id, endpoint: 'mnist' })).endpoint?.timeout_ms).toBe(
      500,
    );
    await waitFor(() => events.length >= 3);
    sub.unsubscribe();
    expect(events.map((e) => `${e.change}:${e.name}`)).toEqual([
      'created:test_model_pytorch',
      'deleted:test_model_pytorch',
      'updated:mnist',
    ]);
  });

  it('resolves an unknown machine to nulls', async () => {
    expect(await fx.bus.rpc.request(routingResolve, { machine_id: 'f'.repeat(64), endpoint: 'x' })).toEqual({
      machine: null,
      endpoint: null,
    });
  });
});

describe('call logs', () => {
  const record = (caller: string, outcome: 'ok' | 'upstream_error' = 'ok') => ({
    id: randomUUID(),
    at: new Date().toISOString(),
    correlation_id: randomUUID(),
    caller,
    machine_id: 'a'.repeat(64),
    machine_name: 'gpu',
    endpoint: 'mnist',
    route: 'compat' as const,
    status_code: outcome === 'ok' ? 200 : 502,
    outcome,
    duration_ms: 3.2,
    upstream_ms: 2.1,
    request_bytes: 10,
    response_bytes: 12,
    error: outcome === 'ok' ? null : 'upstream answered 500',
    response_excerpt: '{"digit":5}',
    prompt_tokens: outcome === 'ok' ? 12 : null,
    completion_tokens: outcome === 'ok' ? 34 : null,
  });

  const batchOf = (...records: OndemandCallRecord[]) => {
    const columns = emptyOndemandCallColumns();
    for (const r of records) appendOndemandCall(columns, r);
    return { batch_id: randomUUID(), columns };
  };

  it('writes published batches once, even when a batch is delivered twice, and scopes reads to the caller', async () => {
    const batch = batchOf(record('alice'), record('alice', 'upstream_error'), record('bob'));
    await fx.bus.publisher.publish(ondemandCallsRecorded, batch);
    // The same batch again under another message id: the rows' ids make the insert idempotent.
    await fx.bus.publisher.publish(ondemandCallsRecorded, batch);
    const all = await waitFor(async () => {
      const r = await fx.bus.rpc.request(ondemandLogList, { caller: admin, page, filter: { endpoint: 'mnist' } });
      return r.items.length >= 3 ? r : null;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await fx.bus.rpc.request(ondemandLogList, { caller: admin, page, filter: { endpoint: 'mnist' } })).items).toHaveLength(3);
    expect(all.items.map((i) => i.caller).sort()).toEqual(['alice', 'alice', 'bob']);
    const own = await fx.bus.rpc.request(ondemandLogList, { caller: bob, page, filter: { endpoint: 'mnist' } });
    expect(own.items.map((i) => i.caller)).toEqual(['bob']);
    const named = await fx.bus.rpc.request(ondemandLogList, { caller: bob, page, filter: { caller: 'bob', endpoint: 'mnist' } });
    expect(named.items.map((i) => i.caller)).toEqual(['bob']);
    // Another caller's calls are an administrator's to read; asking is refused, not answered with one's own.
    const others = await rejects(fx.bus.rpc.request(ondemandLogList, { caller: bob, page, filter: { caller: 'alice' } }));
    expect(others.code).toBe('forbidden');
    const alices = await fx.bus.rpc.request(ondemandLogList, { caller: admin, page, filter: { caller: 'alice', endpoint: 'mnist' } });
    expect(alices.items.map((i) => i.caller)).toEqual(['alice', 'alice']);
    const failures = await fx.bus.rpc.request(ondemandLogList, { caller: admin, page, filter: { outcome: 'upstream_error' } });
    expect(failures.items).toHaveLength(1);
    // The token columns go through COPY and back: numbers where the model reported usage, null elsewhere.
    expect(failures.items[0]).toMatchObject({ prompt_tokens: null, completion_tokens: null });
    expect(alices.items.find((i) => i.outcome === 'ok')).toMatchObject({ prompt_tokens: 12, completion_tokens: 34 });

    const stats = await fx.bus.rpc.request(statsGet, { caller: admin, hours: 3 });
    expect(stats.series.ondemand).toHaveLength(3);
    expect(stats.series.ondemand[2]).toEqual(expect.objectContaining({ calls: 3, errors: 1 }));
    expect(stats.counts.machines).toBeGreaterThan(0);
    const metrics = await fetch(`http://127.0.0.1:${fx.registry.opsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(new RegExp(`^cleargate_registry_entities\\{kind="machines"\\} ${stats.counts.machines}$`, 'm'));
    expect(metrics).toMatch(/^cleargate_registry_entities\{kind="endpoints"\} \d+$/m);
  });

  it('stores text with separators, backslashes and NUL as sent (NUL dropped), and a batch that repeats some rows', async () => {
    const odd = {
      ...record('carol', 'upstream_error'),
      endpoint: 'odd',
      error: 'tab\there\nnew line\\N back\\slash\r',
      response_excerpt: 'a\u0000b',
    };
    const first = batchOf(odd);
    await fx.bus.publisher.publish(ondemandCallsRecorded, first);
    // A later batch that repeats a stored row next to a new one: the new one is written, the old once.
    const fresh = { ...record('carol'), endpoint: 'odd' };
    await fx.bus.publisher.publish(ondemandCallsRecorded, batchOf(odd, fresh));
    const list = () => fx.bus.rpc.request(ondemandLogList, { caller: admin, page, filter: { endpoint: 'odd' } });
    const stored = await waitFor(async () => ((await list()).items.length >= 2 ? list() : null));
    await new Promise((r) => setTimeout(r, 100));
    expect((await list()).items).toHaveLength(2);
    const back = stored.items.find((i) => i.id === odd.id)!;
    expect(back.error).toBe(odd.error);
    expect(back.response_excerpt).toBe('ab');
    expect(stored.items.map((i) => i.id).sort()).toEqual([odd.id, fresh.id].sort());
  });
});

describe('migrations', () => {
  it('refuses to start with pending migrations unless told to migrate', async () => {
    const db = await createTestDatabase();
    try {
      const config = loadRegistryConfig({
        DATABASE_URL: db.url,
        NATS_URL: DEV_NATS_URL,
        NATS_ANONYMOUS: 'true',
        NATS_NAMESPACE: 'unused',
        PUBLIC_ID_SECRET: TEST_PUBLIC_ID_SECRET,
        OPS_PORT: '0',
      });
      await expect(startRegistry(config, createRuntime('registry', 'silent'))).rejects.toBeInstanceOf(PendingMigrationsError);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const tables = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'machines'`);
      await client.end();
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
