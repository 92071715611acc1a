import { DEFAULT_WEBHOOK_SECRET, signWebhook, startChatPeer, type ChatPeer } from './index';
import { send } from './spec-helpers';

describe('chat peer: signed generic webhook', () => {
  let peer: ChatPeer;

  beforeAll(async () => {
    peer = await startChatPeer();
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  const deliver = (name: string, body: string, headers: Record<string, string>) =>
    send(`${peer.url}/webhook/${name}`, { body, headers: { 'content-type': 'application/json', ...headers } });

  const signed = (secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) => ({
    'x-cleargate-timestamp': String(timestamp),
    'x-cleargate-signature': signWebhook(secret, timestamp, body),
  });

  const body = JSON.stringify({ event: 'task.failed', text: 'Experiment a1 failed', taskId: 'a1' });

  it('accepts a body signed with the default secret and records it verbatim', async () => {
    const res = await deliver('ops', body, signed(DEFAULT_WEBHOOK_SECRET, body));
    expect([res.status, res.json()]).toEqual([200, { ok: true }]);
    const [msg] = peer.received('webhook');
    expect(msg!).toEqual(expect.objectContaining({ target: 'ops', text: 'Experiment a1 failed', payload: JSON.parse(body) }));
    expect(msg!.request.body).toBe(body);
  });

  it('uses the secret configured for the name', async () => {
    peer.setWebhookSecret('siem', 's3cr3t');
    expect((await deliver('siem', body, signed(DEFAULT_WEBHOOK_SECRET, body))).status).toBe(401);
    expect((await deliver('siem', body, signed('s3cr3t', body))).status).toBe(200);
  });

  it.each([
    ['no signature headers', () => ({}), 'missing_signature'],
    ['a signature over another body', () => signed(DEFAULT_WEBHOOK_SECRET, `${body} `), 'invalid_signature'],
    [
      'a signature without the sha256= prefix',
      () => ({
        ...signed(DEFAULT_WEBHOOK_SECRET, body),
        'x-cleargate-signature': signed(DEFAULT_WEBHOOK_SECRET, body)['x-cleargate-signature'].slice(7),
      }),
      'invalid_signature',
    ],
    ['a timestamp 6 minutes old', () => signed(DEFAULT_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) - 360), 'stale_timestamp'],
    ['a timestamp 6 minutes ahead', () => signed(DEFAULT_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) + 360), 'stale_timestamp'],
  ])('refuses %s with 401', async (_what, headers, error) => {
    const res = await deliver('ops', body, headers());
    expect([res.status, res.json()]).toEqual([401, { ok: false, error }]);
    expect(peer.received('webhook')).toHaveLength(0);
  });

  it('accepts a timestamp 4 minutes old', async () => {
    expect((await deliver('ops', body, signed(DEFAULT_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) - 240))).status).toBe(200);
  });

  it('answers 429 with Retry-After, then accepts', async () => {
    peer.failNext('webhook', { status: 429, retryAfterSec: 2 });
    const limited = await deliver('ops', body, signed(DEFAULT_WEBHOOK_SECRET, body));
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect((await deliver('ops', body, signed(DEFAULT_WEBHOOK_SECRET, body))).status).toBe(200);
    expect(peer.received('webhook')).toHaveLength(1);
  });
});
