import { join } from 'node:path';
import { Alert, alertRaised } from '@cleargate/contracts';
import { ChatPeer, startChatPeer } from '@cleargate/peers';
import {
  connectTestBus,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  ServiceProcess,
  serviceProcess,
  TestBus,
  waitFor,
} from '@cleargate/testing';
import { startAlertmanager, RunningAlertmanager } from './support/alertmanager';
import { PROMETHEUS_DIR, readYaml, RULES_DIR, RunningPrometheus, startPrometheus } from './support/prometheus';

/**
 * A Prometheus alert from the shipped rules reaches a chat channel end to end: a real Prometheus
 * scrapes the notifier and evaluates deploy/prometheus/rules, a real Alertmanager (configured as
 * deploy/alertmanager/alertmanager.yml, with short timings) sends its webhook with the shared
 * token to the notifier, which posts it to the chat peer's Slack. The alert is real: a task alert
 * routed to a channel that refuses it is dead-lettered by the notifier, which
 * CleargateDeadLetters and CleargateNotifierAlertsUndelivered see. Alertmanager repeats its
 * notifications every second here; each alert still arrives once.
 */
jest.setTimeout(120_000);

const TOKEN = 'observability-alertmanager-token-0123';
const SLACK_HOOK = 'T0CLEARGATE/B0PLATFORM/alertmanagerDelivery42';

let chat: ChatPeer;
let namespace: string;
let bus: TestBus;
let notifier: ServiceProcess;
let alertmanager: RunningAlertmanager;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  chat = await startChatPeer();
  chat.setCredentials('slack', [SLACK_HOOK]);
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  const [webhookPort, amPort, promPort, opsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  notifier = serviceProcess(
    'notifier',
    {
      NATS_URL: DEV_NATS_URL,
      NATS_NAMESPACE: namespace,
      LOG_LEVEL: 'info',
      NOTIFIER_CHANNELS: JSON.stringify([
        { name: 'platform-slack', type: 'slack', url: `${chat.url}/services/${SLACK_HOOK}`, rate_per_sec: 20, burst: 20 },
        // Slack answers 404 no_service for a hook it does not know: refused for good, dead-lettered.
        { name: 'retired-slack', type: 'slack', url: `${chat.url}/services/T0OLD/B0OLD/retiredHook` },
      ]),
      NOTIFIER_ROUTES: JSON.stringify([
        { name: 'platform', match: { kind: 'prometheus' }, channels: ['platform-slack'] },
        { name: 'tasks', match: { kind: 'task_status' }, channels: ['retired-slack'] },
      ]),
      NOTIFIER_DEFAULT_CHANNELS: 'none',
      NOTIFIER_ALERTMANAGER_TOKEN: TOKEN,
      NOTIFIER_WEBHOOK_HOST: '127.0.0.1',
      NOTIFIER_WEBHOOK_PORT: String(webhookPort),
      NOTIFIER_RUNBOOK_BASE_URL: 'https://git.example.org/cleargate/blob/main/',
    },
    opsPort,
  );
  await notifier.start();
  // deploy/alertmanager/alertmanager.yml with the test's addresses and timings.
  const shipped = readYaml<{ route: Record<string, unknown>; receivers: { webhook_configs: Record<string, unknown>[] }[] }>(
    join(PROMETHEUS_DIR, '..', 'alertmanager', 'alertmanager.yml'),
  );
  const webhook = shipped.receivers[0]!.webhook_configs[0]!;
  alertmanager = await startAlertmanager(
    {
      ...shipped,
      route: { ...shipped.route, group_wait: '1s', group_interval: '1s', repeat_interval: '1s' },
      receivers: [
        {
          ...shipped.receivers[0],
          webhook_configs: [
            {
              ...webhook,
              url: `http://127.0.0.1:${webhookPort}/alertmanager/webhook`,
              http_config: { authorization: { type: 'Bearer', credentials_file: '$DIR/notifier-token' } },
            },
          ],
        },
      ],
    },
    amPort,
    { 'notifier-token': TOKEN },
  );
  prometheus = await startPrometheus(
    {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [join(RULES_DIR, '*.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [{ job_name: 'cleargate', static_configs: [{ targets: [`127.0.0.1:${opsPort}`], labels: { service: 'notifier' } }] }],
    },
    promPort,
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await notifier?.stop();
  await bus?.close();
  await chat?.close();
  if (namespace) await dropNamespace(namespace);
});

it('delivers a firing alert of the shipped rules once, formatted, to the chat channel the notifier routes it to', async () => {
  // Prometheus has seen the notifier's counters at 0 before anything happens.
  await waitFor(async () => (await prometheus.query('cleargate_notifier_dead_letters_total')).length > 0, { timeoutMs: 20_000 });
  const task: Alert = {
    alert_id: `task:end-to-end:failed:${Date.now()}`,
    kind: 'task_status',
    severity: 'critical',
    title: 'Task train_mnist failed',
    at: new Date().toISOString(),
    task: null,
    console_lines: [],
    details: null,
    labels: {},
    links: [],
  };
  await bus.publisher.publish(alertRaised, task, { msgId: task.alert_id });

  // CleargateDeadLetters (warning) and CleargateNotifierAlertsUndelivered (critical) fire without `for`.
  const firing = await waitFor(
    () => {
      const dead = chat.received('slack').filter((m) => m.target === SLACK_HOOK && m.text.includes('went to the dead-letter stream'));
      return dead.length ? dead : undefined;
    },
    { timeoutMs: 60_000, message: 'the CleargateDeadLetters alert reached the chat channel' },
  );
  // Alertmanager keeps sending the unchanged group every second: none of it is posted again.
  await new Promise((r) => setTimeout(r, 6_000));
  const deadLetters = chat.received('slack').filter((m) => m.target === SLACK_HOOK && m.text.includes('went to the dead-letter stream'));
  expect(deadLetters).toHaveLength(1);
  const message = deadLetters[0]!;
  expect(message.text).toContain('Firing: Messages of consumer notifier-alerts went to the dead-letter stream');
  expect(message.text).toContain('severity warning');
  const payload = JSON.stringify(message.payload);
  expect(payload).toContain('<https://git.example.org/cleargate/blob/main/docs/runbook.md#dead-letters|Runbook>');
  expect(firing).toHaveLength(1);
  const undelivered = chat
    .received('slack')
    .filter((m) => m.target === SLACK_HOOK && m.text.includes('Alerts were given up for channel retired-slack'));
  expect(undelivered).toHaveLength(1);
  expect(JSON.stringify(undelivered[0]!.payload)).toContain('docs/runbook.md#alerts-not-delivered');
  // The notifier answered every repeat: Alertmanager got 200s, not retries of failures.
  const received = await fetch(`http://127.0.0.1:${notifier.opsPort}/metrics`).then((r) => r.text());
  const count = (outcome: string) =>
    Number(new RegExp(`alertmanager_notifications_total\\{outcome="${outcome}"\\} (\\d+)`).exec(received)?.[1]);
  expect(count('duplicate')).toBeGreaterThan(0);
  expect(count('unauthorized')).toBe(0);
});
