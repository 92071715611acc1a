import { ChatPeer, ClearmlPeer, startChatPeer, startClearmlPeer } from '@cleargate/peers';
import { DEV_NATS_URL, dropNamespace, freePort, ServiceProcess, serviceProcess, createTestNamespace, waitFor } from '@cleargate/testing';

/**
 * ClearML task states to chat alerts with the deployed processes: the monitor polls the ClearML
 * peer, the notifier delivers to the chat peer's Slack, Discord and signed-webhook sinks.
 */
const POLL_MS = 1000;
const WEBHOOK_SECRET = 'system-test-webhook-secret-0123';
let clearml: ClearmlPeer;
let chat: ChatPeer;
let namespace: string;
let monitor: ServiceProcess;
let notifier: ServiceProcess;

const channels = () => [
  { name: 'ops-slack', type: 'slack', url: `${chat.url}/services/T0SYS/B0SYS/systemHook1` },
  { name: 'ops-discord', type: 'discord', url: `${chat.url}/api/webhooks/100200300/sys-token` },
  { name: 'ops-webhook', type: 'webhook', url: `${chat.url}/webhook/ops`, secret: WEBHOOK_SECRET },
];
const SINKS = { 'ops-slack': 'slack', 'ops-discord': 'discord', 'ops-webhook': 'webhook' } as const;

const about = (channel: keyof typeof SINKS, taskName: string) =>
  chat.received(SINKS[channel]).filter((m) => m.text.includes(taskName) || JSON.stringify(m.payload).includes(taskName));

let n = 0;
function failTask(name = `train_mnist_${++n}`) {
  const id = `sys-task-${n}-${Date.now()}`;
  clearml.store.seed({ tasks: [{ id, name, project: 'p-snap', status: 'in_progress', queue: 'gpu' }] });
  clearml.control.appendLog(id, [
    'epoch 1 loss 0.90',
    'epoch 2 loss 0.71\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory',
  ]);
  clearml.control.setTaskStatus(id, 'failed', 'worker execution exit code 1');
  return { id, name, at: Date.now() };
}

beforeAll(async () => {
  clearml = await startClearmlPeer({
    agents: false,
    webHost: 'http://clearml.example.org',
    seed: { projects: [{ id: 'p-snap', name: 'Snap4City' }], queues: [{ id: 'q-gpu', name: 'gpu', default: true }] },
  });
  chat = await startChatPeer();
  chat.setWebhookSecret('ops', WEBHOOK_SECRET);
  namespace = await createTestNamespace();
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'info' };
  notifier = serviceProcess(
    'notifier',
    {
      ...common,
      NOTIFIER_CHANNELS: JSON.stringify(channels()),
      NOTIFIER_DEFAULT_CHANNELS: '*',
      NOTIFIER_RETRY_MAX_MS: '5000',
      NOTIFIER_MAX_DELIVER: '60',
    },
    await freePort(),
  );
  monitor = serviceProcess(
    'monitor',
    {
      ...common,
      CLEARML_API_HOST: clearml.url,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      CLEARML_WEB_HOST: 'http://clearml.example.org',
      MONITOR_POLL_INTERVAL_MS: String(POLL_MS),
      MONITOR_ALERT_RULES: '[{"name":"failures","statuses":["failed"]}]',
    },
    await freePort(),
  );
  await notifier.start();
  await monitor.start();
  await waitFor(() => monitor.lines.some((l) => l.includes('monitoring task changes')), { timeoutMs: 10_000 });
});

afterAll(async () => {
  await Promise.all([monitor?.stop(), notifier?.stop()]);
  await Promise.all([clearml?.close(), chat?.close()]);
  await dropNamespace(namespace);
});

it('delivers one alert per routed channel within the poll interval + 2 s, with the last console lines and the log link', async () => {
  const task = failTask();
  for (const channel of Object.keys(SINKS) as (keyof typeof SINKS)[]) {
    await waitFor(() => about(channel, task.name).length === 1, {
      timeoutMs: POLL_MS + 2000 - (Date.now() - task.at),
      intervalMs: 50,
      message: channel,
    });
  }
  expect(Date.now() - task.at).toBeLessThan(POLL_MS + 2000);
  for (const channel of Object.keys(SINKS) as (keyof typeof SINKS)[]) {
    const [message] = about(channel, task.name);
    const everything = `${message!.text}\n${JSON.stringify(message!.payload)}`;
    expect(everything).toContain('RuntimeError: CUDA out of memory');
    expect(everything).toContain(`http://clearml.example.org/projects/p-snap/tasks/${task.id}/output/log`);
    expect(everything).toMatch(/failed/i);
  }
  expect(chat.rejected()).toEqual([]);
  await new Promise((r) => setTimeout(r, 2 * POLL_MS));
  for (const channel of Object.keys(SINKS) as (keyof typeof SINKS)[]) expect(about(channel, task.name)).toHaveLength(1);
});

it('waits out a 429 with Retry-After and delivers once', async () => {
  chat.failNext('slack', { status: 429, retryAfterSec: 3 });
  const task = failTask();
  await waitFor(() => about('ops-discord', task.name).length === 1, { timeoutMs: 5000 });
  await waitFor(() => about('ops-slack', task.name).length === 1, { timeoutMs: 15_000 });
  expect(Date.now() - task.at).toBeGreaterThanOrEqual(3000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(about('ops-slack', task.name)).toHaveLength(1);
});

it('delivers to a channel that was down for 60 s when it returns, without delaying the others, and loses nothing', async () => {
  chat.down('discord', 60_000);
  const downAt = Date.now();
  const tasks = [failTask(), failTask(), failTask()];
  for (const t of tasks)
    await waitFor(() => about('ops-slack', t.name).length === 1 && about('ops-webhook', t.name).length === 1, { timeoutMs: 5000 });
  expect(tasks.every((t) => about('ops-discord', t.name).length === 0)).toBe(true);
  await waitFor(() => tasks.every((t) => about('ops-discord', t.name).length === 1), {
    timeoutMs: 100_000,
    intervalMs: 500,
    message: 'discord back',
  });
  expect(Date.now() - downAt).toBeGreaterThanOrEqual(60_000);
  await new Promise((r) => setTimeout(r, 2000));
  for (const t of tasks)
    for (const channel of Object.keys(SINKS) as (keyof typeof SINKS)[])
      expect([channel, about(channel, t.name).length]).toEqual([channel, 1]);
}, 150_000);
