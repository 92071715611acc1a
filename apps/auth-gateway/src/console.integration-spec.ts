import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Msg } from '@nats-io/nats-core';
import { circuitList, machineHealthGet, machines, RUN_STATUSES, RunStatus, statsGet, STATS_RANGES } from '@cleargate/contracts';
import { encodeJson } from '@cleargate/messaging';
import { createRuntime } from '@cleargate/observability';
import { OidcPeer, startOidcPeer } from '@cleargate/peers';
import {
  connectTestBus,
  DEV_NATS_URL,
  dropNamespace,
  respond,
  TestBus,
  createTestNamespace,
  TEST_OIDC_AUDIENCES,
} from '@cleargate/testing';
import { loadGatewayConfig } from './config';
import { startGateway } from './main';

/** The gateway serving the admin console: its files, deep links, runtime config and headers, and the API routes it reads. */
let oidc: OidcPeer;
let bus: TestBus;
let namespace: string;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let base: string;
let dir: string;

const BUNDLE = `console.log(${JSON.stringify('x'.repeat(4000))});`;
const OWN = 'a1'.repeat(32);
const QUIET = 'b2'.repeat(32);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cleargate-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta property="csp-nonce" nonce="CLEARGATE_CSP_NONCE">' +
      '<script type="module" crossorigin src="/console/assets/index-Bq3x9.js"></script></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(dir, 'assets', 'index-Bq3x9.js'), BUNDLE);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  oidc = await startOidcPeer();
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  respond(bus.nats, machines.list, ({ filter }) => ({ items: [], next_cursor: filter.sort ?? null }));
  respond(bus.nats, statsGet, ({ range, hours }) => ({
    bucket_seconds: range ? STATS_RANGES[range].bucketSeconds : 3600 * hours,
    counts: { machines: 1, endpoints: 2, tasks: 3, runs: Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number> },
    series: { ondemand: [], enqueue: [] },
    totals: { ondemand: { calls: 0, errors: 0, p95_ms: null }, enqueue: { calls: 0, errors: 0, p95_ms: null } },
    busiest: { endpoints: [], tasks: [] },
  }));
  respond(bus.nats, machineHealthGet, ({ machine_ids }) => ({
    items: machine_ids
      .filter((id) => id === OWN || id === QUIET)
      .map((id) => ({
        machine_id: id,
        window_minutes: 15,
        calls: id === OWN ? 4 : 0,
        errors: id === OWN ? 1 : 0,
        error_rate: id === OWN ? 0.25 : null,
        last_error: null,
      })),
  }));
  gateway = await startGateway(
    loadGatewayConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      OIDC_ISSUER_URL: oidc.issuer,
      OIDC_AUDIENCES: TEST_OIDC_AUDIENCES,
      CONSOLE_DIR: dir,
      CLEARML_API_HOST: 'https://api.clear.ml',
    }),
    createRuntime('auth-gateway', 'warn'),
  );
  base = `http://127.0.0.1:${gateway.httpPort}`;
});

afterAll(async () => {
  await gateway?.close();
  await bus?.close();
  await oidc?.close();
  await dropNamespace(namespace);
  rmSync(dir, { recursive: true, force: true });
});

describe('the console’s files', () => {
  it('sends / and /console to /console/, which is the app with a CSP nonce of its own per response', async () => {
    for (const path of ['/', '/console']) {
      const res = await fetch(base + path, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/');
    }
    const first = await fetch(`${base}/console/`);
    const second = await fetch(`${base}/console/`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const html = await first.text();
    const nonce = /nonce="([^"]+)"/.exec(html)![1]!;
    expect(nonce).not.toBe('CLEARGATE_CSP_NONCE');
    expect(nonce).not.toBe(/nonce="([^"]+)"/.exec(await second.text())![1]);
    const csp = first.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
    expect(csp).toContain(`connect-src 'self' ${new URL(oidc.issuer).origin}`);
    expect(csp).toContain("frame-ancestors 'none'");
    // No inline script and no eval may run, whatever else the policy allows.
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('answers every deep link of the app with the app, and a missing file with a 404', async () => {
    for (const path of [
      '/console/machines',
      '/console/machines/4b4f7a8e-3a8c-4a34-9a57-3a1e1e0a0001/show',
      '/console/auth-callback?code=x&state=y',
    ]) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
      expect(res.headers.get('content-security-policy')).toBeTruthy();
    }
    for (const path of ['/console/assets/index-old.js', '/console/robots.txt']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' }, request_id: expect.any(String) });
    }
  });

  it('caches hashed assets for good, revalidates the others, and compresses text', async () => {
    const asset = await fetch(`${base}/console/assets/index-Bq3x9.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await asset.text()).toBe(BUNDLE);
    const etag = asset.headers.get('etag')!;
    expect((await fetch(`${base}/console/assets/index-Bq3x9.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      void import('node:http').then(({ get }) =>
        get(`${base}/console/assets/index-Bq3x9.js`, { headers: { 'accept-encoding': 'gzip, br' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
        }).on('error', reject),
      );
    });
    expect(raw.encoding).toBe('gzip');
    expect(raw.body.length).toBeLessThan(BUNDLE.length / 4);
    expect(gunzipSync(raw.body).toString()).toBe(BUNDLE);
    const icon = await fetch(`${base}/console/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves the runtime config the app starts from, never cached', async () => {
    const res = await fetch(`${base}/console/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      oidc: { issuer: oidc.issuer, client_id: 'cleargate-console', scope: 'openid profile email' },
      api_base_url: '',
      clearml_task_log_url: 'https://app.clear.ml/projects/*/experiments/{task_id}/output/log',
      version: expect.any(String),
    });
  });

  it('leaves the API alone: an unknown /v1 path is still a JSON 404 in the envelope', async () => {
    for (const path of ['/v1/nothing-here', '/v1/console/', '/consoles']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toMatchObject({ error: { code: 'not_found' }, request_id: expect.any(String) });
    }
  });
});

describe('what the console reads from the API', () => {
  it('GET /v1/me says who the token belongs to and what they may do, for any role', async () => {
    const me = async (username: string) => {
      const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${await oidc.mint({ username })}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await me('rootadmin')).toEqual({
      status: 200,
      body: expect.objectContaining({
        username: 'rootadmin',
        role: 'RootAdmin',
        can: { call: true, register: true, administer: true },
      }),
    });
    expect((await me('areamanager')).body).toMatchObject({ role: 'AreaManager', can: { call: true, register: true, administer: false } });
    expect((await me('manager')).body).toMatchObject({ role: 'Manager', can: { call: true, register: false, administer: false } });
    expect((await me('public')).body).toMatchObject({ role: 'Public', can: { call: true, register: false, administer: false } });
    expect((await fetch(`${base}/v1/me`)).status).toBe(401);
  });

  it('passes the list order and the dashboard range on, and refuses unknown ones with 400', async () => {
    const token = await oidc.mint({ username: 'areamanager' });
    const get = (path: string) => fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    expect(await (await get('/v1/machines?sort=-name')).json()).toEqual({ items: [], next_cursor: '-name' });
    expect((await get('/v1/machines?sort=owner')).status).toBe(400);
    expect(((await (await get('/v1/stats?range=7d')).json()) as { bucket_seconds: number }).bucket_seconds).toBe(6 * 3600);
    expect((await get('/v1/stats?range=2y')).status).toBe(400);
  });

  it('GET /v1/machines/health joins the call log’s figures with the worst circuit any router replica has', async () => {
    // Two router replicas, each with its own breakers: one has OWN's circuit open, the other closed.
    const replica = (name: string, state: 'open' | 'closed', since: string | null) =>
      bus.nats.connection.subscribe(bus.nats.subject(circuitList.subject), {
        callback: (_e, msg: Msg) =>
          void msg.respond(encodeJson({ ok: true, data: { router: name, circuits: [{ machine_id: OWN, state, since }] } })),
      });
    const token = await oidc.mint({ username: 'areamanager' });
    const health = async () =>
      (await fetch(`${base}/v1/machines/health?ids=${OWN},${QUIET}`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.json(),
      )) as { items: { machine_id: string; circuit: string; circuit_since: string | null; error_rate: number | null }[] };

    // No router running: the call log's figures still come, the circuit is unknown.
    expect((await health()).items.map((i) => [i.machine_id, i.circuit])).toEqual([
      [OWN, 'unknown'],
      [QUIET, 'unknown'],
    ]);
    const subs = [replica('r1', 'closed', null), replica('r2', 'open', '2026-01-01T10:00:00.000Z')];
    try {
      const { items } = await health();
      expect(items.find((i) => i.machine_id === OWN)).toMatchObject({
        circuit: 'open',
        circuit_since: '2026-01-01T10:00:00.000Z',
        error_rate: 0.25,
      });
      expect(items.find((i) => i.machine_id === QUIET)).toMatchObject({ circuit: 'closed', circuit_since: null, error_rate: null });
    } finally {
      for (const s of subs) s.unsubscribe();
    }
    const bad = await fetch(`${base}/v1/machines/health?ids=not-an-id`, { headers: { authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);
    const manager = await oidc.mint({ username: 'manager' });
    expect((await fetch(`${base}/v1/machines/health?ids=${OWN}`, { headers: { authorization: `Bearer ${manager}` } })).status).toBe(403);
  });
});
