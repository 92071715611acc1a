import { createServer, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RoutingEndpoint, RoutingMachine } from '@cleargate/contracts';
import { AddressPolicy, type Resolver } from '@cleargate/egress';
import { createRuntime } from '@cleargate/observability';
import { ServingPeer, startServingPeer } from '@cleargate/peers';
import { startTlsServer, TestCertificates, testCertificates, TlsTestServer, trustTestCa } from '@cleargate/testing';
import { loadRouterConfig } from '../config';
import { UpstreamClient, UpstreamFailure } from './upstream-client';

// The outbound address policy at connection time, over real sockets: names are resolved through
// a resolver the test controls (as a DNS server under an attacker's control would answer), and
// a listener on 127.0.0.1 counts every TCP connection that reaches it.

let peer: ServingPeer;
let listener: Server;
let listenerPort: number;
let connections = 0;
const table: Record<string, string[]> = {};
const resolver: Resolver = (hostname, _options, callback) => {
  const found = table[hostname];
  if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  callback(
    null,
    found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  );
};

const clients: UpstreamClient[] = [];
/** `env`: router settings beyond the ones every client here has. */
function client(allowed: string[] = [], env: Record<string, string> = {}): UpstreamClient {
  const runtime = createRuntime('ondemand-router', 'silent');
  const config = loadRouterConfig({ OPS_PORT: '0', BREAKER_FAILURES: '2', UPSTREAM_CONNECT_TIMEOUT_MS: '1000', ...env });
  const c = new UpstreamClient(config, runtime.logger, runtime.metrics, new AddressPolicy(allowed, { resolver }));
  clients.push(c);
  return c;
}

function target(baseUrl: string): { machine: RoutingMachine; endpoint: RoutingEndpoint } {
  const machine: RoutingMachine = {
    id: randomUUID(),
    machine_id: randomUUID().replace(/-/g, '').padEnd(64, '0'),
    name: `m-${randomUUID().slice(0, 8)}`,
    base_url: baseUrl,
    protocol: 'clearml-serving',
    enabled: true,
    max_in_flight: null,
  };
  const endpoint: RoutingEndpoint = {
    id: randomUUID(),
    machine_id: machine.machine_id,
    name: 'test_model_pytorch',
    path: null,
    timeout_ms: 2000,
    enabled: true,
    owner: 'bob',
    visibility: 'public',
    shared_with: { users: [], roles: [], groups: [] },
    count_predictions: null,
    max_in_flight: null,
  };
  return { machine, endpoint };
}

/** One call to a new machine at `to`, or to the same machine again when given its target. */
const call = (c: UpstreamClient, to: string | ReturnType<typeof target>) =>
  c.invoke({
    ...(typeof to === 'string' ? target(to) : to),
    body: Buffer.from(JSON.stringify({ url: 'https://example.org/5.jpg' })),
    contentType: 'application/json',
    accept: undefined,
    correlationId: 'c1',
  });

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => (err instanceof UpstreamFailure ? { kind: err.kind, message: err.message } : err),
  );

beforeAll(async () => {
  peer = await startServingPeer();
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerPort = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.onModuleDestroy()));
  await new Promise((r) => listener.close(r));
  await peer.close();
});

beforeEach(() => {
  connections = 0;
});

describe('the outbound address policy at connection time', () => {
  it('refuses a name that resolves to a refused address when the connection is made (DNS rebinding): no connection reaches it', async () => {
    const strict = new AddressPolicy([], { resolver });
    table['rebind.test'] = ['93.184.215.14'];
    // at registration the name pointed at a public address
    expect(await strict.check(`http://rebind.test:${listenerPort}`)).toBeNull();
    table['rebind.test'] = ['127.0.0.1'];
    const c = client();
    expect(await failure(call(c, `http://rebind.test:${listenerPort}`))).toEqual({
      kind: 'address_refused',
      message: expect.stringMatching(/^the serving machine m-\w+ is at an address the outbound address policy does not allow$/),
    });
    expect(connections).toBe(0);
  });

  it.each([
    ['loopback', (port: number) => `http://127.0.0.1:${port}`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}`],
    ['localhost', (port: number) => `http://localhost:${port}`],
  ])('refuses a base URL at a literal %s address before connecting', async (_name, url) => {
    const c = client();
    expect(await failure(call(c, url(listenerPort)))).toMatchObject({ kind: 'address_refused' });
    expect(connections).toBe(0);
  });

  it('refuses a name that resolves to link-local (the metadata service) or to one private address among public ones', async () => {
    table['metadata.test'] = ['169.254.169.254'];
    table['mixed.test'] = ['93.184.215.14', '10.0.0.1'];
    const c = client();
    expect(await failure(call(c, 'http://metadata.test'))).toMatchObject({ kind: 'address_refused' });
    expect(await failure(call(c, 'http://mixed.test'))).toMatchObject({ kind: 'address_refused' });
  });

  it('never opens the circuit for refused addresses: they say nothing about the machine', async () => {
    table['loop.test'] = ['127.0.0.1'];
    const c = client();
    for (let i = 0; i < 5; i++)
      expect(await failure(call(c, `http://loop.test:${listenerPort}`))).toMatchObject({ kind: 'address_refused' });
  });

  it('connects through the policy to an address the allow-list names', async () => {
    table['gpu.lan'] = ['127.0.0.1'];
    const c = client(['127.0.0.0/8']);
    const port = new URL(peer.url).port;
    const answer = await call(c, `http://gpu.lan:${port}`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({ digit: expect.any(Number) });
    // and the literal form too
    expect((await call(c, `http://127.0.0.1:${port}`)).status).toBe(200);
  });
});

describe('a machine over https that offers HTTP/2', () => {
  let certs: TestCertificates;
  let server: TlsTestServer;

  beforeAll(async () => {
    // The server speaks HTTP/2 and HTTP/1.1 (ALPN), with a certificate of the test's own CA.
    certs = testCertificates();
    server = await startTlsServer(certs, 'both', { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
  });

  afterAll(async () => {
    await server.close();
    certs.remove();
  });

  it('is called over HTTP/1.1, one call per pooled connection', async () => {
    // The test's CA is not in Node's store: trust it for these calls only.
    const untrust = trustTestCa(certs);
    try {
      const c = client(['127.0.0.1/32']);
      const answers = await Promise.all([1, 2, 3].map(() => call(c, server.url)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    } finally {
      untrust();
    }
    expect(server.seen.map((r) => r.version)).toEqual(['1.1', '1.1', '1.1']);
    // Three calls at once: three connections (HTTP/2 would have carried them on one).
    expect(server.connections()).toBe(3);
  });

  it('fails with a reset naming the certificate error when the CA of its certificate is not trusted, and no request reaches it', async () => {
    const seen = server.seen.length;
    // What an operator reads in the call log and the caller's 502 (docs/runbook.md): give the
    // router the CA (the chart's trustedCaConfigMap, NODE_EXTRA_CA_CERTS).
    expect(await failure(call(client(['127.0.0.1/32']), server.url))).toEqual({
      kind: 'reset',
      message: expect.stringMatching(/^the connection to m-\w+ failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/),
    });
    expect(server.seen).toHaveLength(seen);
  });
});

describe('idle connections to a machine', () => {
  let machine: ServingPeer;

  beforeAll(async () => {
    // Closes a connection idle for 1 s after an answer, as uvicorn does (5 s by default), with no header saying so.
    machine = await startServingPeer({ keepAliveMs: 1_000 });
  });
  afterAll(() => machine.close());

  it('are reused for the next call only while idle for less than UPSTREAM_KEEPALIVE_MS, which ends before the machine closes them', async () => {
    const c = client(['127.0.0.1/32'], { UPSTREAM_KEEPALIVE_MS: '300' });
    const t = target(machine.url);
    const send = () => call(c, t);
    expect((await send()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await send()).status).toBe(200);
    expect(machine.stats().connections).toBe(1); // idle 100 ms: the same connection
    await new Promise((r) => setTimeout(r, 500));
    expect((await send()).status).toBe(200);
    // Idle 500 ms: let go by the router at 300 ms, before the machine's close at 1 s could meet a call on it.
    expect(machine.stats().connections).toBe(2);
  });
});
