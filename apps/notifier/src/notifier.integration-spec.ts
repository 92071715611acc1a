import { randomBytes } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { nanos, type Msg, type Subscription } from '@nats-io/nats-core';
import { Alert, alertRaised } from '@cleargate/contracts';
import { createRuntime, Runtime } from '@cleargate/observability';
import { ChatChannel as PeerChannel, ChatPeer, ReceivedMessage, startChatPeer } from '@cleargate/peers';
import { capturingLogger, connectTestBus, DEV_NATS_URL, dropNamespace, TestBus, createTestNamespace, waitFor } from '@cleargate/testing';
import { loadNotifierConfig } from './config';
import { DELIVERIES_BUCKET, deliveryIdOf } from './delivery/delivery-store';
import { startNotifier } from './main';
import { failedTaskAlert, nastyConsole } from './test/alerts';

jest.setTimeout(30_000);

// Credentials the peer is told to accept; none of them may ever show up in a log line or metric.
const SLACK_HOOK = 'T0CLEARGATE/B0ALERTS/xoxbSecretSlackHook42';
const SLOW_SLACK_HOOK = 'T0CLEARGATE/B0SLOW/slowSlackSecretHook77';
const TEAMS_WORKFLOW = 'cleargate-alerts-wf-0042';
const MATTERMOST_KEY = 'mmHookSecretKey0123456789';
const DISCORD_ID = '112233445566778899';
const DISCORD_TOKEN = 'discordSecretToken-0123456789_abc';
const TELEGRAM_TOKEN = '7000000001:TelegramSecretToken_0123456789';
const MATRIX_TOKEN = 'syt_matrixSecretAccessToken_0123';
const WEBHOOK_SECRET = 'webhook-signing-secret-0123456789';
const SMTP_PASSWORD = 'smtp-Secret-Pa55word';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAST = { rate_per_sec: 50, burst: 50 };

/** Channel name in ClearGate → the peer's channel. */
const CHANNELS: Record<string, PeerChannel> = {
  'ops-slack': 'slack',
  'ops-teams': 'teams',
  'ops-mattermost': 'mattermost',
  'ops-discord': 'discord',
  'ops-telegram': 'telegram',
  'ops-matrix': 'matrix',
  'ops-webhook': 'webhook',
  'ops-email': 'email',
};
const ALL = Object.keys(CHANNELS);

function channelsFor(peer: ChatPeer) {
  return [
    { name: 'ops-slack', type: 'slack', url: `${peer.url}/services/${SLACK_HOOK}`, ...FAST },
    { name: 'ops-teams', type: 'teams', url: peer.teamsUrl(TEAMS_WORKFLOW), ...FAST },
    { name: 'ops-mattermost', type: 'mattermost', url: `${peer.url}/hooks/${MATTERMOST_KEY}`, username: 'ClearGate', ...FAST },
    { name: 'ops-discord', type: 'discord', url: `${peer.url}/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}`, ...FAST },
    { name: 'ops-telegram', type: 'telegram', api_url: peer.url, token: TELEGRAM_TOKEN, chat_id: -1001234567890, ...FAST },
    { name: 'ops-matrix', type: 'matrix', homeserver: peer.url, room_id: '!alerts:peer.local', access_token: MATRIX_TOKEN, ...FAST },
    { name: 'ops-webhook', type: 'webhook', url: `${peer.url}/webhook/ops`, secret: WEBHOOK_SECRET, ...FAST },
    {
      name: 'ops-email',
      type: 'email',
      host: '127.0.0.1',
      port: peer.smtpPort,
      tls: 'none',
      user: 'alerts',
      password: SMTP_PASSWORD,
      from: 'ClearGate <alerts@cleargate.example>',
      to: ['ops@snap4city.example'],
      ...FAST,
    },
    // Slack's documented pace, slowed down: 2 per second, no burst.
    { name: 'slow-slack', type: 'slack', url: `${peer.url}/services/${SLOW_SLACK_HOOK}`, rate_per_sec: 2, burst: 1 },
  ];
}

const ROUTES = [
  { name: 'slow', match: { labels: { route: 'slow' } }, channels: ['slow-slack'] },
  { name: 'failures', match: { kind: 'task_status', status: 'failed' }, channels: ALL },
  { name: 'vision-completed', match: { status: 'completed', project_regex: '^vision/' }, channels: ['ops-mattermost'], continue: true },
  { name: 'nlp', match: { labels: { team: 'nlp' } }, channels: ['ops-discord'] },
  { name: 'runaway', match: { kind: 'runaway', min_severity: 'critical' }, channels: ['ops-telegram'] },
];

const about = (m: ReceivedMessage, marker: string) => m.text.includes(marker) || JSON.stringify(m.payload).includes(marker);

async function metricValue(runtime: Runtime, name: string, labels: Record<string, string>): Promise<number> {
  const metric = runtime.metrics.registry.getSingleMetric(`cleargate_notifier_${name}`);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('notifier', () => {
  let peer: ChatPeer;
  let bus: TestBus;
  let namespace: string;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let runtime: Runtime;
  let logLines: string[] = [];

  const publish = (alert: Alert, msgId = alert.alert_id) => bus.publisher.publish(alertRaised, alert, { msgId });
  const deliveries = (channel: string, marker: string) =>
    peer.received(CHANNELS[channel]).filter((m) => about(m, marker) && (CHANNELS[channel] !== 'slack' || m.target === SLACK_HOOK));
  /** Waits until every listed channel got the alert, then a little longer so that a second copy would show. */
  async function deliveredEverywhere(marker: string, channels = ALL, timeoutMs = 10_000) {
    await waitFor(() => channels.every((c) => deliveries(c, marker).length > 0), {
      timeoutMs,
      message: `not delivered to ${channels.filter((c) => deliveries(c, marker).length === 0).join(', ')}`,
    });
    await sleep(300);
  }

  beforeAll(async () => {
    peer = await startChatPeer({ smtpAuth: { user: 'alerts', pass: SMTP_PASSWORD } });
    peer.setCredentials('slack', [SLACK_HOOK, SLOW_SLACK_HOOK]);
    peer.setCredentials('teams', [TEAMS_WORKFLOW]);
    peer.setCredentials('mattermost', [MATTERMOST_KEY]);
    peer.setCredentials('discord', [`${DISCORD_ID}/${DISCORD_TOKEN}`]);
    peer.setCredentials('telegram', [TELEGRAM_TOKEN]);
    peer.setCredentials('matrix', [MATRIX_TOKEN]);
    peer.setWebhookSecret('ops', WEBHOOK_SECRET);
    namespace = await createTestNamespace();
    const capture = capturingLogger('notifier', 'debug');
    logLines = capture.lines;
    runtime = createRuntime('notifier', 'debug', capture.logger);
    notifier = await startNotifier(
      loadNotifierConfig({
        NATS_URL: DEV_NATS_URL,
        NATS_ANONYMOUS: 'true',
        NATS_NAMESPACE: namespace,
        OPS_HOST: '127.0.0.1',
        OPS_PORT: '0',
        LOG_LEVEL: 'debug',
        NOTIFIER_CHANNELS: JSON.stringify(channelsFor(peer)),
        // the chat peer listens on loopback, which the outbound address policy refuses by default
        EGRESS_ALLOWED_CIDRS: '127.0.0.0/8',
        NOTIFIER_ROUTES: JSON.stringify(ROUTES),
        NOTIFIER_DEFAULT_CHANNELS: 'ops-webhook',
        // No console cap of our own: every channel has to cut to its provider's limit.
        NOTIFIER_CONSOLE_MAX_CHARS: '500000',
        NOTIFIER_MAX_DELIVER: '40',
        NOTIFIER_RETRY_BASE_MS: '200',
        NOTIFIER_RETRY_MAX_MS: '1000',
      }),
      runtime,
    );
    bus = await connectTestBus(namespace);
  });

  afterAll(async () => {
    await notifier?.close();
    await bus?.close();
    await peer?.close();
    if (namespace) await dropNamespace(namespace);
  });

  beforeEach(() => peer.clear());

  it('posts a failed task once to every routed channel, within each provider’s limits, with status, name, log link and the newest console lines', async () => {
    const console = nastyConsole(1000, 3);
    const alert = failedTaskAlert({ console_lines: console });
    const task = alert.task!;
    const newest = console[999]!;
    await publish(alert);
    await deliveredEverywhere(task.id);

    expect(peer.rejected()).toEqual([]);
    for (const channel of ALL) {
      const got = deliveries(channel, task.id);
      expect([channel, got.length]).toEqual([channel, 1]);
      const [m] = got;
      if (channel === 'ops-webhook') {
        const body = m!.payload as { alert: Alert };
        expect(body.alert).toMatchObject({ alert_id: alert.alert_id, task: { name: task.name, status: 'failed', log_url: task.log_url } });
        expect(body.alert.console_lines.at(-1)).toBe(newest);
        continue;
      }
      expect([channel, m!.text]).toEqual([channel, expect.stringContaining(task.name)]);
      expect([channel, m!.formatting.bold]).toEqual([channel, expect.arrayContaining(['failed', 'Snap4City/traffic', task.name])]);
      expect([channel, m!.formatting.links.map((l) => l.url)]).toEqual([channel, expect.arrayContaining([task.log_url])]);
      // The console is the one monospace block, cut at its start: newest line in, oldest out.
      const pre = m!.formatting.pre.join('\n').replace(/\u200B/g, '');
      expect([channel, pre.endsWith(newest), pre.includes('line 0 ')]).toEqual([channel, true, false]);
    }
    // Each channel was filled up to its own limit, not to some common small size.
    const preLength = (c: string) => deliveries(c, task.id)[0]!.formatting.pre.join('').length;
    expect(preLength('ops-slack')).toBeGreaterThan(2500);
    expect(preLength('ops-slack')).toBeLessThan(3000);
    expect(preLength('ops-telegram')).toBeGreaterThan(3500);
    expect(preLength('ops-telegram')).toBeLessThan(4096);
    expect(preLength('ops-mattermost')).toBeGreaterThan(10_000);
    expect(preLength('ops-matrix')).toBeGreaterThan(preLength('ops-teams'));
  });

  it('routes by kind, severity, status, project regex and labels, and sends the rest to the default channel', async () => {
    const marker = () => `route-check-${randomBytes(4).toString('hex')}`;
    const completed = (project: string, labels: Record<string, string> = {}) => {
      const m = marker();
      return { m, alert: failedTaskAlert({ severity: 'info', title: m, task: { status: 'completed', project }, labels }) };
    };
    const cases = [
      { ...completed('vision/detector'), expected: ['ops-mattermost'] },
      { ...completed('vision/segmenter', { team: 'nlp' }), expected: ['ops-mattermost', 'ops-discord'] },
      { ...completed('other/project'), expected: ['ops-webhook'] },
      (() => {
        const m = marker();
        const alert = failedTaskAlert({
          kind: 'runaway',
          severity: 'critical',
          title: m,
          task: { status: 'in_progress', running_seconds: 90_000 },
        });
        return { m, alert, expected: ['ops-telegram'] };
      })(),
      (() => {
        const m = marker();
        return {
          m,
          alert: failedTaskAlert({ kind: 'runaway', severity: 'warning', title: m, task: { status: 'in_progress' } }),
          expected: ['ops-webhook'],
        };
      })(),
      (() => {
        const m = marker();
        const alert: Alert = {
          ...failedTaskAlert({ kind: 'clearml_unreachable', severity: 'warning', title: m, details: 'connect ECONNREFUSED' }),
          task: null,
        };
        return { m, alert, expected: ['ops-webhook'] };
      })(),
    ];
    const before = await metricValue(runtime, 'alerts_total', { outcome: 'delivered' });
    for (const c of cases) await publish(c.alert);
    await waitFor(async () => (await metricValue(runtime, 'alerts_total', { outcome: 'delivered' })) >= before + cases.length, {
      timeoutMs: 10_000,
    });
    await sleep(300);
    for (const c of cases) {
      const got = ALL.filter((channel) => deliveries(channel, c.m).length > 0);
      expect([c.m, got.sort()]).toEqual([c.m, [...c.expected].sort()]);
      for (const channel of got) expect(deliveries(channel, c.m)).toHaveLength(1);
    }
    expect(peer.rejected()).toEqual([]);
  });

  it('waits as long as a 429 asks (Retry-After, Discord’s retry_after, Telegram’s parameters, Matrix’s retry_after_ms), then posts once; other channels do not wait', async () => {
    peer.failNext('slack', { status: 429, retryAfterSec: 2 });
    peer.failNext('discord', { status: 429, retryAfterSec: 1.5 });
    peer.failNext('telegram', { status: 429, retryAfterSec: 1 });
    peer.failNext('matrix', { status: 429, retryAfterSec: 1 });
    const alert = failedTaskAlert();
    const published = Date.now();
    await publish(alert);
    await deliveredEverywhere(alert.task!.id);

    const waited = (peerChannel: PeerChannel, channel: string) => {
      const [limited] = peer.rejected(peerChannel);
      expect([channel, limited!.status]).toEqual([channel, 429]);
      const got = deliveries(channel, alert.task!.id);
      expect([channel, got.length]).toEqual([channel, 1]);
      return got[0]!.time.getTime() - limited!.time.getTime();
    };
    expect(waited('slack', 'ops-slack')).toBeGreaterThanOrEqual(2000);
    // Discord's body says 1.5 s while its Retry-After header rounds up to 2: the body wins.
    const discord = waited('discord', 'ops-discord');
    expect(discord).toBeGreaterThanOrEqual(1500);
    expect(discord).toBeLessThan(1950);
    expect(waited('telegram', 'ops-telegram')).toBeGreaterThanOrEqual(1000);
    expect(waited('matrix', 'ops-matrix')).toBeGreaterThanOrEqual(1000);
    for (const channel of ALL) expect([channel, deliveries(channel, alert.task!.id).length]).toEqual([channel, 1]);
    for (const channel of ['ops-teams', 'ops-mattermost', 'ops-webhook', 'ops-email']) {
      expect([channel, deliveries(channel, alert.task!.id)[0]!.time.getTime() - published]).toEqual([channel, expect.any(Number)]);
      expect(deliveries(channel, alert.task!.id)[0]!.time.getTime() - published).toBeLessThan(900);
    }
    expect(await metricValue(runtime, 'rate_limit_waits_total', { channel: 'ops-slack', source: 'provider' })).toBeGreaterThanOrEqual(1);
  });

  it('delivers to a channel that was down as soon as it is back, without holding up the others', async () => {
    peer.down('teams', 5000);
    const downAt = Date.now();
    const first = failedTaskAlert();
    await publish(first);
    await sleep(1000);
    const second = failedTaskAlert();
    const secondAt = Date.now();
    await publish(second);

    const others = ALL.filter((c) => c !== 'ops-teams');
    await deliveredEverywhere(second.task!.id, others, 3000);
    for (const channel of others) expect(deliveries(channel, second.task!.id)[0]!.time.getTime() - secondAt).toBeLessThan(1000);
    expect(deliveries('ops-teams', first.task!.id)).toHaveLength(0);

    await deliveredEverywhere(first.task!.id, ALL, 10_000);
    await deliveredEverywhere(second.task!.id, ALL, 10_000);
    for (const alert of [first, second]) {
      for (const channel of ALL) expect([channel, deliveries(channel, alert.task!.id).length]).toEqual([channel, 1]);
    }
    const teamsAt = deliveries('ops-teams', first.task!.id)[0]!.time.getTime();
    expect(teamsAt - downAt).toBeGreaterThanOrEqual(5000);
    expect(teamsAt - downAt).toBeLessThan(7500);
    expect(peer.rejected('teams').filter((r) => r.kind === 'outage').length).toBeGreaterThanOrEqual(3);
  });

  it('delivers an alert published twice once per channel, also when JetStream no longer sees it as a duplicate', async () => {
    const alert = failedTaskAlert();
    expect((await publish(alert)).duplicate).toBe(false);
    expect((await publish(alert)).duplicate).toBe(true);
    await deliveredEverywhere(alert.task!.id);

    const skipped = await metricValue(runtime, 'deliveries_total', { channel: 'ops-slack', outcome: 'already_delivered' });
    // A republish after the stream's duplicate window: only the delivery records stop it.
    expect((await publish(alert, `${alert.alert_id}#again`)).duplicate).toBe(false);
    await waitFor(
      async () => (await metricValue(runtime, 'deliveries_total', { channel: 'ops-slack', outcome: 'already_delivered' })) > skipped,
    );
    await sleep(300);
    for (const channel of ALL) expect([channel, deliveries(channel, alert.task!.id).length]).toEqual([channel, 1]);
  });

  it('after a partial failure, retries only the channels that failed', async () => {
    peer.failNext('mattermost', { status: 500 });
    peer.failNext('webhook', { status: 503 });
    peer.failNext('email', { smtpCode: 451 });
    const skippedBefore = await metricValue(runtime, 'deliveries_total', { channel: 'ops-slack', outcome: 'already_delivered' });
    const alert = failedTaskAlert();
    await publish(alert);
    await deliveredEverywhere(alert.task!.id);

    for (const channel of ALL) expect([channel, deliveries(channel, alert.task!.id).length]).toEqual([channel, 1]);
    expect(
      peer
        .rejected()
        .map((r) => [r.channel, r.kind])
        .sort(),
    ).toEqual([
      ['email', 'fault'],
      ['mattermost', 'fault'],
      ['webhook', 'fault'],
    ]);
    // The redelivery saw that Slack (and the others) already had it and skipped them.
    expect(await metricValue(runtime, 'deliveries_total', { channel: 'ops-slack', outcome: 'already_delivered' })).toBeGreaterThan(
      skippedBefore,
    );
  });

  it('never posts twice to Matrix, even when the record of a delivery is lost: the txnId comes from the alert id', async () => {
    const alert = failedTaskAlert();
    await publish(alert);
    await deliveredEverywhere(alert.task!.id);
    const kv = await new Kvm(bus.nats.jetstream).open(bus.nats.name(DELIVERIES_BUCKET));
    await kv.purge(`${deliveryIdOf(alert.alert_id)}.ops-matrix`);

    await publish(alert, `${alert.alert_id}#lost-record`);
    await waitFor(() => deliveries('ops-matrix', alert.task!.id)[0]?.repeats === 1, { message: 'Matrix never saw the repeated txnId' });
    expect(deliveries('ops-matrix', alert.task!.id)).toHaveLength(1);
    for (const channel of ALL) expect([channel, deliveries(channel, alert.task!.id).length]).toEqual([channel, 1]);
  });

  it('paces a channel to its rate limit (token bucket), waiting in-process for short waits and through redelivery for longer ones', async () => {
    const alerts = Array.from({ length: 4 }, () => failedTaskAlert({ labels: { route: 'slow' } }));
    for (const alert of alerts) await publish(alert);
    const slow = () => peer.received('slack').filter((m) => m.target === SLOW_SLACK_HOOK);
    await waitFor(() => slow().length >= 4, { timeoutMs: 10_000 });
    await sleep(300);
    const times = slow()
      .map((m) => m.time.getTime())
      .sort((a, b) => a - b);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(450);
    for (const alert of alerts) expect(slow().filter((m) => about(m, alert.task!.id))).toHaveLength(1);
    expect(await metricValue(runtime, 'rate_limit_waits_total', { channel: 'slow-slack', source: 'local_inline' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      await metricValue(runtime, 'rate_limit_waits_total', { channel: 'slow-slack', source: 'local_deferred' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('never writes a webhook URL, token or password to a log line, a metric or the ops server', async () => {
    const secrets = [
      SLACK_HOOK,
      'xoxbSecretSlackHook42',
      SLOW_SLACK_HOOK,
      peer.teamsUrl(TEAMS_WORKFLOW),
      new URL(peer.teamsUrl(TEAMS_WORKFLOW)).searchParams.get('sig')!,
      TEAMS_WORKFLOW,
      MATTERMOST_KEY,
      DISCORD_TOKEN,
      TELEGRAM_TOKEN,
      TELEGRAM_TOKEN.split(':')[1]!,
      MATRIX_TOKEN,
      WEBHOOK_SECRET,
      SMTP_PASSWORD,
    ];
    // Failures of every kind put error text in the logs.
    peer.failNext('slack', { status: 500 });
    peer.failNext('telegram', { status: 429, retryAfterSec: 1 });
    peer.failNext('matrix', { status: 503 });
    peer.down('discord', 600);
    const alert = failedTaskAlert();
    await publish(alert);
    await deliveredEverywhere(alert.task!.id);

    const logs = logLines.join('');
    expect(logs).toContain('"channel":"ops-slack"');
    expect(logs).toContain('delivery to channel failed, will retry');
    expect(logs).toContain('channel is rate limiting');
    const metrics = await (await fetch(`http://127.0.0.1:${notifier.opsPort}/metrics`)).text();
    expect(metrics).toContain('cleargate_notifier_deliveries_total{channel="ops-slack",outcome="delivered"}');
    const health = await (await fetch(`http://127.0.0.1:${notifier.opsPort}/health/ready`)).text();
    for (const secret of secrets) {
      expect([secret, logs.includes(secret)]).toEqual([secret, false]);
      expect([secret, metrics.includes(secret)]).toEqual([secret, false]);
      expect([secret, health.includes(secret)]).toEqual([secret, false]);
    }
  });
});

describe('notifier giving up', () => {
  let peer: ChatPeer;
  let bus: TestBus;
  let namespace: string;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let runtime: Runtime;
  let dlq: Subscription;
  const dead: Msg[] = [];

  beforeAll(async () => {
    peer = await startChatPeer();
    peer.setCredentials('slack', ['T1/B1/knownHook1']);
    namespace = await createTestNamespace();
    bus = await connectTestBus(namespace);
    // A bucket left by an earlier version with another TTL.
    await new Kvm(bus.nats.jetstream).create(bus.nats.name(DELIVERIES_BUCKET), { history: 1, ttl: 3_600_000 });
    runtime = createRuntime('notifier', 'silent');
    notifier = await startNotifier(
      loadNotifierConfig({
        NATS_URL: DEV_NATS_URL,
        NATS_ANONYMOUS: 'true',
        NATS_NAMESPACE: namespace,
        OPS_PORT: '0',
        EGRESS_ALLOWED_CIDRS: '127.0.0.0/8',
        NOTIFIER_CHANNELS: JSON.stringify([
          // Nothing listens on port 1: every attempt fails as a refused connection.
          { name: 'broken-webhook', type: 'webhook', url: 'http://127.0.0.1:1/webhook/x', secret: WEBHOOK_SECRET, ...FAST },
          { name: 'ok-mattermost', type: 'mattermost', url: `${peer.url}/hooks/${MATTERMOST_KEY}`, ...FAST },
          // A webhook Slack does not know: 404, never worth retrying.
          { name: 'gone-slack', type: 'slack', url: `${peer.url}/services/T1/B1/deletedHook9`, ...FAST },
        ]),
        NOTIFIER_ROUTES: JSON.stringify([
          { name: 'transient', match: { labels: { case: 'transient' } }, channels: ['broken-webhook', 'ok-mattermost'] },
          { name: 'permanent', match: { labels: { case: 'permanent' } }, channels: ['gone-slack'] },
        ]),
        NOTIFIER_DEFAULT_CHANNELS: 'none',
        NOTIFIER_MAX_DELIVER: '4',
        NOTIFIER_RETRY_BASE_MS: '100',
        NOTIFIER_RETRY_MAX_MS: '200',
        NOTIFIER_DEDUP_TTL_HOURS: '2',
      }),
      runtime,
    );
    dlq = bus.nats.connection.subscribe(bus.nats.subject('dlq.alerts.notification.requested.v1'), {
      callback: (_e, m) => void dead.push(m),
    });
  });

  afterAll(async () => {
    dlq?.unsubscribe();
    await notifier?.close();
    await bus?.close();
    await peer?.close();
    if (namespace) await dropNamespace(namespace);
  });

  it('applies a changed retention to an existing delivery bucket', async () => {
    const info = await bus.nats.manager.streams.info(`KV_${bus.nats.name(DELIVERIES_BUCKET)}`);
    expect(info.config.max_age).toBe(nanos(2 * 3_600_000));
  });

  const deadLetterOf = (alert: Alert) => dead.find((m) => new TextDecoder().decode(m.data).includes(alert.alert_id));

  it('sends an alert to the dead-letter stream after the last attempt, without re-posting where it was delivered', async () => {
    const alert = failedTaskAlert({ labels: { case: 'transient' } });
    await bus.publisher.publish(alertRaised, alert, { msgId: alert.alert_id });
    const msg = await waitFor(() => deadLetterOf(alert), { timeoutMs: 10_000, message: 'no dead letter' });
    expect(msg.headers?.get('cg-dlq-deliveries')).toBe('4');
    const reason = msg.headers?.get('cg-dlq-reason') ?? '';
    expect(reason).toMatch(/^not delivered to broken-webhook \(request failed: ECONNREFUSED\)$/);
    expect(peer.received('mattermost').filter((m) => about(m, alert.task!.id))).toHaveLength(1);
    expect(await metricValue(runtime, 'channel_dead_letters_total', { channel: 'broken-webhook' })).toBe(1);
    expect(await metricValue(runtime, 'channel_dead_letters_total', { channel: 'ok-mattermost' })).toBe(0);
  });

  it('does not retry a channel that refused the alert for good', async () => {
    const alert = failedTaskAlert({ labels: { case: 'permanent' } });
    await bus.publisher.publish(alertRaised, alert, { msgId: alert.alert_id });
    const msg = await waitFor(() => deadLetterOf(alert), { timeoutMs: 5000, message: 'no dead letter' });
    expect(msg.headers?.get('cg-dlq-deliveries')).toBe('1');
    expect(msg.headers?.get('cg-dlq-reason')).toBe('not delivered to gone-slack (HTTP 404: no_service)');
    expect(peer.rejected('slack').map((r) => r.kind)).toEqual(['not-found']);
  });
});
