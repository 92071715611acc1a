import { request as httpRequest } from 'node:http';
import { Agent, request } from 'undici';
import { startServingPeer, type ServingPeer } from './index';
import { startStandalonePeer } from '../standalone';

/** A raw node:http call, so transport errors keep their errno code. */
function rawPost(url: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('serving peer: faults, stats and lifecycle', () => {
  let peer: ServingPeer;
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const sklearn = JSON.stringify({ x0: 1, x1: 2 });

  beforeAll(async () => {
    peer = await startServingPeer({ name: 'faults-spec' });
  });
  afterEach(() => peer.clearFaults());
  afterAll(async () => {
    await agent.close();
    await peer.close();
  });

  const serve = async (endpoint: string, body = sklearn) => {
    const res = await request(`${peer.url}/serve/${endpoint}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      dispatcher: agent,
    });
    return { status: res.statusCode, body: await res.body.text() };
  };

  it('delays a response by at least the configured time, then answers normally', async () => {
    peer.setFault('test_model_sklearn', { kind: 'delay', ms: 120 });
    const started = performance.now();
    const res = await serve('test_model_sklearn');
    const elapsed = performance.now() - started;
    expect(res).toEqual({ status: 200, body: '{"y":[0]}' });
    expect(elapsed).toBeGreaterThanOrEqual(115);
    const fast = performance.now();
    await serve('echo', '{}');
    expect(performance.now() - fast).toBeLessThan(100);
  });

  it('answers with an injected status for the next N calls only', async () => {
    peer.setFault('test_model_sklearn', { kind: 'status', status: 503, times: 2 });
    expect(await serve('test_model_sklearn')).toEqual({ status: 503, body: '{"detail":"Service Unavailable"}' });
    expect((await serve('test_model_sklearn')).status).toBe(503);
    expect((await serve('test_model_sklearn')).status).toBe(200);
    peer.setFault('test_model_sklearn', {
      kind: 'status',
      status: 500,
      body: { detail: 'Error [AioRpcError] processing request: status=StatusCode.UNAVAILABLE' },
    });
    expect(await serve('test_model_sklearn')).toEqual({
      status: 500,
      body: '{"detail":"Error [AioRpcError] processing request: status=StatusCode.UNAVAILABLE"}',
    });
  });

  it('hangs: the request is accepted and never answered before the client aborts', async () => {
    peer.setFault('echo', { kind: 'hang' });
    const before = peer.stats().inFlight;
    const started = performance.now();
    const outcome = await request(`${peer.url}/serve/echo`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
      dispatcher: agent,
      signal: AbortSignal.timeout(300),
    }).then(
      (res) => `answered ${res.statusCode}`,
      (err: Error) => err.name,
    );
    expect(outcome).toBe('TimeoutError');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(peer.stats().byEndpoint['echo']!['clearml-serving']).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.stats().inFlight).toBe(before);
  });

  it('resets the connection without a response: the client sees ECONNRESET', async () => {
    peer.setFault('test_model_sklearn', { kind: 'reset', times: 1 });
    await expect(rawPost(peer.url, '/serve/test_model_sklearn', sklearn)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await rawPost(peer.url, '/serve/test_model_sklearn', sklearn)).status).toBe(200);
  });

  it('applies a wildcard fault to every route, a specific fault winning over it', async () => {
    peer.setFault('*', { kind: 'status', status: 502 });
    peer.setFault('echo', { kind: 'delay', ms: 1 });
    const health = await request(`${peer.url}/v2/health/ready`, { dispatcher: agent });
    expect(health.statusCode).toBe(502);
    expect(await health.body.json()).toEqual({ error: 'Bad Gateway' });
    expect((await serve('test_model_sklearn')).status).toBe(502);
    expect((await serve('echo', '{"a":1}')).status).toBe(200);
  });

  it('stop() refuses connections like a dead machine; start() recovers on the same port with state kept', async () => {
    const port = peer.port;
    const url = peer.url;
    await serve('echo', '{}');
    const seen = peer.stats().byEndpoint['echo']!['clearml-serving'];
    peer.setFault('test_model_sklearn', { kind: 'status', status: 500, times: 1 });
    await peer.stop();
    await expect(rawPost(url, '/serve/echo', '{}')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await peer.start();
    expect(peer.port).toBe(port);
    expect(peer.url).toBe(url);
    expect((await rawPost(url, '/serve/echo', '{}')).status).toBe(200);
    expect(peer.stats().byEndpoint['echo']!['clearml-serving']).toBe(seen + 1);
    expect((await rawPost(url, '/serve/test_model_sklearn', sklearn)).status).toBe(500);
  });

  it('stop() cuts connections that are waiting for an answer', async () => {
    peer.setFault('echo', { kind: 'hang' });
    const pending = rawPost(peer.url, '/serve/echo', '{}');
    await new Promise((r) => setTimeout(r, 30));
    await peer.stop();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
    await peer.start();
  });

  it('counts requests per endpoint and protocol', async () => {
    peer.resetStats();
    await serve('echo', '{}');
    await serve('nope', '{}');
    await request(`${peer.url}/v2/models/echo`, { dispatcher: agent }).then((r) => r.body.dump());
    await request(`${peer.url}/metrics`, { dispatcher: agent }).then((r) => r.body.dump());
    const s = peer.stats();
    expect(s.total).toBe(4);
    expect(s.byProtocol).toEqual({ 'clearml-serving': 2, 'kserve-v2': 1, metrics: 1, other: 0 });
    expect(s.byEndpoint).toEqual({
      echo: { 'clearml-serving': 1, 'kserve-v2': 1 },
      nope: { 'clearml-serving': 1, 'kserve-v2': 0 },
    });
    expect(s.inFlight).toBe(0);
  });

  it('offers the same control over HTTP under /__peer', async () => {
    const control = (method: string, path: string, body?: unknown) =>
      request(`${peer.url}/__peer/${path}`, {
        method: method as 'GET',
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
        dispatcher: agent,
      });
    const set = await control('POST', 'faults', {
      endpoint: 'test_model_sklearn',
      kind: 'status',
      status: 429,
      times: 1,
    });
    expect(set.statusCode).toBe(204);
    await set.body.dump();
    const bad = await control('POST', 'faults', { endpoint: 'x', kind: 'explode' });
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();
    expect((await serve('test_model_sklearn')).status).toBe(429);
    expect((await serve('test_model_sklearn')).status).toBe(200);

    await (await control('POST', 'faults', { endpoint: '*', kind: 'status', status: 503 })).body.dump();
    expect((await serve('echo', '{}')).status).toBe(503);
    const stats = await control('GET', 'stats');
    expect((await stats.body.json()) as object).toMatchObject({ byEndpoint: { echo: expect.any(Object) } });
    const cleared = await control('DELETE', 'faults');
    expect(cleared.statusCode).toBe(204);
    await cleared.body.dump();
    expect((await serve('echo', '{}')).status).toBe(200);
    // control calls are not traffic
    expect(peer.stats().byProtocol.other).toBe(0);
  });

  it('runs standalone: prints its URL as one JSON line and exits cleanly on SIGTERM', async () => {
    const standalone = await startStandalonePeer('serving', ['--port', '0', '--name', 'standalone']);
    try {
      const info = standalone.info as { peer: string; url: string; name: string };
      expect(info).toMatchObject({
        peer: 'serving',
        name: 'standalone',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      });
      const health = await request(`${info.url}/v2/health/live`, { dispatcher: agent });
      expect(health.statusCode).toBe(200);
      await health.body.dump();
      expect(await standalone.stop()).toBe(0);
    } finally {
      standalone.dispose();
    }
  });
});
