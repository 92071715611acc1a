import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { errors as natsErrors } from '@nats-io/nats-core';
import { NatsService } from '@cleargate/messaging';
import {
  api,
  createTestDatabase,
  natsPasswords,
  natsServer,
  NatsServer,
  registryProcess,
  ROOT,
  TestCertificates,
  testCertificates,
  TestDatabase,
  waitFor,
} from '@cleargate/testing';
import { BusStack, startBusStack, testClient } from './support/bus-stack';

jest.setTimeout(120_000);

const passwords = natsPasswords();
let nats: NatsServer;
let db: TestDatabase;
let stack: BusStack;

beforeAll(async () => {
  nats = await natsServer({ passwords });
  await nats.start();
  db = await createTestDatabase();
  stack = await startBusStack({ natsUrl: nats.url, passwords, databaseUrl: db.url, replicas: { monitor: 1, notifier: 1 } });
});
afterAll(async () => {
  await stack?.close();
  await nats?.kill();
  nats?.remove();
  await db?.drop();
});

/** Publishes on `subject` as `user` and resolves with the permission error the server answers. */
async function publishAs(
  user: keyof typeof passwords,
  subject: string,
): Promise<InstanceType<typeof natsErrors.PermissionViolationError> | null> {
  const client = await testClient(nats.url, user, { user, password: passwords[user] });
  try {
    const statuses = client.connection.status();
    const violation = (async () => {
      for await (const s of statuses) {
        if (s.type === 'error' && s.error instanceof natsErrors.PermissionViolationError) return s.error;
      }
      return null;
    })();
    client.connection.publish(subject, new TextEncoder().encode('{"name":"planted","base_url":"http://127.0.0.1:1"}'), {
      reply: `_INBOX.${user}.probe`,
    });
    await client.connection.flush();
    return await Promise.race([violation, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
  } finally {
    await client.close();
  }
}

describe('the bus as a trust boundary (deploy/nats/auth.conf, generated from the contracts)', () => {
  it('runs the services end to end, each as its own NATS user with only its subjects', async () => {
    const gw = stack.gatewayUrls[0]!;
    const call = await api(gw, `/v1/ondemand/${stack.machineId}/echo`, { token: stack.user, body: { hello: 'bus' } });
    expect(call).toEqual({ status: 200, json: { echo: { hello: 'bus' } } });
    const run = await api(gw, '/v1/runs', { token: stack.user, body: { task_id: stack.taskId, params: {} } });
    expect(run.status).toBe(202);
    await waitFor(async () => (await api(gw, `/v1/runs/${run.json.run_id}`, { token: stack.user })).json.status === 'queued', {
      timeoutMs: 20_000,
      message: 'the run queued in ClearML',
    });
    // The call log travelled router → CALLLOGS → registry.
    await waitFor(async () => (await api(gw, '/v1/logs/ondemand?limit=5', { token: stack.admin })).json.items?.length >= 1, {
      timeoutMs: 10_000,
      message: 'the call logged',
    });
    // The monitor leads through its KV lease (its buckets are within its permissions too).
    const monitor = stack.processes.monitor[0]!;
    await waitFor(
      async () => /^cleargate_monitor_leader 1$/m.test(await (await fetch(`http://127.0.0.1:${monitor.opsPort}/metrics`)).text()),
      {
        timeoutMs: 10_000,
        message: 'the monitor leads',
      },
    );
    // A streamed answer: its frames and the caller's acks travel on each side's own inbox.
    stack.serving.llm.addModel('llama');
    const llm = await api(gw, '/v1/machines', {
      token: stack.admin,
      body: { name: 'llm-bus', base_url: stack.serving.url, protocol: 'openai' },
    });
    expect(llm.status).toBe(201);
    expect((await api(gw, '/v1/endpoints', { token: stack.admin, body: { machine_id: llm.json.machine_id, name: 'llama' } })).status).toBe(
      201,
    );
    const streamed = await waitFor(
      async () => {
        const res = await fetch(`${gw}/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.user}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'over the bus' }], stream: true }),
        });
        return res.status === 200 ? await res.text() : null;
      },
      { timeoutMs: 10_000, message: 'a streamed chat completion' },
    );
    const text = streamed
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices[0].delta.content)
      .join('');
    expect(text).toBe('You said: over the bus');
    expect(streamed.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // Nothing any service did was refused.
    expect(nats.log.filter((l) => /Permissions Violation/i.test(l))).toEqual([]);
  });

  it('refuses a registry request or an invoke published with another service’s credentials', async () => {
    for (const user of ['notifier', 'monitor', 'enqueue-worker', 'ondemand-router'] as const) {
      const refused = await publishAs(user, 'registry.machine.create.v1');
      expect({ user, operation: refused?.operation, subject: refused?.subject }).toEqual({
        user,
        operation: 'publish',
        subject: 'registry.machine.create.v1',
      });
    }
    for (const user of ['notifier', 'monitor', 'enqueue-worker', 'registry', 'ondemand-router'] as const) {
      const refused = await publishAs(user, 'ondemand.endpoint.invoke.v1');
      expect({ user, subject: refused?.subject }).toEqual({ user, subject: 'ondemand.endpoint.invoke.v1' });
    }
    // The gateway's own credentials may (it is the gateway's job), and nothing was planted.
    expect(await publishAs('auth-gateway', 'registry.machine.list.v1')).toBeNull();
    const machines = await api(stack.gatewayUrls[0]!, '/v1/machines', { token: stack.admin });
    expect(machines.json.items.map((m: { name: string }) => m.name)).not.toContain('planted');
  });

  it('refuses to let a service listen to subjects it does not serve, and a connection without credentials', async () => {
    const monitor = await testClient(nats.url, 'monitor', { user: 'monitor', password: passwords.monitor });
    try {
      const statuses = monitor.connection.status();
      const violation = (async () => {
        for await (const s of statuses) if (s.type === 'error' && s.error instanceof natsErrors.PermissionViolationError) return s.error;
        return null;
      })();
      monitor.connection.subscribe('registry.>');
      expect(await violation).toMatchObject({ operation: 'subscription', subject: 'registry.>' });
    } finally {
      await monitor.close();
    }
    await expect(testClient(nats.url, 'anonymous')).rejects.toThrow(/authorization/i);
    await expect(testClient(nats.url, 'wrong', { user: 'registry', password: 'not-it' })).rejects.toThrow(/authorization/i);
  });

  it('does not start a service without NATS credentials unless NATS_ANONYMOUS says so', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/apps/ondemand-router/src/main.js')], {
      env: { PATH: process.env.PATH, NATS_URL: nats.url },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/NATS_USER: required/);
  });
});

describe('tls:// URLs', () => {
  let certs: TestCertificates;
  let tlsNats: NatsServer;
  beforeAll(async () => {
    // A CA of the test's own and a certificate for localhost signed by it.
    certs = testCertificates();
    tlsNats = await natsServer({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
    await tlsNats.start();
  });
  afterAll(async () => {
    await tlsNats?.kill();
    tlsNats?.remove();
    certs?.remove();
  });

  it('connects over TLS, verifying the server against NATS_TLS_CA_FILE, and a service runs on it', async () => {
    const registry = await registryProcess(
      { NATS_URL: tlsNats.url, NATS_TLS_CA_FILE: certs.caFile, NATS_NAMESPACE: '', LOG_LEVEL: 'info' },
      db.url,
    );
    await registry.start();
    try {
      const connz = (await (await fetch(`http://127.0.0.1:${tlsNats.httpPort}/connz`)).json()) as {
        connections: { name?: string; tls_version?: string }[];
      };
      expect(connz.connections.find((c) => c.name === 'registry')?.tls_version).toMatch(/^1\.[23]$/);
    } finally {
      await registry.stop();
    }
  });

  it('refuses a server whose certificate the CA did not sign', async () => {
    const logger = { info() {}, warn() {}, error() {}, debug() {} } as never;
    // Without the CA file, the system CAs do not know the test CA.
    await expect(NatsService.connect({ url: tlsNats.url, namespace: '', name: 'no-ca', requestTimeoutMs: 2000 }, logger)).rejects.toThrow(
      /certificate/i,
    );
  });
});
