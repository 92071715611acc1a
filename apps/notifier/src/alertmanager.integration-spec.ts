import { createRuntime } from '@cleargate/observability';
import { ChatPeer, startChatPeer } from '@cleargate/peers';
import { DEV_NATS_URL, TEST_EGRESS_ALLOWED_CIDRS, dropNamespace, createTestNamespace, waitFor } from '@cleargate/testing';
import { AlertmanagerReceiver, WEBHOOK_PATH } from './alertmanager/alertmanager.receiver';
import { loadNotifierConfig } from './config';
import { startNotifier } from './main';

const TOKEN = 'alertmanager-shared-secret-0123';
const SLACK_HOOK = 'T0CLEARGATE/B0OPS/alertmanagerHook0042';
const MATTERMOST_KEY = 'mmAlertmanagerKey0123456789';

/** A notification as Alertmanager 0.25 posts it (notify/webhook: version 4). */
function notification(status: 'firing' | 'resolved', alerts: { fingerprint: string; instance: string; endsAt?: string }[]) {
  return {
    receiver: 'cleargate',
    status,
    alerts: alerts.map((a) => ({
      status,
      labels: { alertname: 'CleargateIdentityProviderUnavailable', severity: 'critical', service: 'auth-gateway', instance: a.instance },
      annotations: {
        summary: 'The identity provider does not answer the gateway',
        description: 'Tokens that are not cached cannot be checked: callers get 503.',
        runbook_url: 'docs/runbook.md#identity-provider-unavailable',
      },
      startsAt: '2026-12-07T10:00:00.000Z',
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
      fingerprint: a.fingerprint,
    })),
    groupLabels: { alertname: 'CleargateIdentityProviderUnavailable' },
    commonLabels: { alertname: 'CleargateIdentityProviderUnavailable', severity: 'critical', service: 'auth-gateway' },
    commonAnnotations: { summary: 'The identity provider does not answer the gateway' },
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="CleargateIdentityProviderUnavailable"}',
    truncatedAlerts: 0,
  };
}

describe('notifier: Alertmanager receiver', () => {
  let peer: ChatPeer;
  let namespace: string;
  let notifier: Awaited<ReturnType<typeof startNotifier>>;
  let url: string;

  beforeAll(async () => {
    peer = await startChatPeer();
    peer.setCredentials('slack', [SLACK_HOOK]);
    peer.setCredentials('mattermost', [MATTERMOST_KEY]);
    namespace = await createTestNamespace();
    notifier = await startNotifier(
      loadNotifierConfig({
        NATS_URL: DEV_NATS_URL,
        NATS_ANONYMOUS: 'true',
        EGRESS_ALLOWED_CIDRS: TEST_EGRESS_ALLOWED_CIDRS,
        NATS_NAMESPACE: namespace,
        OPS_HOST: '127.0.0.1',
        OPS_PORT: '0',
        NOTIFIER_WEBHOOK_HOST: '127.0.0.1',
        NOTIFIER_WEBHOOK_PORT: '0',
        NOTIFIER_ALERTMANAGER_TOKEN: TOKEN,
        NOTIFIER_RUNBOOK_BASE_URL: 'https://git.example.org/cleargate/blob/main/',
        NOTIFIER_CHANNELS: JSON.stringify([
          { name: 'ops-slack', type: 'slack', url: `${peer.url}/services/${SLACK_HOOK}`, rate_per_sec: 50, burst: 50 },
          { name: 'lab-mattermost', type: 'mattermost', url: `${peer.url}/hooks/${MATTERMOST_KEY}`, rate_per_sec: 50, burst: 50 },
        ]),
        // Platform alerts go to the ops channel only, by the same rules as task alerts.
        NOTIFIER_ROUTES: JSON.stringify([
          { name: 'platform', match: { kind: 'prometheus', labels: { service: 'auth-gateway' } }, channels: ['ops-slack'] },
        ]),
        NOTIFIER_DEFAULT_CHANNELS: 'lab-mattermost',
      }),
      createRuntime('notifier', 'silent'),
    );
    url = `http://127.0.0.1:${notifier.app.get(AlertmanagerReceiver).port}${WEBHOOK_PATH}`;
  });
  afterAll(async () => {
    await notifier?.close();
    await peer?.close();
    if (namespace) await dropNamespace(namespace);
  });
  beforeEach(() => peer.clear());

  const post = (body: unknown, token: string | null = TOKEN) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('posts a firing alert once to the channels its labels route to, with its runbook link, however often Alertmanager repeats it', async () => {
    const firing = notification('firing', [{ fingerprint: 'a1b2c3d4e5f60718', instance: 'gw-1:9464' }]);
    const answers = await Promise.all([post(firing), post(firing)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await waitFor(() => peer.received('slack').length === 1, { timeoutMs: 5000 });
    expect((await post(firing)).status).toBe(200); // the repeat_interval's resend
    await new Promise((r) => setTimeout(r, 700));
    const slack = peer.received('slack');
    expect(slack).toHaveLength(1);
    expect(slack[0]!.text).toContain('Firing: The identity provider does not answer the gateway');
    expect(slack[0]!.text).toContain('Tokens that are not cached cannot be checked');
    // the rule's runbook_url (a path in the repository) as a link where the runbook is published
    expect(JSON.stringify(slack[0]!.payload)).toContain(
      '<https://git.example.org/cleargate/blob/main/docs/runbook.md#identity-provider-unavailable|Runbook>',
    );
    expect(peer.received('mattermost')).toHaveLength(0);

    // Resolved is news: one more message.
    await post(notification('resolved', [{ fingerprint: 'a1b2c3d4e5f60718', instance: 'gw-1:9464', endsAt: '2026-12-07T10:05:00.000Z' }]));
    await waitFor(() => peer.received('slack').length === 2, { timeoutMs: 5000 });
    expect(peer.received('slack')[1]!.text).toContain('Resolved: The identity provider does not answer the gateway');
  });

  it('refuses a request without the shared secret, and a body that is not a notification, with the error envelope', async () => {
    const firing = notification('firing', [{ fingerprint: 'ffff', instance: 'gw-2:9464' }]);
    for (const token of [null, 'wrong-secret-wrong-secret']) {
      const res = await post(firing, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated' }, request_id: expect.any(String) });
    }
    const bad = await post({ version: '3', alerts: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_argument', details: { issues: expect.any(Array) } } });
    expect((await post('{not json')).status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.received()).toHaveLength(0);
  });
});
