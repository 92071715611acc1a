import { Client } from 'pg';
import {
  api,
  createTestDatabase,
  Json,
  natsPasswords,
  natsServer,
  NatsServer,
  postgresServer,
  PostgresServer,
  ServiceProcess,
  waitFor,
} from '@cleargate/testing';
import { awaitOneCloneEach, BusStack, startBusStack, testClient } from './support/bus-stack';
import { call, traffic } from './support/load';

jest.setTimeout(180_000);

/**
 * Faults with real processes: NATS and PostgreSQL of the test's own, restarted or killed under
 * traffic; the services stopped with SIGTERM while calls are in flight, and killed with SIGKILL.
 */
const passwords = natsPasswords();
let nats: NatsServer;
let pg: PostgresServer;
let stack: BusStack;

const ready = async (p: ServiceProcess) => (await fetch(`http://127.0.0.1:${p.opsPort}/health/ready`).catch(() => null))?.status === 200;
const pids = () => stack.all.map((p) => p.child?.pid);

async function callLogIds(ids: string[]): Promise<Set<string>> {
  const db = new Client({ connectionString: pg.url });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT correlation_id FROM ondemand_calls WHERE correlation_id = ANY($1)', [ids]);
    return new Set(rows.map((r: { correlation_id: string }) => r.correlation_id));
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  nats = await natsServer({ passwords, syncAlways: true });
  await nats.start();
  pg = await postgresServer();
  await pg.start();
  stack = await startBusStack({
    natsUrl: nats.url,
    passwords,
    databaseUrl: pg.url,
    env: {
      // Runs whose publish was cut off by the outage are published again within seconds.
      registry: { RUN_REPUBLISH_INTERVAL_MS: '1000', RUN_REPUBLISH_AFTER_MS: '2000', DATABASE_CONNECT_TIMEOUT_MS: '1000' },
      'ondemand-router': { CALLLOG_FLUSH_MS: '50', SHUTDOWN_GRACE_MS: '20000' },
      // A call whose router is killed under it: 503 three missed heartbeats (0.9 s) after its last
      // one; without heartbeats (a router that sends none) 504 after this, not two minutes.
      'auth-gateway': { SHUTDOWN_GRACE_MS: '20000', ONDEMAND_TIMEOUT_MS: '5000', ONDEMAND_HEARTBEAT_MS: '300' },
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await nats?.kill();
  nats?.remove();
  pg?.remove();
});

describe('NATS restarted while calls and runs flow', () => {
  it('loses and doubles no accepted run, answers 503 at once during the gap and recovers without a service restart', async () => {
    const before = pids();
    const load = traffic({
      gateways: () => stack.gatewayUrls,
      token: stack.user,
      machineId: stack.machineId,
      taskId: stack.taskId,
      callClients: 2,
      runClients: 2,
    });
    await waitFor(() => load.accepted().length >= 20, { timeoutMs: 30_000, message: '20 runs accepted' });
    await nats.kill('SIGKILL');
    const killedAt = Date.now();
    // During the gap: on-demand calls and runs are refused with 503, quickly.
    await waitFor(() => load.calls.filter((c) => c.startedAt > killedAt + 200 && c.status === 503).length >= 5, {
      timeoutMs: 15_000,
      message: 'calls refused during the gap',
    });
    await waitFor(() => load.runs.some((r) => r.at > killedAt + 200 && r.status === 503), { timeoutMs: 15_000, message: 'runs refused' });
    await nats.start();
    const restartedAt = Date.now();
    await waitFor(() => load.calls.some((c) => c.startedAt > restartedAt && c.status === 200), {
      timeoutMs: 20_000,
      message: 'calls served again',
    });
    const recoveredAt = load.calls.find((c) => c.startedAt > restartedAt && c.status === 200)!.endedAt;
    const acceptedBefore = load.accepted().length;
    await waitFor(() => load.accepted().length >= acceptedBefore + 20, { timeoutMs: 30_000, message: '20 more runs accepted' });
    await load.stop();

    const gap = load.calls.filter((c) => c.startedAt > killedAt + 200 && c.startedAt < restartedAt);
    expect(gap.length).toBeGreaterThan(0);
    // Fail fast: not the endpoint's timeout, well under a second each.
    for (const c of gap) expect({ status: c.status, fast: c.endedAt - c.startedAt < 1000 }).toEqual({ status: 503, fast: true });
    expect(load.calls.filter((c) => ![200, 503].includes(c.status))).toEqual([]);
    expect(load.runs.filter((r) => ![202, 503].includes(r.status))).toEqual([]);
    // Every accepted run reaches ClearML exactly once.
    const accepted = load.accepted();
    const clones = await awaitOneCloneEach(stack, accepted);
    expect(accepted.filter((id) => clones.get(id) !== 1)).toEqual([]);
    expect([...clones.values()].filter((n) => n > 1)).toEqual([]);
    // No service was restarted.
    expect(pids()).toEqual(before);
    for (const p of stack.all) expect({ service: p.name, exit: p.child.exitCode }).toEqual({ service: p.name, exit: null });
    console.log(
      `NATS restart: ${gap.length} calls answered 503 during the gap (slowest ${Math.max(...gap.map((c) => c.endedAt - c.startedAt))} ms); ` +
        `calls served again ${recoveredAt - restartedAt} ms after the restart; ${accepted.length} runs accepted, each cloned once`,
    );
  });
});

describe('PostgreSQL restarted while calls and runs flow', () => {
  it('recovers without a restart and loses nothing it acknowledged: accepted runs and every served call’s log', async () => {
    const before = pids();
    const registry = stack.processes.registry[0]!;
    const load = traffic({
      gateways: () => stack.gatewayUrls,
      token: stack.user,
      machineId: stack.machineId,
      taskId: stack.taskId,
      callClients: 2,
      runClients: 2,
    });
    await waitFor(() => load.accepted().length >= 10, { timeoutMs: 30_000, message: '10 runs accepted' });
    pg.stop('immediate');
    const stoppedAt = Date.now();
    await waitFor(() => load.runs.some((r) => r.at > stoppedAt + 100 && r.status !== 202), { timeoutMs: 15_000, message: 'runs refused' });
    await waitFor(async () => !(await ready(registry)), { timeoutMs: 15_000, message: 'the registry not ready' });
    // On-demand calls do not need the database: they go on.
    const servedDuring = load.calls.filter((c) => c.startedAt > stoppedAt && c.status === 200).length;
    await pg.start();
    const restartedAt = Date.now();
    await waitFor(() => ready(registry), { timeoutMs: 30_000, message: 'the registry ready again' });
    await waitFor(() => load.runs.some((r) => r.at > restartedAt && r.status === 202), {
      timeoutMs: 30_000,
      message: 'runs accepted again',
    });
    await load.stop();
    expect(servedDuring).toBeGreaterThan(0);
    // Runs asked while the database was down were refused as unavailable (503, worth retrying), not as an internal error.
    const refused = load.runs.filter((r) => r.at > stoppedAt + 100 && r.at < restartedAt && r.status !== 202).map((r) => r.status);
    expect(refused.length).toBeGreaterThan(0);
    expect([...new Set(refused)]).toEqual([503]);

    const accepted = load.accepted();
    const clones = await awaitOneCloneEach(stack, accepted);
    expect(accepted.filter((id) => clones.get(id) !== 1)).toEqual([]);
    // Every call the gateway answered 200 was logged, those made while PostgreSQL was down too.
    const served = load.calls.filter((c) => c.status === 200).map((c) => c.id);
    await waitFor(async () => (await callLogIds(served)).size === served.length, {
      timeoutMs: 60_000,
      intervalMs: 500,
      message: `all ${served.length} served calls logged`,
    });
    expect(pids()).toEqual(before);
  });
});

describe('SIGTERM with calls in flight', () => {
  async function inFlight(gateway: string, n: number) {
    stack.serving.setFault('echo', { kind: 'delay', ms: 2500 });
    const calls = Array.from({ length: n }, () => call(gateway, stack.user, stack.machineId));
    const router = stack.processes['ondemand-router'][0]!;
    await waitFor(
      async () =>
        /^cleargate_ondemand_router_in_flight_requests (\d+)$/m.exec(
          await (await fetch(`http://127.0.0.1:${router.opsPort}/metrics`)).text(),
        )?.[1] === String(n),
      { timeoutMs: 10_000, message: `${n} calls in flight` },
    );
    return calls;
  }

  async function stopAndWatch(service: ServiceProcess, calls: Promise<{ status: number; id: string; endedAt: number }>[]) {
    const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    // Readiness drops first, while the calls are still running.
    await waitFor(async () => !(await ready(service)), { timeoutMs: 2000, intervalMs: 20, message: 'readiness dropped' });
    const notReadyAt = Date.now();
    const results = await Promise.all(calls);
    const code = await exited;
    const exitedAt = Date.now();
    stack.serving.clearFaults();
    return {
      results,
      code,
      notReadyMs: notReadyAt - signalledAt,
      exitMs: exitedAt - signalledAt,
      firstAnswerAt: Math.min(...results.map((r) => r.endedAt)),
    };
  }

  it('the router finishes every call in hand, logs it, then exits; readiness drops first', async () => {
    const router = stack.processes['ondemand-router'][0]!;
    try {
      const calls = await inFlight(stack.gatewayUrls[0]!, 8);
      const { results, code, notReadyMs, exitMs } = await stopAndWatch(router, calls);
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(code).toBe(0);
      expect(notReadyMs).toBeLessThan(1000);
      // Their call-log records were flushed before the exit.
      const ids = results.map((r) => r.id);
      await waitFor(async () => (await callLogIds(ids)).size === 8, { timeoutMs: 20_000, message: 'the 8 calls logged' });
      console.log(`SIGTERM of the router: readiness dropped after ${notReadyMs} ms, 8 calls of 2.5 s finished, exit after ${exitMs} ms`);
    } finally {
      stack.serving.clearFaults();
      await router.start();
    }
  });

  it('the gateway answers every call in hand, then exits; readiness drops first and new connections are refused', async () => {
    const gateway = stack.processes['auth-gateway'][0]! as ServiceProcess & { url: string };
    try {
      const calls = await inFlight(gateway.url, 8);
      const watching = stopAndWatch(gateway, calls);
      await waitFor(async () => !(await ready(gateway)), { timeoutMs: 2000, intervalMs: 20 });
      const late = await call(gateway.url, stack.user, stack.machineId);
      const { results, code, notReadyMs, exitMs } = await watching;
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(code).toBe(0);
      // A call that arrives after the stop began finds no listener.
      expect(late.status).toBe(-1);
      console.log(`SIGTERM of the gateway: readiness dropped after ${notReadyMs} ms, 8 calls of 2.5 s answered, exit after ${exitMs} ms`);
    } finally {
      stack.serving.clearFaults();
      await gateway.start();
    }
  });
});

describe('SIGKILL of the router', () => {
  it('a call it held is answered 503 three missed heartbeats later, not when ONDEMAND_TIMEOUT_MS runs out', async () => {
    const router = stack.processes['ondemand-router'][0]!;
    await waitFor(() => ready(router), { timeoutMs: 10_000 });
    stack.serving.setFault('echo', { kind: 'delay', ms: 4000 });
    try {
      const answer = api(stack.gatewayUrls[0]!, `/v1/ondemand/${stack.machineId}/echo`, { token: stack.user, body: { n: 1 } });
      await waitFor(
        async () =>
          /^cleargate_ondemand_router_in_flight_requests (\d+)$/m.exec(
            await (await fetch(`http://127.0.0.1:${router.opsPort}/metrics`)).text(),
          )?.[1] === '1',
        { timeoutMs: 10_000, message: 'the call in the router' },
      );
      await new Promise((resolve) => setTimeout(resolve, 500)); // its heartbeats come (every 300 ms)
      await router.kill('SIGKILL');
      const killedAt = Date.now();
      const res = await answer;
      const after = Date.now() - killedAt;
      // The serving machine would have answered 3.5 s after the kill, the gateway's timeout 4.5 s after it.
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({
        error: { code: 'unavailable', message: expect.stringMatching(/router handling the call stopped answering/) },
      });
      expect(after).toBeLessThan(2500);
      console.log(`SIGKILL of the router with a call in hand: 503 after ${after} ms (heartbeats every 300 ms)`);
    } finally {
      stack.serving.clearFaults();
      await router.start();
    }
  });

  it('loses at most the call-log records of its last flush window (CALLLOG_FLUSH_MS), never an older one', async () => {
    const router = stack.processes['ondemand-router'][0]!;
    await waitFor(() => ready(router), { timeoutMs: 10_000 });
    const load = traffic({
      gateways: () => stack.gatewayUrls,
      token: stack.user,
      machineId: stack.machineId,
      taskId: stack.taskId,
      callClients: 4,
      runClients: 0,
    });
    await waitFor(() => load.calls.filter((c) => c.status === 200).length >= 300, { timeoutMs: 30_000, message: '300 calls served' });
    await router.kill('SIGKILL');
    const killedAt = Date.now();
    await load.stop();
    await router.start();
    const served = load.calls.filter((c) => c.status === 200 && c.endedAt <= killedAt);
    // Everything the router handed to JetStream reaches the database; wait until it has.
    let logged = new Set<string>();
    let previous = -1;
    await waitFor(
      async () => {
        logged = await callLogIds(served.map((c) => c.id));
        const settled = logged.size === previous;
        previous = logged.size;
        return settled && logged.size > 0;
      },
      { timeoutMs: 30_000, intervalMs: 1000, message: 'the call logs settled' },
    );
    const lost = served.filter((c) => !logged.has(c.id));
    const window = 50 + 250; // CALLLOG_FLUSH_MS, plus one publish round trip on this loaded machine
    expect(lost.filter((c) => c.endedAt < killedAt - window)).toEqual([]);
    const rate = served.length / ((killedAt - served[0]!.startedAt) / 1000);
    console.log(
      `SIGKILL of the router: ${lost.length} of ${served.length} served calls without a call-log record ` +
        `(${rate.toFixed(0)} calls/s; the newest ${window} ms before the kill held ${served.filter((c) => c.endedAt >= killedAt - window).length})`,
    );
  });
});

describe('a JetStream stream full', () => {
  it('refuses runs with 503 and a clear reason, leaves no run half-written, and accepts again once there is room', async () => {
    const own = await natsServer({ passwords });
    await own.start();
    const db = await createTestDatabase();
    const full = await startBusStack({
      natsUrl: own.url,
      passwords,
      databaseUrl: db.url,
      deferred: ['enqueue-worker'],
      // Room for a handful of runs in ENQUEUE (its work is never pushed out: discard new).
      env: { registry: { JETSTREAM_STREAM_MAX_BYTES: '{"ENQUEUE": 6000}' } },
    });
    const pgClient = new Client({ connectionString: db.url });
    await pgClient.connect();
    const client = await testClient(own.url, 'operator', { user: 'operator', password: passwords.operator });
    try {
      const gw = full.gatewayUrls[0]!;
      const accepted: string[] = [];
      let refused: { status: number; json: Json } | undefined;
      for (let i = 0; i < 100 && !refused; i++) {
        const res = await api(gw, '/v1/runs', { token: full.user, body: { task_id: full.taskId, params: { i } } });
        if (res.status === 202) accepted.push(res.json.run_id);
        else refused = res;
      }
      expect(accepted.length).toBeGreaterThan(2);
      expect(refused).toMatchObject({
        status: 503,
        json: { error: { code: 'unavailable', message: 'the run queue is full; try again later' } },
      });
      // The registry says why, with JetStream's own words.
      expect(full.processes.registry[0]!.lines.some((l) => /ENQUEUE stream is full/.test(l) && /maximum bytes exceeded/.test(l))).toBe(
        true,
      );
      // Nothing half-written: every stored run is in the queue, the refused one nowhere.
      const { rows } = await pgClient.query<{ id: string }>('SELECT id FROM runs');
      expect(rows.map((r) => r.id).sort()).toEqual([...accepted].sort());
      expect((await client.manager.streams.info('CLEARGATE_ENQUEUE')).state.messages).toBe(accepted.length);

      // The worker makes room; runs are accepted again and every accepted one is started once.
      await full.processes['enqueue-worker'][0]!.start();
      await waitFor(async () => (await client.manager.streams.info('CLEARGATE_ENQUEUE')).state.messages === 0, { timeoutMs: 30_000 });
      const again = await api(gw, '/v1/runs', { token: full.user, body: { task_id: full.taskId, params: {} } });
      expect(again.status).toBe(202);
      const clones = await awaitOneCloneEach(full, [...accepted, again.json.run_id]);
      expect([...accepted, again.json.run_id].filter((id) => clones.get(id) !== 1)).toEqual([]);
    } finally {
      await client.close();
      await pgClient.end();
      await full.close();
      await own.kill();
      own.remove();
      await db.drop();
    }
  });
});
