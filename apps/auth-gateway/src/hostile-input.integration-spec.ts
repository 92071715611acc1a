import { connect } from 'node:net';
import { AppError, encodeInvokeFrame, machines, ONDEMAND_INVOKE_SUBJECT, queueGroup, runCreate } from '@cleargate/contracts';
import { createRuntime } from '@cleargate/observability';
import { OidcPeer, startOidcPeer } from '@cleargate/peers';
import { connectTestBus, createTestNamespace, DEV_NATS_URL, dropNamespace, respond, TestBus } from '@cleargate/testing';
import { loadGatewayConfig } from './config';
import { startGateway } from './main';

// What a hostile or merely careless client can send the gateway, and what it gets back: every
// answer is the error envelope, and none is lost to a reset connection.

const MACHINE = 'ab'.repeat(32);
let oidc: OidcPeer;
let bus: TestBus;
let namespace: string;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let port: number;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  json: { error?: { code: string; message: string }; request_id?: string } | null;
  /** The socket error the client met, if any (EPIPE / ECONNRESET: the answer was lost). */
  error?: string;
}

/**
 * A client that sends its whole request, body included, before it reads a byte of the answer,
 * as Python's urllib and requests do: a server that answers and closes at once resets the
 * connection under it, and the answer is lost.
 */
function sendAllThenRead(head: string, body: Buffer = Buffer.alloc(0)): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = (split < 0 ? text : text.slice(0, split)).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]),
      );
      let json: RawAnswer['json'] = null;
      try {
        json = JSON.parse(text.slice(split + 4)) as RawAnswer['json'];
      } catch {
        /* not JSON */
      }
      resolve({ status: Number(statusLine?.split(' ')[1] ?? 0), headers, json, ...(error ? { error } : {}) });
    });
    socket.write(head);
    // The whole body first; only then is the answer read (the 'data' handler above just collects).
    socket.write(body, () => undefined);
  });
}

const post = (path: string, headers: Record<string, string>, body: Buffer) =>
  sendAllThenRead(
    `POST ${path} HTTP/1.1\r\nhost: gateway\r\n${Object.entries({ ...headers, 'content-length': String(body.length) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`,
    body,
  );

beforeAll(async () => {
  oidc = await startOidcPeer();
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  bus.nats.connection.subscribe(bus.nats.subject(ONDEMAND_INVOKE_SUBJECT), {
    queue: queueGroup('ondemand-router'),
    callback: (_e, msg) => {
      msg.respond(encodeInvokeFrame({ status: 200, content_type: 'application/json' }, Buffer.from('{"digit":5}')));
    },
  });
  respond(bus.nats, machines.list, () => ({ items: [], next_cursor: null }));
  respond(bus.nats, runCreate, () => {
    throw new AppError('not_found', 'no such task');
  });
  gateway = await startGateway(
    loadGatewayConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      OIDC_ISSUER_URL: oidc.issuer,
      OIDC_AUDIENCES: 'nodered-iotedge',
      HTTP_BODY_LIMIT_BYTES: String(4 * 1024 * 1024),
      HTTP_COMPAT_BODY_LIMIT_BYTES: String(64 * 1024),
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_MAX_HEADER_BYTES: '8192',
    }),
    createRuntime('auth-gateway', 'silent'),
  );
  port = gateway.httpPort;
});

afterAll(async () => {
  await gateway?.close();
  await bus?.close();
  await oidc?.close();
  await dropNamespace(namespace);
});

describe('bodies over the limit', () => {
  it('answers 413 in the envelope to a client that sends its whole body first, on every kind of route', async () => {
    const token = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    const json = { 'content-type': 'application/json' };
    const bearer = { authorization: `Bearer ${token}` };
    const answers = {
      // the compatible route's own, smaller limit: 64 KiB here, while /v1 takes 4 MiB
      compat: await post('/clearml/serve/ondemand', json, Buffer.from(JSON.stringify({ params: 'x'.repeat(100 * 1024) }))),
      v1: await post(`/v1/ondemand/${MACHINE}/e`, { ...bearer, 'content-type': 'image/png' }, Buffer.alloc(6 * 1024 * 1024, 7)),
      fastify: await post('/v1/runs', { ...bearer, ...json }, Buffer.from(JSON.stringify({ params: { x: 'y'.repeat(6 * 1024 * 1024) } }))),
    };
    for (const [route, answer] of Object.entries(answers)) {
      expect({ route, status: answer.status, error: answer.error, code: answer.json?.error?.code }).toEqual({
        route,
        status: 413,
        error: undefined,
        code: 'payload_too_large',
      });
      expect(answer.json?.request_id).toEqual(expect.any(String));
    }
  });

  it('caps the compatible route below the /v1 limit, by Content-Length and while the body streams', async () => {
    const token = await oidc.mint({ username: 'observer' });
    const big = JSON.stringify({ access_token: token, machine_id: MACHINE, endpoint: 'e', params: { blob: 'x'.repeat(80 * 1024) } });
    const declared = await fetch(`http://127.0.0.1:${port}/clearml/serve/ondemand`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await fetch(`http://127.0.0.1:${port}/clearml/serve/ondemand`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    // the same call with a small body passes
    const small = await fetch(`http://127.0.0.1:${port}/clearml/serve/ondemand`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: token, machine_id: MACHINE, endpoint: 'e', params: { blob: 'x' } }),
    });
    expect(small.status).toBe(200);
  });
});

describe('requests the HTTP parser or the router refuses', () => {
  it('answers 431 in the envelope for headers over the limit', async () => {
    const answer = await sendAllThenRead(`GET /v1/machines HTTP/1.1\r\nhost: gateway\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatchObject({ status: 431, json: { error: { code: 'headers_too_large' }, request_id: expect.any(String) } });
  });

  it('answers 400 in the envelope for a method HTTP does not know and for a malformed request line', async () => {
    for (const head of ['BREW /v1/machines HTTP/1.1\r\nhost: g\r\n\r\n', 'GET /v1/machines HTTP/9\r\n\r\n']) {
      const answer = await sendAllThenRead(head);
      expect(answer).toMatchObject({ status: 400, json: { error: { code: 'invalid_argument' } } });
    }
  });

  it('answers 408 in the envelope to a client that does not finish its headers in time', async () => {
    const started = Date.now();
    const answer = await sendAllThenRead('GET /v1/machines HTTP/1.1\r\nhost: gateway\r\n');
    expect(answer).toMatchObject({ status: 408, json: { error: { code: 'request_timeout' } } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers a known method no route takes, and an over-long path parameter, in the envelope', async () => {
    const token = await oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    const auth = `authorization: Bearer ${token}\r\n`;
    const propfind = await sendAllThenRead(`PROPFIND /v1/machines HTTP/1.1\r\nhost: g\r\n${auth}connection: close\r\n\r\n`);
    expect(propfind).toMatchObject({ status: 405, json: { error: { code: 'method_not_allowed' } } });
    const unknownMethodOnUnknownPath = await sendAllThenRead(`PROPFIND /nowhere HTTP/1.1\r\nhost: g\r\nconnection: close\r\n\r\n`);
    expect(unknownMethodOnUnknownPath).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    const long = await fetch(`http://127.0.0.1:${port}/v1/machines/${'a'.repeat(300)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(long.status).toBeGreaterThanOrEqual(400);
    expect(long.status).toBeLessThan(500);
    expect(await long.json()).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
      request_id: expect.any(String),
    });
  });
});

describe('tokens that are not access tokens', () => {
  it('refuses an ID token and a refresh-typed token of the same realm and client, with 401', async () => {
    const grant = (await (
      await fetch(`${oidc.issuer}/protocol/openid-connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: 'nodered-iotedge',
          username: 'observer',
          password: 'observer',
          scope: 'openid',
        }),
      })
    ).json()) as { access_token: string; id_token: string };
    const call = (token: string) =>
      fetch(`http://127.0.0.1:${port}/v1/ondemand/${MACHINE}/e`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: '{}',
      });
    expect((await call(grant.access_token)).status).toBe(200);
    const id = await call(grant.id_token);
    expect(id.status).toBe(401);
    expect(await id.json()).toMatchObject({
      error: { code: 'unauthenticated', message: 'the token is not an access token (typ must be "Bearer")', details: { reason: 'type' } },
    });
    expect((await call(await oidc.mint({ username: 'observer', typ: 'Refresh' as 'Bearer' }))).status).toBe(401);
  });

  it('refuses a token of a client that is not among the accepted audiences', async () => {
    const other = await oidc.mint({ username: 'observer' }, { clientId: 'nodered' });
    const res = await fetch(`http://127.0.0.1:${port}/v1/ondemand/${MACHINE}/e`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}` },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { details: { reason: 'audience' } } });
  });
});

describe('start-up', () => {
  it('refuses to start without accepted audiences unless told to accept any', () => {
    const env = { OIDC_ISSUER_URL: 'https://idp.example.org/auth/realms/r' };
    expect(() => loadGatewayConfig(env)).toThrow(/OIDC_AUDIENCES: name the clients whose tokens are accepted/);
    expect(loadGatewayConfig({ ...env, OIDC_AUDIENCES_ANY: 'true' }).OIDC_AUDIENCES_ANY).toBe(true);
    expect(() => loadGatewayConfig({ ...env, OIDC_AUDIENCES: 'a', OIDC_AUDIENCES_ANY: 'true' })).toThrow(
      /OIDC_AUDIENCES_ANY: cannot be true/,
    );
    expect(() =>
      loadGatewayConfig({ ...env, OIDC_AUDIENCES: 'a', HTTP_BODY_LIMIT_BYTES: '4096', HTTP_COMPAT_BODY_LIMIT_BYTES: '8192' }),
    ).toThrow(/HTTP_COMPAT_BODY_LIMIT_BYTES: must not be larger than HTTP_BODY_LIMIT_BYTES/);
    expect(() =>
      loadGatewayConfig({ ...env, OIDC_AUDIENCES: 'a', HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must not be longer than HTTP_REQUEST_TIMEOUT_MS/);
  });
});
