import { api, Json, waitFor } from '@cleargate/testing';
import { LIMITS_TEMPLATE_TASK, LimitsStack, startLimitsStack } from './support/limits-stack';

jest.setTimeout(90_000);

// Limits, queue authorisation and suspensions through the deployed services: two gateway
// replicas, the router, the registry and the enqueue worker as processes, the serving and
// ClearML peers behind them.
let stack: LimitsStack;
let admin: string;
let observer: string;
let manager: string;
let machineA: { id: string; machine_id: string };
let machineB: { id: string; machine_id: string };
let task: { task_id: string };

async function call(base: string, path: string, init: { token?: string; body?: unknown; method?: string } = {}) {
  const res = await fetch(base + path, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** The second gateway replica enforces the policy the first one (which made the change) reads now. */
async function policyApplied(): Promise<void> {
  const version = async (ops: number) =>
    Number(
      /^cleargate_auth_gateway_policy_version (\S+)$/m.exec(await fetch(`http://127.0.0.1:${ops}/metrics`).then((r) => r.text()))?.[1],
    );
  const [a, b] = stack.gatewayProcesses;
  const wanted = await version(a.opsPort);
  await waitFor(async () => (await version(b.opsPort)) >= wanted, { message: 'the second gateway read the new policy' });
}

const gw = () => stack.gateways[0];

beforeAll(async () => {
  stack = await startLimitsStack({ INVOKE_CONCURRENCY: '8' });
  admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
  observer = await stack.oidc.mint({ username: 'observer', roles: ['Observer'] });
  manager = await stack.oidc.mint({ username: 'manager', roles: ['Manager'] });
  const machine = async (name: string, max?: number) =>
    (
      await api(gw(), '/v1/machines', {
        token: admin,
        body: { name, base_url: stack.serving.url, protocol: 'clearml-serving', ...(max ? { max_in_flight: max } : {}) },
      })
    ).json;
  machineA = await machine('gpu-a', 3);
  machineB = await machine('gpu-b');
  for (const [m, name, extra] of [
    [machineA, 'slow', { path: '/serve/echo', timeout_ms: 4000 }],
    [machineA, 'test_model_pytorch', {}],
    [machineB, 'test_model_pytorch', {}],
    [machineB, 'slow_one', { path: '/serve/echo', timeout_ms: 4000, max_in_flight: 1 }],
  ] as const) {
    expect((await api(gw(), '/v1/endpoints', { token: admin, body: { machine_id: m.machine_id, name, ...extra } })).status).toBe(201);
  }
  task = (
    await api(gw(), '/v1/tasks', {
      token: admin,
      body: { clearml_task_id: LIMITS_TEMPLATE_TASK, default_queue: 'default', allowed_queues: ['gpu'], name: 'forecast' },
    })
  ).json;
});
afterAll(async () => {
  await stack?.close();
});

describe('rate limits shared by the gateway replicas', () => {
  it('answers 429 with Retry-After to a caller over its rate through either replica, and lets it call again later', async () => {
    const rule = await call(gw(), '/v1/limits', {
      method: 'PUT',
      token: admin,
      body: { scope: 'user', subject: 'observer', limits: { calls_per_second: 2, burst: 4 }, reason: 'noisy dashboard' },
    });
    expect(rule.status).toBe(200);
    await policyApplied();
    const path = `/v1/ondemand/${machineB.machine_id}/test_model_pytorch`;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(stack.gateways[i % 2]!, path, { token: observer, body: { url: 'https://x/5.jpg' } })),
    );
    const elapsed = (Date.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok.length + refused.length).toBe(12);
    // One bucket for both replicas: the burst of 4 and what 2/s refills meanwhile, not 4 per replica.
    expect(ok.length).toBeLessThanOrEqual(4 + Math.floor(2 * elapsed));
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.json).toMatchObject({
        error: { code: 'rate_limited', details: { reason: 'rate', limit: 2, burst: 4 } },
        request_id: expect.any(String),
      });
    }
    // Both replicas refused: the limit is one.
    const refusedBy = new Set(answers.map((a, i) => (a.status === 429 ? i % 2 : -1)).filter((i) => i >= 0));
    expect(refusedBy).toEqual(new Set([0, 1]));
    // The compatible route answers the same way.
    const compat = await call(stack.gateways[1], '/clearml/serve/ondemand', {
      body: { access_token: observer, machine_id: machineB.machine_id, endpoint: 'test_model_pytorch', params: { url: 'https://x/5.jpg' } },
    });
    expect(compat.status).toBe(429);
    expect(compat.headers.get('retry-after')).toMatch(/^\d+$/);
    // Once the bucket refilled, calls go through again.
    await new Promise((r) => setTimeout(r, 1600));
    expect((await call(stack.gateways[1], path, { token: observer, body: { url: 'https://x/5.jpg' } })).status).toBe(200);
    // Another caller is not affected.
    expect((await call(gw(), path, { token: manager, body: { url: 'https://x/5.jpg' } })).status).toBe(200);
    await call(gw(), `/v1/limits/${rule.json.id}`, { method: 'DELETE', token: admin });
    await policyApplied();
  });

  it('caps a caller’s calls in flight on a replica with 429', async () => {
    await stack.serving.setFault('echo', { kind: 'delay', ms: 1500 });
    const rule = await call(gw(), '/v1/limits', {
      method: 'PUT',
      token: admin,
      body: { scope: 'user', subject: 'manager', limits: { max_in_flight: 2 } },
    });
    await policyApplied();
    const path = `/v1/ondemand/${machineB.machine_id}/slow_one`;
    const slow = [
      call(gw(), `/v1/ondemand/${machineA.machine_id}/slow`, { token: manager, body: {} }),
      call(gw(), `/v1/ondemand/${machineA.machine_id}/slow`, { token: manager, body: {} }),
    ];
    await new Promise((r) => setTimeout(r, 200));
    const third = await call(gw(), path, { token: manager, body: {} });
    expect(third.status).toBe(429);
    expect(third.json.error.details).toMatchObject({ reason: 'in_flight', limit: 2 });
    expect((await Promise.all(slow)).map((a) => a.status)).toEqual([200, 200]);
    stack.serving.clearFaults();
    await call(gw(), `/v1/limits/${rule.json.id}`, { method: 'DELETE', token: admin });
    await policyApplied();
  });
});

describe('in-flight caps of serving machines and endpoints', () => {
  it('keeps other machines and endpoints answering while one model hangs', async () => {
    await stack.serving.setFault('echo', { kind: 'hang' });
    // 10 calls to the hanging model of machine A (cap 3): 3 hang, 7 are refused at once. Without the
    // cap they would take all 8 invocation slots of the router and machine B would wait too.
    const hanging = Array.from({ length: 10 }, () => call(gw(), `/v1/ondemand/${machineA.machine_id}/slow`, { token: admin, body: {} }));
    const refused = await waitFor(async () => {
      const settled = await Promise.all(hanging.map((p) => Promise.race([p, new Promise((r) => setTimeout(() => r(null), 50))])));
      const done = settled.filter((a): a is Awaited<ReturnType<typeof call>> => a !== null);
      return done.length === 7 ? done : undefined;
    });
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.json.error.details).toMatchObject({ reason: 'machine_in_flight', limit: 3 });
      expect(r.headers.get('retry-after')).toBe('1');
    }
    const other = await call(gw(), `/v1/ondemand/${machineB.machine_id}/test_model_pytorch`, {
      token: admin,
      body: { url: 'https://x/5.jpg' },
    });
    expect(other.status).toBe(200);
    // An endpoint cap of 1 on machine B: its second call is refused, its machine's other endpoint answers.
    const first = call(gw(), `/v1/ondemand/${machineB.machine_id}/slow_one`, { token: admin, body: {} });
    await new Promise((r) => setTimeout(r, 200));
    const second = await call(gw(), `/v1/ondemand/${machineB.machine_id}/slow_one`, { token: admin, body: {} });
    expect(second.status).toBe(429);
    expect(second.json.error.details).toMatchObject({ reason: 'endpoint_in_flight', limit: 1 });
    expect(
      (await call(gw(), `/v1/ondemand/${machineB.machine_id}/test_model_pytorch`, { token: admin, body: { url: 'https://x/5.jpg' } }))
        .status,
    ).toBe(200);
    stack.serving.clearFaults();
    // The hanging calls end at the endpoint's timeout.
    expect((await Promise.all([...hanging, first])).filter((a) => a.status === 504)).toHaveLength(4);
    // The refusals are in the call log as rate_limited.
    await waitFor(
      async () => (await api(gw(), `/v1/logs/ondemand?outcome=rate_limited&limit=100`, { token: admin })).json.items.length === 8,
    );
  });
});

describe('queue authorisation', () => {
  it('refuses a queue the task does not list with 403 before anything reaches ClearML', async () => {
    const before = stack.clearml.calls();
    const refused = await api(gw(), '/v1/runs', { token: observer, body: { task_id: task.task_id, queue: 'privileged', params: {} } });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      error: {
        code: 'forbidden',
        message: 'queue "privileged" is not allowed for this task',
        details: { reason: 'queue_not_allowed', allowed_queues: ['default', 'gpu'] },
      },
    });
    const compat = await api(gw(), '/clearml/serve/enqueue_task', {
      body: { access_token: observer, task_id: task.task_id, queue: 'privileged' },
    });
    expect(compat.status).toBe(403);
    await new Promise((r) => setTimeout(r, 500));
    const after = stack.clearml.calls();
    for (const endpoint of ['tasks.clone', 'tasks.enqueue', 'tasks.get_by_id'])
      expect([endpoint, after[endpoint] ?? 0]).toEqual([endpoint, before[endpoint] ?? 0]);
    // An allowed queue reaches ClearML.
    const accepted = await api(gw(), '/v1/runs', { token: observer, body: { task_id: task.task_id, queue: 'gpu', params: {} } });
    expect(accepted.status).toBe(202);
    await waitFor(() => (stack.clearml.calls()['tasks.enqueue'] ?? 0) > (before['tasks.enqueue'] ?? 0));
  });

  it('refuses runs over the caller’s runs per day with 429 and the time until midnight (UTC)', async () => {
    const rule = await call(gw(), '/v1/limits', {
      method: 'PUT',
      token: admin,
      body: { scope: 'task', subject: task.task_id, user: 'areamanager', limits: { runs_per_day: 2 } },
    });
    expect(rule.status).toBe(200);
    const areamanager = await stack.oidc.mint({ username: 'areamanager', roles: ['AreaManager'] });
    await waitFor(async () => {
      // the registry reads the rules on the announcement as well
      const r = await call(gw(), '/v1/runs', { token: areamanager, body: { task_id: task.task_id, params: {} } });
      return r.status === 429 ? r : undefined;
    }).then((r) => {
      const untilMidnight = Math.ceil((Math.ceil(Date.now() / 86_400_000) * 86_400_000 - Date.now()) / 1000);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(untilMidnight + 1);
      expect(r.json.error.details).toMatchObject({ reason: 'runs_per_day' });
    });
    const mine = await api(gw(), '/v1/runs?limit=50', { token: areamanager });
    expect(mine.json.items).toHaveLength(2);
  });
});

describe('suspension', () => {
  it('refuses every request of a suspended user with 403, stops their runs in ClearML, and records who did it and why', async () => {
    const run = await api(gw(), '/v1/runs', { token: manager, body: { task_id: task.task_id, params: {} } });
    expect(run.status).toBe(202);
    // a run that keeps running: its clone's name starts with "long"
    const longTask = (
      await api(gw(), '/v1/tasks', {
        token: admin,
        body: { clearml_task_id: LIMITS_TEMPLATE_TASK, default_queue: 'default', name: 'long_training' },
      })
    ).json;
    const long = await api(gw(), '/v1/runs', { token: manager, body: { task_id: longTask.task_id, params: {} } });
    const clone = await waitFor(async () => (await api(gw(), `/v1/runs/${long.json.run_id}`, { token: manager })).json.clearml_task_id);
    await waitFor(() => stack.clearml.store.tasks.get(clone)?.status === 'in_progress');

    const suspended = await call(stack.gateways[1], '/v1/admin/suspensions/manager', {
      method: 'PUT',
      token: admin,
      body: { reason: 'shared their token in a public notebook', stop_runs: true },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.json).toMatchObject({ username: 'manager', suspended_by: 'rootadmin', runs_stopped: expect.any(Number) });
    expect(suspended.json.runs_stopped).toBeGreaterThanOrEqual(1);
    const message = 'your account is suspended by an administrator: shared their token in a public notebook';
    for (const base of stack.gateways) {
      await waitFor(async () => (await call(base, '/v1/runs', { token: manager })).status === 403);
      for (const request of [
        call(base, `/v1/ondemand/${machineB.machine_id}/test_model_pytorch`, { token: manager, body: {} }),
        call(base, '/clearml/serve/ondemand', {
          body: { access_token: manager, machine_id: machineB.machine_id, endpoint: 'test_model_pytorch' },
        }),
        call(base, '/v1/runs', { token: manager, body: { task_id: task.task_id, params: {} } }),
        call(base, '/clearml/serve/enqueue_task', { body: { access_token: manager, task_id: task.task_id } }),
        call(base, '/v1/usage', { token: manager }),
      ]) {
        expect(await request).toMatchObject({
          status: 403,
          json: { error: { code: 'forbidden', message, details: { reason: 'suspended' } } },
        });
      }
    }
    // The running clone was asked to stop (the agent then stops it).
    await waitFor(() => {
      const t = stack.clearml.store.tasks.get(clone);
      return t?.status === 'stopped' || t?.status_message === 'stopping';
    });
    // Others still work; only administrators read the suspensions and the audit log.
    expect(
      (await call(gw(), `/v1/ondemand/${machineB.machine_id}/test_model_pytorch`, { token: observer, body: { url: 'https://x/5.jpg' } }))
        .status,
    ).toBe(200);
    expect((await call(gw(), '/v1/admin/audit', { token: observer })).status).toBe(403);
    expect((await call(gw(), '/v1/admin/suspensions', { token: admin })).json.items).toEqual([
      expect.objectContaining({ username: 'manager', reason: 'shared their token in a public notebook' }),
    ]);

    const lifted = await call(gw(), '/v1/admin/suspensions/manager?reason=token%20rotated', { method: 'DELETE', token: admin });
    expect(lifted).toMatchObject({ status: 200, json: { username: 'manager', lifted: true } });
    for (const base of stack.gateways) await waitFor(async () => (await call(base, '/v1/runs', { token: manager })).status === 200);

    const audit = await call(gw(), '/v1/admin/audit?target=manager', { token: admin });
    expect(audit.json.items.map((r: { action: string }) => r.action)).toEqual(['user.unsuspend', 'user.suspend']);
    expect(audit.json.items[1]).toMatchObject({
      actor: 'rootadmin',
      action: 'user.suspend',
      target: 'manager',
      reason: 'shared their token in a public notebook',
      details: { stop_runs: true, runs: expect.arrayContaining([long.json.run_id]) },
      at: expect.any(String),
    });
    expect(audit.json.items[0]).toMatchObject({ actor: 'rootadmin', reason: 'token rotated' });
    const limitChanges = await call(gw(), '/v1/admin/audit?action=limits.set', { token: admin });
    expect(limitChanges.json.items.find((r: { target: string }) => r.target === 'user:observer')).toMatchObject({
      reason: 'noisy dashboard',
    });
  });
});

describe('usage', () => {
  it('shows each caller their own usage and administrators everyone’s, as JSON or CSV, with the refusals counted as errors', async () => {
    const mine = await call(gw(), '/v1/usage?group_by=user', { token: observer });
    expect(mine.status).toBe(200);
    expect(mine.json.ondemand.map((r: { user: string }) => r.user)).toEqual(['observer']);
    expect(mine.json.ondemand[0].calls).toBeGreaterThan(0);
    expect((await call(gw(), '/v1/usage?user=rootadmin', { token: observer })).status).toBe(403);
    const all = await call(gw(), '/v1/usage?group_by=endpoint', { token: admin });
    const slow = all.json.ondemand.find(
      (r: { endpoint: string; machine_id: string }) => r.endpoint === 'slow' && r.machine_id === machineA.machine_id,
    );
    // 2 answered (delayed), 3 timed out, 7 refused by the machine's cap
    expect([slow.calls, slow.errors]).toEqual([12, 10]);
    const csv = await fetch(`${gw()}/v1/usage?group_by=user`, { headers: { authorization: `Bearer ${admin}`, accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('kind,bucket,user,')).toBe(true);
    expect(lines.some((l) => l.startsWith('ondemand,') && l.includes(',observer,'))).toBe(true);
    expect(lines.some((l) => l.startsWith('runs,') && l.includes(',areamanager,'))).toBe(true);
  });
});
