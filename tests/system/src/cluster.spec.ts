import { createTestDatabase, natsCluster, natsPasswords, ServiceProcess, TestDatabase, waitFor } from '@cleargate/testing';
import { awaitOneCloneEach, BusStack, startBusStack, testClient } from './support/bus-stack';
import { traffic } from './support/load';

jest.setTimeout(240_000);

/**
 * The production topology on one machine: a 3-node NATS cluster (JetStream streams and KV
 * buckets with 3 replicas) and two replicas of the gateway, router, worker, registry and monitor.
 * One NATS node is killed with SIGKILL mid-run and started again later.
 */
const passwords = natsPasswords();
let cluster: Awaited<ReturnType<typeof natsCluster>>;
let db: TestDatabase;
let stack: BusStack;

const isLeader = async (m: ServiceProcess) =>
  /^cleargate_monitor_leader 1$/m.test(
    (await (await fetch(`http://127.0.0.1:${m.opsPort}/metrics`).catch(() => null))?.text().catch(() => '')) ?? '',
  );

beforeAll(async () => {
  cluster = await natsCluster({ passwords });
  db = await createTestDatabase();
  stack = await startBusStack({
    natsUrl: cluster.url,
    passwords,
    databaseUrl: db.url,
    replicas: { registry: 2, 'ondemand-router': 2, 'auth-gateway': 2, 'enqueue-worker': 2, monitor: 2 },
    env: {
      registry: { JETSTREAM_REPLICAS: '3', RUN_REPUBLISH_INTERVAL_MS: '1000', RUN_REPUBLISH_AFTER_MS: '3000' },
      'auth-gateway': { ONDEMAND_TIMEOUT_MS: '5000' },
      // The monitor's lease as shipped (20 s; the other tests shorten it): its lead survives a NATS
      // node going, the renewal retried for 15 s, longer than the bucket's stream takes to elect a
      // new leader (4–9 s and a campaign).
      monitor: { MONITOR_LEASE_TTL_MS: '20000' },
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await cluster?.stop();
  await db?.drop();
});

describe('a 3-node NATS cluster, one node killed mid-run', () => {
  it('keeps every stream and bucket on three nodes', async () => {
    const client = await testClient(cluster.url, 'operator', { user: 'operator', password: passwords.operator });
    try {
      for await (const info of client.manager.streams.list()) {
        expect({ stream: info.config.name, replicas: info.config.num_replicas, followers: info.cluster?.replicas?.length }).toEqual({
          stream: info.config.name,
          replicas: 3,
          followers: 2,
        });
      }
      const names: string[] = [];
      for await (const info of client.manager.streams.list()) names.push(info.config.name);
      expect(names).toEqual(expect.arrayContaining(['CLEARGATE_ENQUEUE', 'CLEARGATE_EVENTS', 'KV_CLEARGATE_MONITOR_LEASE']));
    } finally {
      await client.close();
    }
  });

  it('loses and doubles no accepted run, fails on-demand calls over within seconds, and keeps exactly one monitor leader', async () => {
    const monitors = stack.processes.monitor;
    // The leader of ENQUEUE goes: the worst node to lose.
    const client = await testClient(cluster.url, 'operator', { user: 'operator', password: passwords.operator });
    const leaderName = (await client.manager.streams.info('CLEARGATE_ENQUEUE')).cluster!.leader!;
    // The monitors' lease bucket led from the same node, so its stream must elect a new leader
    // too (4–9 s, nats-server's raft election timeout) while the lease is being renewed.
    const lease = 'KV_CLEARGATE_MONITOR_LEASE';
    await waitFor(
      async () => {
        if ((await client.manager.streams.info(lease)).cluster?.leader === leaderName) return true;
        await client.connection
          .request(`$JS.API.STREAM.LEADER.STEPDOWN.${lease}`, JSON.stringify({ placement: { preferred: leaderName } }), { timeout: 5000 })
          .catch(() => undefined);
        return false;
      },
      { timeoutMs: 30_000, intervalMs: 1000, message: `the lease bucket led from ${leaderName}` },
    );
    await client.close();
    const victim = cluster.nodes[Number(leaderName.slice(1)) - 1]!;

    // Leaders seen by each sample of both monitors, from the first election on: always exactly one.
    await waitFor(async () => (await Promise.all(monitors.map(isLeader))).filter(Boolean).length === 1, {
      timeoutMs: 20_000,
      message: 'one monitor leads',
    });
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push((await Promise.all(monitors.map(isLeader))).filter(Boolean).length);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const load = traffic({
      gateways: () => stack.gatewayUrls,
      token: stack.user,
      machineId: stack.machineId,
      taskId: stack.taskId,
      callClients: 2,
      runClients: 2,
    });
    await waitFor(() => load.accepted().length >= 20, { timeoutMs: 60_000, message: '20 runs accepted' });
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const killSample = samples.length;
    const acceptedAtKill = load.accepted().length;
    await waitFor(() => load.accepted().length >= acceptedAtKill + 20, { timeoutMs: 60_000, message: '20 runs accepted on two nodes' });
    const callsAtRestart = load.calls.length;
    await victim.start();
    const acceptedAtRestart = load.accepted().length;
    await waitFor(() => load.accepted().length >= acceptedAtRestart + 10, {
      timeoutMs: 60_000,
      message: '10 runs accepted after the restart',
    });
    await load.stop();

    // On-demand calls: the failures the kill caused all ended within a few seconds of it.
    const afterKill = load.calls.slice(0, callsAtRestart).filter((c) => c.startedAt >= killedAt - 5000);
    const failed = afterKill.filter((c) => c.status !== 200);
    const failoverMs = failed.length ? Math.max(...failed.map((c) => c.endedAt)) - killedAt : 0;
    expect(failoverMs).toBeLessThan(5000);
    expect(afterKill.filter((c) => c.startedAt > killedAt + 5000 && c.status !== 200)).toEqual([]);
    expect(failed.filter((c) => ![503, 504].includes(c.status))).toEqual([]);

    // Every accepted run reaches ClearML exactly once.
    const accepted = load.accepted();
    const clones = await awaitOneCloneEach(stack, accepted, 120_000);
    expect(accepted.filter((id) => clones.get(id) !== 1)).toEqual([]);

    // The monitors: one leader at every sample, through the kill and the restart.
    sampling = false;
    await sampler;
    if (samples.some((n) => n !== 1)) {
      // What the monitors said about their lease, to tell a slow election from a lease bug.
      console.log(`leaders per sample ${samples.join('')}, the kill before sample ${killSample}`);
      for (const m of monitors) console.log(m.lines.filter((l) => /lease|leader|standing by/.test(l)).join('\n'));
    }
    expect(samples.filter((n) => n !== 1)).toEqual([]);
    for (const p of stack.all) expect({ service: p.name, exit: p.child.exitCode }).toEqual({ service: p.name, exit: null });
    console.log(
      `cluster: node ${leaderName} (leader of ENQUEUE) killed; ${failed.length} on-demand calls failed, the last ending ${failoverMs} ms ` +
        `after the kill; ${accepted.length} runs accepted, each cloned once; one monitor leader in all ${samples.length} samples`,
    );
  });
});
