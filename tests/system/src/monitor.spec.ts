import { Alert, alertRaised } from '@cleargate/contracts';
import { decodeJson, ensureStreams } from '@cleargate/messaging';
import { ClearmlPeer, startClearmlPeer } from '@cleargate/peers';
import {
  connectTestBus,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  ServiceProcess,
  serviceProcess,
  TestBus,
  createTestNamespace,
  waitFor,
} from '@cleargate/testing';

/**
 * The monitor as deployed (built process), killed with SIGKILL mid-burst and as the leader of
 * two replicas, against the ClearML peer.
 */
let peer: ClearmlPeer;
let bus: TestBus;
let namespace: string;
const published: Alert[] = [];
const monitors: ServiceProcess[] = [];

async function monitorProcess(): Promise<ServiceProcess> {
  const m = serviceProcess(
    'monitor',
    {
      NATS_URL: DEV_NATS_URL,
      NATS_NAMESPACE: namespace,
      CLEARML_API_HOST: peer.url,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      MONITOR_POLL_INTERVAL_MS: '200',
      MONITOR_PAGE_SIZE: '50',
      MONITOR_LEASE_TTL_MS: '3000',
      MONITOR_ALERT_RULES: '[{"name":"failures","statuses":["failed"]}]',
      LOG_LEVEL: 'info',
    },
    await freePort(),
  );
  monitors.push(m);
  return m;
}

const isLeader = async (m: ServiceProcess) =>
  /^cleargate_monitor_leader 1$/m.test(
    await fetch(`http://127.0.0.1:${m.opsPort}/metrics`).then(
      (r) => r.text(),
      () => '',
    ),
  );

const alertsStored = async () => (await bus.nats.manager.streams.info(bus.nats.name('ALERTS'))).state.messages;

beforeEach(async () => {
  published.length = 0;
  peer = await startClearmlPeer({
    agents: false,
    seed: { projects: [{ id: 'p1', name: 'Snap4City' }], queues: [{ id: 'q1', name: 'default', default: true }] },
  });
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  await ensureStreams(bus.nats, ['events', 'alerts']);
  bus.nats.connection.subscribe(bus.nats.subject(alertRaised.subject), {
    callback: (_e, m) => void published.push(decodeJson(m.data) as Alert),
  });
});

afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.stop()));
  await bus.close();
  await peer.close();
  await dropNamespace(namespace);
});

it('misses no alert and stores none twice when killed with SIGKILL during a burst of 200 changes', async () => {
  const monitor = await monitorProcess();
  await monitor.start();
  await waitFor(() => isLeader(monitor));
  await waitFor(() => monitor.lines.some((l) => l.includes('monitoring task changes')));
  const ids = Array.from({ length: 200 }, (_, i) => `burst-${String(i).padStart(3, '0')}`);
  peer.store.seed({ tasks: ids.map((id) => ({ id, name: id, project: 'p1', status: 'in_progress' as const })) });
  for (const [i, id] of ids.entries()) {
    peer.control.setTaskStatus(id, 'failed', 'exit code 1');
    if (i === 80) await monitor.kill('SIGKILL');
    if (i === 120) await monitor.start();
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 30));
  }
  await waitFor(() => new Set(published.map((a) => a.task?.id)).size >= 200, { timeoutMs: 30_000, message: '200 distinct alerts' });
  expect(new Set(published.map((a) => a.task!.id))).toEqual(new Set(ids));
  await new Promise((r) => setTimeout(r, 1000));
  expect(await alertsStored()).toBe(200);
});

it('lets one of two replicas poll and fails over within the lease time when the leader dies', async () => {
  const first = await monitorProcess();
  const second = await monitorProcess();
  await first.start();
  await waitFor(() => isLeader(first));
  await second.start();
  await new Promise((r) => setTimeout(r, 1500));
  expect([await isLeader(first), await isLeader(second)]).toEqual([true, false]);
  // The standby does not poll: only the leader's calls reach ClearML.
  expect(second.lines.filter((l) => l.includes('monitoring task changes'))).toEqual([]);

  peer.store.seed({ tasks: [{ id: 'before', name: 'before', project: 'p1', status: 'in_progress' }] });
  peer.control.setTaskStatus('before', 'failed');
  await waitFor(() => published.some((a) => a.task?.id === 'before'));

  await first.kill('SIGKILL');
  const killedAt = Date.now();
  await waitFor(() => isLeader(second), { timeoutMs: 10_000, intervalMs: 100 });
  expect(Date.now() - killedAt).toBeLessThan(3000 + 1500);
  peer.store.seed({ tasks: [{ id: 'after', name: 'after', project: 'p1', status: 'in_progress' }] });
  peer.control.setTaskStatus('after', 'failed');
  await waitFor(() => published.some((a) => a.task?.id === 'after'), { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 500));
  expect(await alertsStored()).toBe(2);
});
