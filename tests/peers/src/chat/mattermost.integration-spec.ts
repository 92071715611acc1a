import { MATTERMOST_MAX_POST_RUNES, startChatPeer, type ChatPeer } from './index';
import { CLEARML_ALERT, postJson, send } from './spec-helpers';

describe('chat peer: Mattermost incoming webhook', () => {
  let peer: ChatPeer;
  let hook: string;

  beforeAll(async () => {
    peer = await startChatPeer();
    hook = `${peer.url}/hooks/xq1k3x9ofbrp8ne3tfohhwa5yc`;
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  it('accepts Markdown text with overrides and answers 200 ok', async () => {
    const text = `#### Experiment [${CLEARML_ALERT.taskId}](${CLEARML_ALERT.logUrl}) **failed**\n\`\`\`\n${CLEARML_ALERT.console.join('\n')}\n\`\`\``;
    const res = await postJson(hook, {
      text,
      channel: 'ml-alerts',
      username: 'cleargate',
      icon_url: 'https://example.org/i.png',
      props: { card: 'details' },
    });

    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    const [msg] = peer.received('mattermost');
    expect(msg!.target).toBe('ml-alerts');
    expect(msg!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(msg!.formatting.bold).toEqual(['failed']);
    expect(msg!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
    expect(msg!.parts).toBeUndefined();
  });

  it('reads the Slack-compatible payload= form and rewrites <url|text> links', async () => {
    const res = await send(hook, {
      body: new URLSearchParams({ payload: JSON.stringify({ text: 'see <https://app.clear.ml/t/1|the log>' }) }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(peer.received('mattermost')[0]!.formatting.links).toEqual([{ text: 'the log', url: 'https://app.clear.ml/t/1' }]);
  });

  it('splits text over the post limit into several posts instead of refusing it', async () => {
    const text = '€'.repeat(MATTERMOST_MAX_POST_RUNES) + 'tail';
    expect((await postJson(hook, { text })).status).toBe(200);
    const [msg] = peer.received('mattermost');
    expect(msg!.parts).toHaveLength(2);
    expect(Array.from(msg!.parts![0]!)).toHaveLength(MATTERMOST_MAX_POST_RUNES);
    expect(msg!.parts![1]).toBe('tail');
  });

  it('refuses a body without text or attachments with 400 "No text specified."', async () => {
    const res = await postJson(hook, { username: 'x' });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual(
      expect.objectContaining({ id: 'web.incoming_webhook.text.app_error', message: 'No text specified.', status_code: 400 }),
    );
    expect(peer.received('mattermost')).toHaveLength(0);
  });

  it('refuses a body it cannot parse and a field of the wrong type', async () => {
    const broken = await send(hook, { body: '{"text": "x"', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect((broken.json() as { id: string }).id).toBe('model.incoming_hook.parse_data.app_error');
    expect((await postJson(hook, { text: 5 })).status).toBe(400);
  });

  it('answers 400 "Invalid webhook." for an unknown hook', async () => {
    peer.setCredentials('mattermost', ['xq1k3x9ofbrp8ne3tfohhwa5yc']);
    try {
      const res = await postJson(`${peer.url}/hooks/deadbeef`, { text: 'x' });
      expect(res.status).toBe(400);
      expect((res.json() as { message: string }).message).toBe('Invalid webhook.');
    } finally {
      peer.setCredentials('mattermost', null);
    }
  });

  it('rate-limits with 429 "limit exceeded", Retry-After and X-Ratelimit headers, then accepts', async () => {
    peer.failNext('mattermost', { status: 429, retryAfterSec: 2, times: 2 });
    for (let i = 0; i < 2; i++) {
      const limited = await postJson(hook, { text: 'x' });
      expect([limited.status, limited.text, limited.headers.get('retry-after'), limited.headers.get('x-ratelimit-remaining')]).toEqual([
        429,
        'limit exceeded\n',
        '2',
        '0',
      ]);
    }
    expect((await postJson(hook, { text: 'x' })).status).toBe(200);
    expect(peer.received('mattermost')).toHaveLength(1);
  });

  it('answers 502 from the proxy while the server is down', async () => {
    peer.down('mattermost', 60_000);
    expect((await postJson(hook, { text: 'x' })).status).toBe(502);
    peer.up('mattermost');
    expect((await postJson(hook, { text: 'x' })).status).toBe(200);
  });
});
