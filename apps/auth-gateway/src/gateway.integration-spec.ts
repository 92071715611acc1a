import { request as httpRequest } from 'node:http';
import type { Msg } from '@nats-io/nats-core';
import {
  AppError,
  Caller,
  decodeInvokeFrame,
  encodeInvokeFrame,
  InvokeRequestMeta,
  invokeRequestMetaSchema,
  Run,
  runCreate,
  runGet,
  machines,
  ONDEMAND_INVOKE_SUBJECT,
  queueGroup,
} from '@cleargate/contracts';
import { createRuntime } from '@cleargate/observability';
import { OidcPeer, startOidcPeer } from '@cleargate/peers';
import { capturingLogger, connectTestBus, DEV_NATS_URL, dropNamespace, respond, TestBus, createTestNamespace } from '@cleargate/testing';
import { loadGatewayConfig } from './config';
import { startGateway } from './main';

const MACHINE = 'ab'.repeat(32);

interface Invocation {
  meta: InvokeRequestMeta;
  body: Buffer;
}

let oidc: OidcPeer;
let bus: TestBus;
let namespace: string;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let base: string;
let logLines: string[];
const invocations: Invocation[] = [];

/** Stands in for the ondemand-router: records what arrives and answers like the router does. */
function fakeRouter(): void {
  bus.nats.connection.subscribe(bus.nats.subject(ONDEMAND_INVOKE_SUBJECT), {
    queue: queueGroup('ondemand-router'),
    callback: (_e, msg: Msg) => {
      const { meta, payload } = decodeInvokeFrame(msg.data, invokeRequestMetaSchema);
      invocations.push({ meta, body: Buffer.from(payload) });
      if (meta.endpoint === 'missing') {
        const error = Buffer.from(JSON.stringify({ code: 'not_found', message: 'no enabled endpoint "missing"' }));
        msg.respond(encodeInvokeFrame({ status: 404, error: true }, error));
        return;
      }
      const answer = Buffer.from(JSON.stringify({ digit: 5, received_bytes: payload.length }));
      msg.respond(encodeInvokeFrame({ status: 200, content_type: 'application/json' }, answer));
    },
  });
}

async function call(
  path: string,
  init: { method?: string; token?: string; body?: unknown; raw?: Buffer | string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: Buffer | string | undefined = init.raw;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(base + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, ...(body ? { body } : {}) });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text, headers: res.headers };
}

beforeAll(async () => {
  oidc = await startOidcPeer();
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  fakeRouter();
  respond(bus.nats, machines.create, ({ caller, machine }) => {
    if (machine.name === 'taken') throw new AppError('conflict', 'a machine named "taken" already exists');
    const now = new Date().toISOString();
    return {
      id: '4b4f7a8e-3a8c-4a34-9a57-3a1e1e0a0001',
      machine_id: MACHINE,
      name: machine.name,
      base_url: machine.base_url,
      protocol: machine.protocol,
      serving_task_id: null,
      metrics_url: null,
      labels: {},
      max_in_flight: null,
      enabled: true,
      owner: caller.username,
      owner_subject: caller.subject,
      endpoint_count: 0,
      created_at: now,
      updated_at: now,
    };
  });
  respond(bus.nats, machines.list, () => ({ items: [], next_cursor: null }));
  // A registry + worker stand-in for runs: task "aa…" is queued at once, "bb…" fails, "cc…" stays accepted.
  const runs = new Map<string, Run>();
  respond(bus.nats, runCreate, ({ caller, task_id, queue, params }) => {
    if (task_id === 'd'.repeat(64)) throw new AppError('not_found', `task ${task_id} not found`);
    const now = new Date().toISOString();
    const run: Run = {
      run_id: crypto.randomUUID(),
      task_id,
      template_name: 'train',
      caller: caller.username,
      params,
      queue: queue ?? 'default',
      status: 'accepted',
      clearml_task_id: null,
      error: null,
      error_code: null,
      attempts: 0,
      created_at: now,
      updated_at: now,
      queued_at: null,
      started_at: null,
      finished_at: null,
      worker: null,
      gpu_seconds: null,
    };
    runs.set(run.run_id, run);
    return run;
  });
  respond(bus.nats, runGet, ({ run_id }): Run => {
    const run = runs.get(run_id)!;
    if (run.task_id.startsWith('aa')) return { ...run, status: 'queued', clearml_task_id: 'c10e0000000000000000000000000001' };
    if (run.task_id.startsWith('bb')) return { ...run, status: 'failed', error: 'Invalid task id: "x"', error_code: 'not_found' };
    return run;
  });
  const captured = capturingLogger('auth-gateway', 'debug');
  logLines = captured.lines;
  gateway = await startGateway(
    loadGatewayConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      OIDC_ISSUER_URL: oidc.issuer,
      OIDC_AUDIENCES: 'account',
      OIDC_JWKS_COOLDOWN_MS: '0',
    }),
    createRuntime('auth-gateway', 'debug', captured.logger),
  );
  base = `http://127.0.0.1:${gateway.httpPort}`;
});

afterAll(async () => {
  await gateway?.close();
  await bus?.close();
  await oidc?.close();
  await dropNamespace(namespace);
});

describe('compatible on-demand route', () => {
  it('accepts the token in the body, parses params given as JSON text and forwards only the model input', async () => {
    const token = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    invocations.length = 0;
    const res = await call('/clearml/serve/ondemand', {
      body: {
        access_token: token,
        machine_id: MACHINE.toUpperCase(),
        endpoint: 'test_model_pytorch',
        params: '{"url": "https://x/5.jpg"}',
      },
      headers: { 'x-request-id': 'req-compat-1' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ digit: 5, received_bytes: '{"url":"https://x/5.jpg"}'.length });
    expect(res.headers.get('x-request-id')).toBe('req-compat-1');
    const [inv] = invocations;
    expect(JSON.parse(inv!.body.toString())).toEqual({ url: 'https://x/5.jpg' });
    expect(inv!.meta).toMatchObject({
      machine_id: MACHINE,
      endpoint: 'test_model_pytorch',
      route: 'compat',
      correlation_id: 'req-compat-1',
    });
    const caller = JSON.parse(inv!.meta.caller) as Caller;
    expect(caller).toMatchObject({ username: 'areamanager', admin: false, roles: expect.arrayContaining(['AreaManager']) });
    expect(JSON.stringify(inv)).not.toContain(token);
  });

  it('accepts a bearer token and params as an object; missing params are {}', async () => {
    const token = await oidc.mint({ username: 'observer', roles: ['Observer'] });
    invocations.length = 0;
    expect((await call('/clearml/serve/ondemand', { token, body: { machine_id: MACHINE, endpoint: 'e', params: { x0: 1 } } })).status).toBe(
      200,
    );
    expect((await call('/clearml/serve/ondemand', { token, body: { machine_id: MACHINE, endpoint: 'e' } })).status).toBe(200);
    expect(invocations.map((i) => i.body.toString())).toEqual(['{"x0":1}', '{}']);
  });

  it('relays the router’s error envelope with its status', async () => {
    const token = await oidc.mint({ username: 'observer', roles: ['Observer'] });
    const res = await call('/clearml/serve/ondemand', { token, body: { machine_id: MACHINE, endpoint: 'missing' } });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: 'not_found', message: 'no enabled endpoint "missing"' }, request_id: expect.any(String) });
  });
});

describe('compatible enqueue route', () => {
  it('answers {status: queued, task_id: <clone id>, run_id, queue} once ClearML accepted the run', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const res = await call('/clearml/serve/enqueue_task', {
      body: { access_token: token, task_id: 'a'.repeat(64), queue: 'gpu', params: '{"lr": 0.1}' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'queued', task_id: 'c10e0000000000000000000000000001', run_id: expect.any(String), queue: 'gpu' });
  });

  it('answers 202 with the run id while the run is still waiting, and the run’s error when it failed', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const pending = await call('/clearml/serve/enqueue_task', { token, body: { task_id: 'c'.repeat(64), params: {} } });
    expect(pending).toMatchObject({ status: 202, json: { status: 'accepted', run_id: expect.any(String), queue: 'default' } });
    const failed = await call('/clearml/serve/enqueue_task', { token, body: { task_id: 'b'.repeat(64), params: {} } });
    expect(failed.status).toBe(404);
    expect(failed.json).toMatchObject({
      error: { code: 'not_found', message: 'Invalid task id: "x"', details: { run_id: expect.any(String) } },
    });
    expect((await call('/clearml/serve/enqueue_task', { token, body: { task_id: 'd'.repeat(64), params: {} } })).status).toBe(404);
  });

  it('refuses params that are not a JSON object and task ids that are not public ids', async () => {
    const token = await oidc.mint({ username: 'observer' });
    expect((await call('/clearml/serve/enqueue_task', { token, body: { task_id: 'a'.repeat(64), params: '[1,2]' } })).status).toBe(400);
    expect((await call('/clearml/serve/enqueue_task', { token, body: { task_id: 'not-a-hash', params: {} } })).status).toBe(400);
    expect((await call('/v1/runs', { token, body: { task_id: 'a'.repeat(64), params: 'nope' } })).status).toBe(400);
    const accepted = await call('/v1/runs', { token, body: { task_id: 'a'.repeat(64), params: { lr: 1 } } });
    expect(accepted).toMatchObject({ status: 202, json: { run_id: expect.any(String), status: 'accepted' } });
  });
});

describe('v1 on-demand route', () => {
  it('passes a binary body through with its content type', async () => {
    const token = await oidc.mint({ username: 'observer' });
    invocations.length = 0;
    const image = Buffer.alloc(300_000, 7);
    const res = await call(`/v1/ondemand/${MACHINE}/test_model_pytorch`, { token, raw: image, headers: { 'content-type': 'image/jpeg' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ received_bytes: 300_000 });
    expect(invocations[0]!.meta.content_type).toBe('image/jpeg');
    expect(invocations[0]!.body.equals(image)).toBe(true);
  });

  it('carries a JSON body byte for byte, and a body close to the 8 MiB limit', async () => {
    const token = await oidc.mint({ username: 'observer' });
    invocations.length = 0;
    const text = '{ "x0" : 1,\n "x1": 2 }';
    expect((await call(`/v1/ondemand/${MACHINE}/sum`, { token, raw: text, headers: { 'content-type': 'application/json' } })).status).toBe(
      200,
    );
    expect(invocations[0]!.body.toString()).toBe(text);
    const big = Buffer.alloc(8 * 1024 * 1024 - 1024, 1);
    const res = await call(`/v1/ondemand/${MACHINE}/big`, { token, raw: big, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ received_bytes: big.length });
  });
});

describe('token verification', () => {
  const body = { machine_id: MACHINE, endpoint: 'e', params: {} };

  it.each(['bad-signature', 'alg-none', 'hs256', 'expired', 'not-yet-valid', 'wrong-issuer', 'wrong-audience', 'unknown-kid'] as const)(
    'rejects a token with %s as 401',
    async (kind) => {
      const token = await oidc.mintBad(kind);
      const res = await call('/clearml/serve/ondemand', { token, body });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error: { code: 'unauthenticated' } });
    },
  );

  it('rejects a missing token on every protected route', async () => {
    for (const [path, method] of [
      ['/clearml/serve/ondemand', 'POST'],
      [`/v1/ondemand/${MACHINE}/e`, 'POST'],
      ['/v1/machines', 'GET'],
      ['/v1/endpoints', 'GET'],
      ['/v1/logs/ondemand', 'GET'],
    ] as const) {
      const res = await call(path, { method, ...(method === 'POST' ? { body } : {}) });
      expect({ path, status: res.status, code: (res.json?.error as { code?: string })?.code }).toEqual({
        path,
        status: 401,
        code: 'unauthenticated',
      });
    }
  });

  it('accepts tokens signed with a rotated key (JWKS refetched on an unknown kid)', async () => {
    const before = oidc.stats().certs;
    await oidc.rotateKeys();
    const token = await oidc.mint({ username: 'observer' });
    expect((await call('/clearml/serve/ondemand', { token, body })).status).toBe(200);
    expect(oidc.stats().certs).toBeGreaterThan(before);
  });

  it('accepts ES256 tokens and tokens from the password grant', async () => {
    expect(
      (await call('/clearml/serve/ondemand', { token: await oidc.mint({ username: 'manager' }, { alg: 'ES256' }), body })).status,
    ).toBe(200);
    const grant = await fetch(`${oidc.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'nodered-iotedge', username: 'manager', password: 'manager' }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    expect((await call('/clearml/serve/ondemand', { body: { ...body, access_token: grant.access_token } })).status).toBe(200);
  });
});

describe('roles and registry routes', () => {
  it('lets a registrar create a machine and forbids lower roles with 403', async () => {
    const manager = await oidc.mint({ username: 'manager', roles: ['Manager'] });
    const areamanager = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    const input = { name: 'gpu', base_url: 'http://10.0.0.1:8080', protocol: 'clearml-serving' };
    const denied = await call('/v1/machines', { token: manager, body: input });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('AreaManager') } });
    const created = await call('/v1/machines', { token: areamanager, body: input });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ machine_id: MACHINE, owner: 'areamanager' });
    expect((await call('/v1/machines', { token: areamanager, body: { ...input, name: 'taken' } })).status).toBe(409);
  });

  it('answers 400 with the failing paths for wrong types, and changes nothing', async () => {
    const token = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    const res = await call('/v1/machines', { token, body: { name: 5, base_url: 'nope', protocol: 'grpc', extra: true } });
    expect(res.status).toBe(400);
    const paths = (res.json!.error as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.base_url', 'body.protocol']));
    const bad = await call('/v1/machines?limit=0', { token });
    expect(bad.status).toBe(400);
    const issues = async (path: string) => {
      const res = await call(path, { token });
      expect(res.status).toBe(400);
      return (res.json!.error as { details: { issues: { path: string; message: string }[] } }).details.issues;
    };
    expect(await issues('/v1/machines?limit=abc')).toEqual([{ path: 'query.limit', message: 'expected a number' }]);
    expect(await issues('/v1/machines/not-an-id')).toEqual([{ path: 'path.id', message: 'expected a uuid or a 64-character hex id' }]);
  });
});

/**
 * A request written by hand: a body streamed in chunks without Content-Length, or a
 * Content-Length that promises more than is sent.
 */
function rawRequest(
  path: string,
  headers: Record<string, string>,
  chunks: Buffer[],
): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers }));
    });
    // The server may answer and close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('on-demand routes over HTTP', () => {
  it('takes endpoint names with a slash, as sent or percent-encoded, and a query string on the compatible route', async () => {
    const token = await oidc.mint({ username: 'observer' });
    invocations.length = 0;
    const body = { x: 1 };
    expect((await call(`/v1/ondemand/${MACHINE}/resnet/2`, { token, body })).status).toBe(200);
    expect((await call(`/v1/ondemand/${MACHINE.toUpperCase()}/resnet%2F3`, { token, body })).status).toBe(200);
    expect((await call('/clearml/serve/ondemand?source=nodered', { token, body: { machine_id: MACHINE, endpoint: 'e' } })).status).toBe(
      200,
    );
    expect(invocations.map((i) => [i.meta.machine_id, i.meta.endpoint])).toEqual([
      [MACHINE, 'resnet/2'],
      [MACHINE, 'resnet/3'],
      [MACHINE, 'e'],
    ]);
  });

  it('answers 404 for an on-demand path without an endpoint and 400 for a bad endpoint name', async () => {
    const token = await oidc.mint({ username: 'observer' });
    expect((await call(`/v1/ondemand/${MACHINE}`, { token, body: {} })).status).toBe(404);
    expect((await call(`/v1/ondemand/${MACHINE}/`, { token, body: {} })).status).toBe(404);
    const bad = await call(`/v1/ondemand/${MACHINE}/a%20b`, { token, body: {} });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('path.endpoint');
  });

  it('refuses a body over the limit by its Content-Length and while it streams, and checks the token first on /v1', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const path = `/v1/ondemand/${MACHINE}/e`;
    const declared = await rawRequest(
      path,
      { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(9 * 1024 * 1024) },
      [Buffer.alloc(1024)],
    );
    expect(declared.status).toBe(413);
    expect(declared.json).toMatchObject({ error: { code: 'payload_too_large' }, request_id: expect.any(String) });
    expect(declared.headers.connection).toBe('close');
    const streamed = await rawRequest(
      path,
      { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      Array.from({ length: 9 }, () => Buffer.alloc(1024 * 1024, 1)),
    );
    expect(streamed.status).toBe(413);
    const anonymous = await rawRequest(path, { 'content-type': 'application/octet-stream', 'content-length': String(9 * 1024 * 1024) }, [
      Buffer.alloc(1024),
    ]);
    expect(anonymous.status).toBe(401);
  });

  it('takes JSON with a charset on the compatible route and answers 415 for any other type, or a body with none', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const body = JSON.stringify({ access_token: token, machine_id: MACHINE, endpoint: 'e' });
    expect(
      (await call('/clearml/serve/ondemand', { raw: body, headers: { 'content-type': 'Application/JSON; charset=utf-8' } })).status,
    ).toBe(200);
    const text = await call('/clearml/serve/ondemand', { raw: body, headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.json).toMatchObject({ error: { code: 'unsupported_media_type' } });
    const untyped = await rawRequest('/clearml/serve/ondemand', {}, [Buffer.from(body)]);
    expect(untyped.status).toBe(415);
  });

  it('counts both routes under their templates in the HTTP metrics', async () => {
    const token = await oidc.mint({ username: 'observer' });
    await call(`/v1/ondemand/${MACHINE}/e`, { token, body: {} });
    await call('/clearml/serve/ondemand', { token, body: { machine_id: 'nope', endpoint: 'e' } });
    const page = await (await fetch(`http://127.0.0.1:${gateway.opsPort}/metrics`)).text();
    expect(page).toMatch(
      /cleargate_auth_gateway_http_requests_total\{method="POST",route="\/v1\/ondemand\/:machineId\/:endpoint",status="200"\} [1-9]/,
    );
    expect(page).toMatch(
      /cleargate_auth_gateway_http_requests_total\{method="POST",route="\/clearml\/serve\/ondemand",status="400"\} [1-9]/,
    );
    expect(page).toMatch(
      /cleargate_auth_gateway_http_request_duration_seconds_count\{method="POST",route="\/clearml\/serve\/ondemand"\} [1-9]/,
    );
    expect(page).not.toContain(MACHINE);
  });
});

describe('input errors', () => {
  it('answers 400 for malformed JSON, a bad machine id and params that are not JSON', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const malformed = await call('/clearml/serve/ondemand', {
      token,
      raw: '{"machine_id": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: { code: 'invalid_argument' }, request_id: expect.any(String) });
    const badId = await call('/clearml/serve/ondemand', { token, body: { machine_id: 'not-hex', endpoint: 'e' } });
    expect(badId.status).toBe(400);
    expect(JSON.stringify(badId.json)).toContain('body.machine_id');
    const badParams = await call('/clearml/serve/ondemand', { token, body: { machine_id: MACHINE, endpoint: 'e', params: '{oops' } });
    expect(badParams.status).toBe(400);
    expect(JSON.stringify(badParams.json)).toContain('body.params');
    const nullBody = await call('/clearml/serve/ondemand', { token, raw: 'null', headers: { 'content-type': 'application/json' } });
    expect(nullBody.status).toBe(400);
    expect(JSON.stringify(nullBody.json)).toContain('received null');
  });

  it('answers 413 for a body over the limit, and 415 for a non-JSON body on a JSON route', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const tooBig = await call(`/v1/ondemand/${MACHINE}/e`, {
      token,
      raw: Buffer.alloc(8 * 1024 * 1024 + 10),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ error: { code: 'payload_too_large' } });
    const wrongType = await call('/v1/machines', {
      token,
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
  });

  it('answers 404 with the envelope for an unknown route', async () => {
    const res = await call('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers 405 with Allow for a known path asked with a method it does not take', async () => {
    for (const [path, method, allow] of [
      ['/clearml/serve/ondemand', 'GET', 'POST'],
      [`/v1/ondemand/${MACHINE}/model/1`, 'PUT', 'POST'],
      ['/v1/machines', 'DELETE', 'GET, HEAD, POST'],
      [`/v1/machines/${MACHINE}`, 'POST', 'DELETE, GET, HEAD, PATCH'],
    ] as const) {
      const res = await call(path, { method });
      expect({
        path,
        method,
        status: res.status,
        allow: res.headers.get('allow'),
        code: (res.json?.error as { code?: string })?.code,
      }).toEqual({
        path,
        method,
        status: 405,
        allow,
        code: 'method_not_allowed',
      });
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    // A path no route takes stays a 404, whatever the method.
    expect((await call('/v1/machines/a/b', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('documentation and operations', () => {
  it('serves the OpenAPI document with every route and a Swagger UI', async () => {
    const doc = (await call('/openapi.json')).json as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/clearml/serve/ondemand',
        '/v1/ondemand/{machineId}/{endpoint}',
        '/v1/machines',
        '/v1/machines/{id}',
        '/v1/endpoints',
        '/v1/endpoints/{id}',
        '/v1/logs/ondemand',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/machines/{id}']!)).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    // A legacy public id may be given on creation (administrators), never changed.
    type Operation = { requestBody: { content: { 'application/json': { schema: { properties: Record<string, { pattern?: string }> } } } } };
    const bodyOf = (path: string, method: string) =>
      (doc.paths[path]![method] as Operation).requestBody.content['application/json'].schema.properties;
    expect(bodyOf('/v1/machines', 'post').machine_id?.pattern).toBe('^[A-Fa-f0-9]{64}$');
    expect(bodyOf('/v1/tasks', 'post').task_id?.pattern).toBe('^[A-Fa-f0-9]{64}$');
    expect(bodyOf('/v1/machines/{id}', 'patch').machine_id).toBeUndefined();
    expect(bodyOf('/v1/tasks/{id}', 'patch').task_id).toBeUndefined();
    expect(Object.keys((doc.paths['/v1/machines']!.post as { responses: object }).responses)).toEqual(
      expect.arrayContaining(['201', '403', '409']),
    );
    // Usage (JSON and CSV), limits and administration; 429 with Retry-After on every authenticated route.
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/usage',
        '/v1/limits',
        '/v1/limits/{id}',
        '/v1/admin/suspensions',
        '/v1/admin/suspensions/{username}',
        '/v1/admin/audit',
      ]),
    );
    type Op = {
      responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
      parameters?: { name: string }[];
    };
    const usage = doc.paths['/v1/usage']!.get as Op;
    expect(Object.keys(usage.responses['200']!.content!)).toEqual(['application/json', 'text/csv']);
    expect(usage.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['from', 'to', 'bucket', 'group_by', 'user', 'format']));
    for (const [path, method] of [
      ['/clearml/serve/ondemand', 'post'],
      ['/v1/ondemand/{machineId}/{endpoint}', 'post'],
      ['/v1/runs', 'post'],
      ['/clearml/serve/enqueue_task', 'post'],
      ['/v1/usage', 'get'],
    ] as const) {
      expect([path, (doc.paths[path]![method] as Op).responses['429']?.headers]).toEqual([path, { 'Retry-After': expect.any(Object) }]);
    }
    const docs = await call('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui-bundle.js');
    expect((await call('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });

  it('answers 503 when no router is running', async () => {
    const otherNs = await createTestNamespace();
    const lonely = await startGateway(
      loadGatewayConfig({
        NATS_URL: DEV_NATS_URL,
        NATS_ANONYMOUS: 'true',
        NATS_NAMESPACE: otherNs,
        OPS_PORT: '0',
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        OIDC_ISSUER_URL: oidc.issuer,
        OIDC_AUDIENCES: 'nodered-iotedge',
      }),
      createRuntime('auth-gateway', 'silent'),
    );
    try {
      const token = await oidc.mint({ username: 'observer' });
      const res = await fetch(`http://127.0.0.1:${lonely.httpPort}/clearml/serve/ondemand`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ machine_id: MACHINE, endpoint: 'e' }),
      });
      expect(res.status).toBe(503);
      const ready = await fetch(`http://127.0.0.1:${lonely.opsPort}/health/ready`);
      expect(ready.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${lonely.opsPort}/health/live`)).status).toBe(200);
    } finally {
      await lonely.close();
    }
  });

  it('never writes an access token into a log line', async () => {
    const token = await oidc.mint({ username: 'observer' });
    await call('/clearml/serve/ondemand', { body: { access_token: token, machine_id: MACHINE, endpoint: 'e', params: { a: 1 } } });
    await call('/clearml/serve/ondemand', { token: token + 'x', body: { machine_id: MACHINE, endpoint: 'e' } });
    expect(logLines.length).toBeGreaterThan(0);
    const signature = token.split('.')[2]!;
    expect(logLines.filter((l) => l.includes(signature))).toEqual([]);
  });
});

describe('userinfo verification mode', () => {
  it('asks the realm’s userinfo endpoint once per token and rejects inactive tokens', async () => {
    const online = await startGateway(
      loadGatewayConfig({
        NATS_URL: DEV_NATS_URL,
        NATS_ANONYMOUS: 'true',
        NATS_NAMESPACE: namespace,
        OPS_PORT: '0',
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        OIDC_ISSUER_URL: oidc.issuer,
        OIDC_AUDIENCES: 'nodered-iotedge',
        OIDC_VERIFICATION: 'userinfo',
      }),
      createRuntime('auth-gateway', 'silent'),
    );
    try {
      const grant = await fetch(`${oidc.issuer}/protocol/openid-connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        // Keycloak's userinfo answers only for tokens with the openid scope.
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: 'nodered-iotedge',
          username: 'observer',
          password: 'observer',
          scope: 'openid',
        }),
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      const before = oidc.stats().userinfo;
      const post = (token: string) =>
        fetch(`http://127.0.0.1:${online.httpPort}/clearml/serve/ondemand`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ access_token: token, machine_id: MACHINE, endpoint: 'e' }),
        });
      expect((await post(grant.access_token)).status).toBe(200);
      expect((await post(grant.access_token)).status).toBe(200);
      expect(oidc.stats().userinfo - before).toBe(1);
      expect((await post(await oidc.mintBad('bad-signature'))).status).toBe(401);
    } finally {
      await online.close();
    }
  });
});
