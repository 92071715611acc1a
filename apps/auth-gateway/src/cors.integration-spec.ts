import type { Msg } from '@nats-io/nats-core';
import {
  decodeInvokeFrame,
  encodeInvokeFrame,
  invokeRequestMetaSchema,
  machines,
  ONDEMAND_INVOKE_SUBJECT,
  queueGroup,
} from '@cleargate/contracts';
import { createRuntime } from '@cleargate/observability';
import { OidcPeer, startOidcPeer } from '@cleargate/peers';
import {
  connectTestBus,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  respond,
  TestBus,
  TEST_OIDC_AUDIENCES,
} from '@cleargate/testing';
import { loadGatewayConfig } from './config';
import { startGateway } from './main';

const DASHBOARD = 'https://dashboard.snap4city.org';
const LOCAL = 'http://localhost:3000';
const EVIL = 'https://evil.example';
const MACHINE = 'ab'.repeat(32);

let oidc: OidcPeer;
let bus: TestBus;
let namespace: string;
let token: string;
const gateways: Awaited<ReturnType<typeof startGateway>>[] = [];

async function gateway(extra: Record<string, string>): Promise<string> {
  const started = await startGateway(
    loadGatewayConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      OIDC_ISSUER_URL: oidc.issuer,
      OIDC_AUDIENCES: TEST_OIDC_AUDIENCES,
      ...extra,
    }),
    createRuntime('auth-gateway', 'silent'),
  );
  gateways.push(started);
  return `http://127.0.0.1:${started.httpPort}`;
}

let base: string;

beforeAll(async () => {
  oidc = await startOidcPeer();
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  // The router and the registry, answering as they do.
  bus.nats.connection.subscribe(bus.nats.subject(ONDEMAND_INVOKE_SUBJECT), {
    queue: queueGroup('ondemand-router'),
    callback: (_e, msg: Msg) => {
      const { meta } = decodeInvokeFrame(msg.data, invokeRequestMetaSchema);
      if (meta.endpoint === 'missing') {
        msg.respond(
          encodeInvokeFrame({ status: 404, error: true }, Buffer.from(JSON.stringify({ code: 'not_found', message: 'no endpoint' }))),
        );
      } else {
        msg.respond(encodeInvokeFrame({ status: 200, content_type: 'application/json' }, Buffer.from('{"digit":5}')));
      }
    },
  });
  respond(bus.nats, machines.list, () => ({ items: [], next_cursor: null }));
  token = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
  base = await gateway({ CORS_ALLOWED_ORIGINS: `${DASHBOARD}, ${LOCAL}` });
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await bus?.close();
  await oidc?.close();
  await dropNamespace(namespace);
});

const compat = (origin: string | undefined, body: Record<string, unknown> = { access_token: token }) =>
  fetch(`${base}/clearml/serve/ondemand`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ machine_id: MACHINE, endpoint: 'test_model_pytorch', params: { url: 'x' }, ...body }),
  });
const v1 = (origin: string | undefined, endpoint = 'test_model_pytorch', auth = true) =>
  fetch(`${base}/v1/ondemand/${MACHINE}/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) },
    body: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  });
const machinesList = (origin: string | undefined, auth = true) =>
  fetch(`${base}/v1/machines`, { headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) } });
const preflight = (path: string, origin: string, method = 'POST', headers = 'authorization, content-type') =>
  fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

function expectAllowed(res: Response, origin: string): void {
  expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
  expect(res.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
  expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  expect(res.headers.get('x-request-id')).toBeTruthy();
}

function expectRefused(res: Response): void {
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  expect(res.headers.get('access-control-expose-headers')).toBeNull();
  expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
}

describe('CORS for an allowed origin', () => {
  it('answers both on-demand routes (served before Fastify) and the Fastify routes with the origin', async () => {
    for (const [res, status] of [
      [await compat(DASHBOARD), 200],
      [await v1(LOCAL), 200],
      [await machinesList(DASHBOARD), 200],
    ] as const) {
      expect(res.status).toBe(status);
      expectAllowed(res, res.url.includes('/v1/ondemand') ? LOCAL : DASHBOARD);
    }
  });

  it('keeps the headers on errors, so the page can read the envelope', async () => {
    const cases = [
      await compat(DASHBOARD, {}), // 401: no token
      await compat(DASHBOARD, { access_token: token, machine_id: 'nope' }), // 400
      await v1(DASHBOARD, 'missing'), // 404 from the router
      await v1(DASHBOARD, 'test_model_pytorch', false), // 401
      await machinesList(DASHBOARD, false), // 401
      await fetch(`${base}/v1/nothing-here`, { headers: { origin: DASHBOARD } }), // 404 route
      await fetch(`${base}/v1/machines`, {
        method: 'POST',
        headers: { origin: DASHBOARD, authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: 'x',
      }), // 415
    ];
    expect(cases.map((r) => r.status)).toEqual([401, 400, 404, 401, 401, 404, 415]);
    for (const res of cases) {
      expectAllowed(res, DASHBOARD);
      const body = (await res.json()) as { error: { code: string }; request_id: string };
      expect(body.request_id).toBe(res.headers.get('x-request-id'));
    }
  });

  it('answers preflights of the compatible, on-demand and /v1 routes with 204 and what may be sent', async () => {
    for (const [path, method] of [
      ['/clearml/serve/ondemand', 'POST'],
      ['/clearml/serve/enqueue_task', 'POST'],
      [`/v1/ondemand/${MACHINE}/mnist/2`, 'POST'],
      ['/v1/machines/4b4f7a8e-3a8c-4a34-9a57-3a1e1e0a0001', 'PATCH'],
      ['/v1/runs', 'GET'],
    ]) {
      const res = await preflight(path!, LOCAL, method);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(LOCAL);
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, DELETE');
      expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, Accept, X-Request-Id');
      expect(res.headers.get('access-control-max-age')).toBe('600');
      expect(res.headers.get('vary')).toMatch(/\bOrigin\b/);
      expect(await res.text()).toBe('');
    }
  });
});

describe('CORS for any other origin', () => {
  it('serves the request without CORS headers, so the browser keeps the answer from the page', async () => {
    for (const res of [await compat(EVIL), await v1(EVIL), await machinesList(EVIL)]) {
      expect(res.status).toBe(200);
      expectRefused(res);
    }
    // An origin differing only in case or port is another origin.
    expectRefused(await compat('https://Dashboard.snap4city.org'));
    expectRefused(await compat('https://dashboard.snap4city.org:8443'));
  });

  it('refuses its preflights with a 403 envelope', async () => {
    for (const path of ['/clearml/serve/ondemand', `/v1/ondemand/${MACHINE}/mnist`, '/v1/machines']) {
      const res = await preflight(path, EVIL);
      expect(res.status).toBe(403);
      expectRefused(res);
      expect(await res.json()).toMatchObject({
        error: { code: 'forbidden', message: `cross-origin requests from ${EVIL} are not allowed` },
      });
    }
  });

  it('leaves requests without an Origin as they were, apart from Vary', async () => {
    for (const res of [await compat(undefined), await v1(undefined), await machinesList(undefined)]) {
      expect(res.status).toBe(200);
      expectRefused(res);
    }
    // An OPTIONS that is no preflight is still a method the route does not take.
    const options = await fetch(`${base}/v1/machines`, { method: 'OPTIONS' });
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await fetch(`${base}/v1/nothing-here`)).status).toBe(404);
  });
});

describe('CORS settings', () => {
  it('allows no origin by default: preflights are plain OPTIONS (405) and no answer carries CORS headers', async () => {
    const plain = await gateway({});
    const res = await fetch(`${plain}/clearml/serve/ondemand`, {
      method: 'OPTIONS',
      headers: { origin: DASHBOARD, 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const call = await fetch(`${plain}/v1/ondemand/${MACHINE}/test_model_pytorch`, {
      method: 'POST',
      headers: { origin: DASHBOARD, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
    expect(call.headers.get('vary')).toBeNull();
  });

  it('answers any origin with * and credentials where configured', async () => {
    const open = await gateway({ CORS_ALLOWED_ORIGINS: '*' });
    const res = await fetch(`${open}/v1/ondemand/${MACHINE}/test_model_pytorch`, {
      method: 'POST',
      headers: { origin: EVIL, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(
      (
        await fetch(`${open}/v1/machines`, { method: 'OPTIONS', headers: { origin: EVIL, 'access-control-request-method': 'GET' } })
      ).headers.get('access-control-allow-origin'),
    ).toBe('*');

    const withCookies = await gateway({ CORS_ALLOWED_ORIGINS: DASHBOARD, CORS_ALLOW_CREDENTIALS: 'true', CORS_MAX_AGE_SEC: '60' });
    const pre = await fetch(`${withCookies}/v1/machines`, {
      method: 'OPTIONS',
      headers: { origin: DASHBOARD, 'access-control-request-method': 'GET' },
    });
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-max-age')).toBe('60');
    const call = await fetch(`${withCookies}/clearml/serve/ondemand`, {
      method: 'POST',
      headers: { origin: DASHBOARD, 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: token, machine_id: MACHINE, endpoint: 'x' }),
    });
    expect(call.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
