import { Client } from 'pg';
import { startServingPeer } from '@cleargate/peers';
import { TEST_PUBLIC_ID_SECRET, api, waitFor } from '@cleargate/testing';
import { OndemandStack, startOndemandStack } from './support/ondemand-stack';

jest.setTimeout(60_000);

let stack: OndemandStack;
let admin: string;
let user: string;
let machine: { id: string; machine_id: string };

beforeAll(async () => {
  stack = await startOndemandStack();
  admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
  user = await stack.oidc.mint({ username: 'observer', roles: ['Observer'] });
});
afterAll(async () => {
  await stack?.close();
});

describe('on-demand inference through the deployed services', () => {
  it('registers a machine and an endpoint, then serves compatible and v1 calls with a token from the OIDC peer', async () => {
    const created = await api(stack.gatewayUrl, '/v1/machines', {
      token: admin,
      body: { name: 'gpu-1', base_url: stack.serving.url, protocol: 'clearml-serving', metrics_url: `${stack.serving.url}/metrics` },
    });
    expect(created.status).toBe(201);
    machine = created.json;
    expect(machine.machine_id).toMatch(/^[a-f0-9]{64}$/);
    const endpoint = await api(stack.gatewayUrl, '/v1/endpoints', {
      token: admin,
      body: { machine_id: machine.machine_id, name: 'test_model_pytorch' },
    });
    expect(endpoint.status).toBe(201);

    const compat = await api(stack.gatewayUrl, '/clearml/serve/ondemand', {
      body: {
        access_token: user,
        machine_id: machine.machine_id,
        endpoint: 'test_model_pytorch',
        params: { url: 'https://example.org/5.jpg' },
      },
    });
    expect(compat).toEqual({ status: 200, json: { digit: expect.any(Number) } });
    const v1 = await api(stack.gatewayUrl, `/v1/ondemand/${machine.machine_id}/test_model_pytorch`, {
      token: user,
      body: { url: 'https://example.org/5.jpg' },
    });
    expect(v1).toEqual(compat);
  });

  it('sees registry changes in the router without a restart', async () => {
    const second = await startServingPeer();
    try {
      const created = await api(stack.gatewayUrl, '/v1/endpoints', {
        token: admin,
        body: { machine_id: machine.id, name: 'echo', timeout_ms: 1000 },
      });
      expect(created.status).toBe(201);
      await waitFor(
        async () =>
          (await api(stack.gatewayUrl, `/v1/ondemand/${machine.machine_id}/echo`, { token: user, body: { n: 1 } })).status === 200,
      );

      expect(
        (await api(stack.gatewayUrl, `/v1/endpoints/${created.json.id}`, { method: 'PATCH', token: admin, body: { enabled: false } }))
          .status,
      ).toBe(200);
      await waitFor(
        async () => (await api(stack.gatewayUrl, `/v1/ondemand/${machine.machine_id}/echo`, { token: user, body: {} })).status === 404,
      );
      await api(stack.gatewayUrl, `/v1/endpoints/${created.json.id}`, { method: 'PATCH', token: admin, body: { enabled: true } });

      const before = second.stats().total;
      expect(
        (await api(stack.gatewayUrl, `/v1/machines/${machine.id}`, { method: 'PATCH', token: admin, body: { base_url: second.url } }))
          .status,
      ).toBe(200);
      await waitFor(async () => {
        await api(stack.gatewayUrl, `/v1/ondemand/${machine.machine_id}/echo`, { token: user, body: {} });
        return second.stats().total > before;
      });
      await api(stack.gatewayUrl, `/v1/machines/${machine.id}`, { method: 'PATCH', token: admin, body: { base_url: stack.serving.url } });
    } finally {
      await second.close();
    }
  });

  it('answers 503 while the router is down and recovers when it restarts', async () => {
    await stack.router.kill('SIGKILL');
    const down = await api(stack.gatewayUrl, `/v1/ondemand/${machine.machine_id}/test_model_pytorch`, { token: user, body: { url: 'x' } });
    expect(down.status).toBe(503);
    expect(down.json.error.code).toBe('unavailable');
    await stack.router.start();
    expect(
      (await api(stack.gatewayUrl, `/v1/ondemand/${machine.machine_id}/test_model_pytorch`, { token: user, body: { url: 'x' } })).status,
    ).toBe(200);
  });

  it('writes call logs that the caller and administrators can read, with no token anywhere', async () => {
    const mine = await waitFor(async () => {
      const r = await api(stack.gatewayUrl, '/v1/logs/ondemand?limit=100', { token: user });
      return r.json.items.length >= 3 ? r.json : null;
    });
    expect(mine.items.every((i: { caller: string }) => i.caller === 'observer')).toBe(true);
    expect(mine.items[0]).toMatchObject({ machine_id: machine.machine_id, machine_name: 'gpu-1', status_code: expect.any(Number) });
    const compat = mine.items.find((i: { route: string }) => i.route === 'compat');
    expect(compat).toMatchObject({ endpoint: 'test_model_pytorch', outcome: 'ok', response_excerpt: expect.stringContaining('digit') });
    const others = await api(stack.gatewayUrl, '/v1/logs/ondemand?caller=rootadmin', { token: user });
    expect(others.status).toBe(403);
    expect(others.json).toMatchObject({ error: { code: 'forbidden' }, request_id: expect.any(String) });

    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      const rows = await client.query('SELECT * FROM ondemand_calls');
      expect(rows.rowCount).toBeGreaterThanOrEqual(3);
      const dump = JSON.stringify(rows.rows);
      for (const token of [admin, user]) {
        expect(dump).not.toContain(token.split('.')[2]);
        for (const service of stack.services) expect(service.lines.filter((l) => l.includes(token.split('.')[2]!))).toEqual([]);
      }
    } finally {
      await client.end();
    }
    // The logs are real: every service wrote JSON lines carrying correlation ids.
    const gatewayLines = stack.gateway.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(gatewayLines.some((l) => l.service === 'auth-gateway')).toBe(true);
    expect(stack.router.lines.some((l) => l.includes('correlation_id'))).toBe(true);
    // Each service logs its configuration at start, secrets masked.
    const configuration = stack.registry.lines.find((l) => l.includes('"msg":"configuration"'));
    expect(configuration).toContain('"PUBLIC_ID_SECRET":"***"');
    for (const service of stack.services) expect(service.lines.filter((l) => l.includes(TEST_PUBLIC_ID_SECRET))).toEqual([]);
  });

  it('lists the registered machines’ metrics endpoints for Prometheus service discovery', async () => {
    const sd = await api(stack.gatewayUrl, '/v1/sd/serving-machines', { token: admin });
    expect(sd.status).toBe(200);
    const url = new URL(stack.serving.url);
    expect(sd.json).toEqual([
      {
        targets: [url.host],
        labels: {
          __scheme__: 'http',
          __metrics_path__: '/metrics',
          machine: 'gpu-1',
          machine_id: machine.machine_id,
          protocol: 'clearml-serving',
        },
      },
    ]);
    expect((await api(stack.gatewayUrl, '/v1/sd/serving-machines', { token: user })).status).toBe(403);
  });

  it('exposes health and metrics on every service’s ops port', async () => {
    for (const service of stack.services) {
      expect((await fetch(`http://127.0.0.1:${service.opsPort}/health/live`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${service.opsPort}/health/ready`)).status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${service.opsPort}/metrics`).then((r) => r.text());
      expect(metrics).toContain(`cleargate_${service.name.replace(/-/g, '_')}_`);
    }
  });
});
