import { randomUUID } from 'node:crypto';
import { Alert, alertRaised, runStatusChanged, taskStatusChanged } from '@cleargate/contracts';
import { decodeJson, ensureStreams } from '@cleargate/messaging';
import { createRuntime } from '@cleargate/observability';
import { ClearmlPeer, ClearmlRawClient, startClearmlPeer } from '@cleargate/peers';
import { connectTestBus, DEV_NATS_URL, dropNamespace, TestBus, createTestNamespace, waitFor } from '@cleargate/testing';
import { loadMonitorConfig } from './config';
import { startMonitor } from './main';

jest.setTimeout(60_000);

interface Harness {
  peer: ClearmlPeer;
  bus: TestBus;
  namespace: string;
  alerts: Alert[];
  changes: { task_id: string; status: string }[];
  runs: { run_id: string; status: string }[];
  monitor: Awaited<ReturnType<typeof startMonitor>>;
  close(): Promise<void>;
}

async function harness(env: Record<string, string> = {}, peerOptions: Parameters<typeof startClearmlPeer>[0] = {}): Promise<Harness> {
  const peer = await startClearmlPeer({
    agents: false,
    seed: {
      projects: [{ id: 'p-snap', name: 'Snap4City' }],
      queues: [
        { id: 'q-default', name: 'default', default: true },
        { id: 'q-gpu', name: 'gpu' },
      ],
      tasks: [{ id: 'seed-old', name: 'old', project: 'p-snap', status: 'completed' }],
    },
    ...peerOptions,
  });
  const namespace = await createTestNamespace();
  const bus = await connectTestBus(namespace);
  await ensureStreams(bus.nats, ['events', 'alerts']);
  const alerts: Alert[] = [];
  const changes: { task_id: string; status: string }[] = [];
  const runs: { run_id: string; status: string }[] = [];
  bus.nats.connection.subscribe(bus.nats.subject(alertRaised.subject), {
    callback: (_e, m) => void alerts.push(decodeJson(m.data) as Alert),
  });
  bus.nats.connection.subscribe(bus.nats.subject(taskStatusChanged.subject), {
    callback: (_e, m) => void changes.push(decodeJson(m.data) as { task_id: string; status: string }),
  });
  bus.nats.connection.subscribe(bus.nats.subject(runStatusChanged.subject), {
    callback: (_e, m) => void runs.push(decodeJson(m.data) as { run_id: string; status: string }),
  });
  const monitor = await startMonitor(
    loadMonitorConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      CLEARML_API_HOST: peer.url,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      CLEARML_WEB_HOST: 'http://clearml.example.org',
      MONITOR_POLL_INTERVAL_MS: '300',
      MONITOR_LEASE_TTL_MS: '2000',
      MONITOR_UNREACHABLE_AFTER_MS: '500',
      MONITOR_ALERT_RULES: JSON.stringify([{ name: 'done', statuses: ['failed', 'completed'] }]),
      ...env,
    }),
    createRuntime('monitor', process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  // The first poll fixes the starting point ("now" on the server); changes made before it are history.
  await waitFor(() => monitor.monitor.isLeader && monitor.monitor.lastPollAt !== null, { message: 'monitor polling' });
  return {
    peer,
    bus,
    namespace,
    alerts,
    changes,
    runs,
    monitor,
    async close() {
      await monitor.close();
      await bus.close();
      await peer.close();
      await dropNamespace(namespace);
    },
  };
}

async function streamCount(h: Harness, stream: string) {
  return (await h.bus.nats.manager.streams.info(h.bus.nats.name(stream))).state.messages;
}

describe('monitor', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('alerts once for a failed task with its last console lines and the log link, and never for history', async () => {
    h = await harness();
    h.peer.store.seed({
      tasks: [{ id: 't-fail', name: 'train_mnist_20261126_101010', project: 'p-snap', status: 'in_progress', queue: 'gpu' }],
    });
    h.peer.control.appendLog('t-fail', [
      'epoch 1 loss 0.9',
      'epoch 2 loss 0.7\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory',
    ]);
    const failedAt = Date.now();
    h.peer.control.setTaskStatus('t-fail', 'failed', 'worker execution exit code 1');
    const alert = await waitFor(() => h.alerts.find((a) => a.task?.id === 't-fail'), { timeoutMs: 2300 });
    expect(Date.now() - failedAt).toBeLessThan(2300);
    expect(alert).toMatchObject({
      kind: 'task_status',
      severity: 'critical',
      title: 'Task train_mnist_20261126_101010 failed',
      task: { status: 'failed', project: 'Snap4City', status_reason: 'worker execution exit code 1' },
      labels: { status: 'failed', project: 'Snap4City', rule: 'done' },
    });
    expect(alert.task!.log_url).toBe('http://clearml.example.org/projects/p-snap/tasks/t-fail/output/log');
    expect(alert.console_lines.slice(-2)).toEqual(['Traceback (most recent call last):', 'RuntimeError: CUDA out of memory'].slice(-2));
    expect(alert.console_lines).toContain('epoch 1 loss 0.9');
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.alerts.filter((a) => a.task?.id === 't-fail')).toHaveLength(1);
    expect(await streamCount(h, 'ALERTS')).toBe(1);
    // The completed task from before the monitor started was never reported.
    expect(h.alerts.some((a) => a.task?.id === 'seed-old')).toBe(false);
  });

  it('sees every one of more than 500 changes made inside one poll window', async () => {
    h = await harness({ MONITOR_POLL_INTERVAL_MS: '3000' });
    await new Promise((r) => setTimeout(r, 400)); // right after a poll
    const ids = Array.from({ length: 620 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    h.peer.store.seed({ tasks: ids.map((id) => ({ id, name: id, project: 'p-snap', status: 'in_progress' as const })) });
    for (const id of ids) h.peer.control.setTaskStatus(id, 'completed');
    await waitFor(() => new Set(h.alerts.map((a) => a.task?.id)).size >= 620, { timeoutMs: 20_000, message: '620 alerts' });
    expect(new Set(h.alerts.map((a) => a.task!.id))).toEqual(new Set(ids));
    expect(await streamCount(h, 'ALERTS')).toBe(620);
  });

  it('uses the server’s clock: a server hours behind the local clock loses nothing', async () => {
    h = await harness({}, { clockSkewMs: -3 * 3600_000 });
    h.peer.store.seed({ tasks: [{ id: 'skewed', name: 'skewed', project: 'p-snap', status: 'in_progress' }] });
    h.peer.control.setTaskStatus('skewed', 'failed');
    const alert = await waitFor(() => h.alerts.find((a) => a.task?.id === 'skewed'), { timeoutMs: 3000 });
    expect(Date.parse(alert.at)).toBeLessThan(Date.now() - 2 * 3600_000);
  });

  it('keeps ClearGate runs in step with their cloned tasks', async () => {
    h = await harness();
    const runId = randomUUID();
    h.peer.store.seed({
      tasks: [
        {
          id: 'clone-1',
          name: 'clone',
          project: 'p-snap',
          status: 'queued',
          queue: 'default',
          system_tags: ['cleargate', `cleargate-run:${runId}`],
        },
      ],
    });
    h.peer.control.setTaskStatus('clone-1', 'in_progress');
    await waitFor(() => h.runs.find((r) => r.run_id === runId && r.status === 'in_progress'));
    h.peer.control.setTaskStatus('clone-1', 'completed');
    await waitFor(() => h.runs.find((r) => r.run_id === runId && r.status === 'completed'));
    expect(h.changes.filter((c) => c.task_id === 'clone-1').map((c) => c.status)).toEqual(['in_progress', 'completed']);
  });

  it('alerts when ClearML is unreachable and again when it is back', async () => {
    h = await harness();
    await h.peer.stop();
    const down = await waitFor(() => h.alerts.find((a) => a.kind === 'clearml_unreachable'), { timeoutMs: 10_000 });
    expect(down.details).toMatch(/Failing since/);
    await h.peer.start();
    const back = await waitFor(() => h.alerts.find((a) => a.kind === 'clearml_recovered'), { timeoutMs: 10_000 });
    expect(back.alert_id).toBe(down.alert_id.replace('unreachable', 'recovered'));
    const metrics = await fetch(`http://127.0.0.1:${h.monitor.opsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^cleargate_monitor_clearml_up 1$/m);
    expect(metrics).toMatch(/cleargate_monitor_poll_errors_total\{reason="unreachable"\} [1-9]/);
  });

  it('alerts on and stops a task running past its queue’s limit (server clock)', async () => {
    h = await harness(
      { MONITOR_RUNAWAY_LIMITS: '{"gpu": 60}', MONITOR_RUNAWAY_STOP: 'true' },
      { agents: { script: { durationMs: 3_600_000 } } },
    );
    const started = new Date(Date.now() - 120_000).toISOString();
    h.peer.store.seed({ tasks: [{ id: 'long', name: 'endless', project: 'p-snap', status: 'in_progress', queue: 'gpu', started }] });
    const alert = await waitFor(() => h.alerts.find((a) => a.kind === 'runaway'), { timeoutMs: 5000 });
    expect(alert.task).toMatchObject({ id: 'long', queue: 'gpu' });
    expect(alert.task!.running_seconds).toBeGreaterThanOrEqual(119);
    await waitFor(() => h.peer.calls()['tasks.stop']! >= 1);
    const task = await fetch(`${h.peer.url}/__peer/tasks/long`).then(
      (r) => r.json() as Promise<{ status_reason?: string; status_message?: string }>,
    );
    expect(JSON.stringify(task)).toMatch(/runaway guard/);
    await new Promise((r) => setTimeout(r, 800));
    expect(h.alerts.filter((a) => a.kind === 'runaway')).toHaveLength(1);
  });

  it('exports ClearML gauges', async () => {
    h = await harness({ MONITOR_GAUGES_INTERVAL_MS: '1000' });
    h.peer.store.seed({ tasks: [{ id: 'waiting', name: 'waiting', project: 'p-snap', status: 'queued', queue: 'gpu' }] });
    await waitFor(
      async () =>
        /cleargate_monitor_queue_length\{queue="gpu"\} 1/.test(
          await fetch(`http://127.0.0.1:${h.monitor.opsPort}/metrics`).then((r) => r.text()),
        ),
      { timeoutMs: 5000 },
    );
    const metrics = await fetch(`http://127.0.0.1:${h.monitor.opsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/cleargate_monitor_tasks\{status="queued",queue="gpu"\} 1/);
    expect(metrics).toMatch(/^cleargate_monitor_leader 1$/m);
    expect(metrics).toMatch(/cleargate_monitor_queue_oldest_age_seconds\{queue="gpu"\}/);
  });

  it('exports the machine statistics of every worker: CPU, memory, free disk, and use and memory of each GPU', async () => {
    h = await harness({ MONITOR_GAUGES_INTERVAL_MS: '1000' }, { agents: { statsIntervalMs: 200, machine: { gpus: 2, cpus: 4 } } });
    const scrape = () => fetch(`http://127.0.0.1:${h.monitor.opsPort}/metrics`).then((r) => r.text());
    const metrics = await waitFor(
      async () => ((await scrape()).match(/worker_gpu_memory_used_bytes\{worker="peer-agent-gpu:0",gpu="1"\}/) ? scrape() : undefined),
      {
        timeoutMs: 8000,
      },
    );
    const value = (line: RegExp) => Number(metrics.match(line)?.[1]);
    expect(value(/cleargate_monitor_worker_memory_used_bytes\{worker="peer-agent-gpu:0"\} (\S+)/)).toBe(1900 * 1024 * 1024);
    expect(value(/cleargate_monitor_worker_gpu_memory_used_bytes\{worker="peer-agent-gpu:0",gpu="0"\} (\S+)/)).toBe(310 * 1024 * 1024);
    expect(value(/cleargate_monitor_worker_cpu_usage_percent\{worker="peer-agent-gpu:0"\} (\S+)/)).toBeLessThan(10);
    expect(value(/cleargate_monitor_worker_disk_free_home_percent\{worker="peer-agent-gpu:0"\} (\S+)/)).toBe(62);
    expect(metrics).toMatch(/cleargate_monitor_worker_queue_info\{worker="peer-agent-gpu:0",queue="gpu"\} 1/);
    expect(metrics).toMatch(/cleargate_monitor_worker_busy\{worker="peer-agent-default:0"\} 0/);
    // A machine whose GPU memory fills up shows it (the minute's mean of its reports climbs from 310 MB towards 15.9 GB).
    h.peer.control.setMachineStats('peer-agent-gpu:0', { gpu_memory_used: [16_000, 15_900] });
    await waitFor(
      async () =>
        Number((await scrape()).match(/worker_gpu_memory_used_bytes\{worker="peer-agent-gpu:0",gpu="1"\} (\S+)/)?.[1]) > 8 * 1024 ** 3,
      { timeoutMs: 8000 },
    );
  });

  it('gives a finished run the worker it ran on and its GPU time: running time × the GPUs its worker reports', async () => {
    h = await harness({}, { agents: { statsIntervalMs: 100, pollIntervalMs: 10, script: { durationMs: 1500 }, machine: { gpus: 2 } } });
    const runId = randomUUID();
    h.peer.store.seed({
      tasks: [
        { id: 'tmpl-gpu', name: 'template', project: 'p-snap', status: 'completed' },
        { id: 'clone-gpu', name: 'clone', project: 'p-snap', status: 'created', system_tags: ['cleargate', `cleargate-run:${runId}`] },
      ],
    });
    const api = new ClearmlRawClient(h.peer.url);
    await api.login();
    await api.ok('tasks.enqueue', { task: 'clone-gpu', queue_name: 'gpu' });
    const done = (await waitFor(() => h.runs.find((r) => r.run_id === runId && r.status === 'completed'), { timeoutMs: 10_000 })) as {
      worker?: string;
      gpu_seconds?: number;
    };
    const task = h.peer.store.tasks.get('clone-gpu')!;
    const running = (task.status_changed!.getTime() - task.started!.getTime()) / 1000;
    expect(done.worker).toBe('peer-agent-gpu:0');
    expect(done.gpu_seconds).toBeCloseTo(running * 2, 2);
    expect(h.runs.find((r) => r.run_id === runId && r.status === 'in_progress')).toMatchObject({ worker: 'peer-agent-gpu:0' });
  });
});
