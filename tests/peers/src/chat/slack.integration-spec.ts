import { startChatPeer, type ChatPeer } from './index';
import { CLEARML_ALERT, clearmlSlackText, postJson, send } from './spec-helpers';

describe('chat peer: Slack incoming webhook', () => {
  let peer: ChatPeer;
  let hook: string;

  beforeAll(async () => {
    peer = await startChatPeer();
    hook = `${peer.url}/services/T0001/B0002/abcDEF123`;
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  it('accepts the ClearML alert as a mrkdwn section and answers 200 ok', async () => {
    const res = await postJson(hook, {
      text: 'fallback',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clearmlSlackText() } }],
    });

    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    const [msg] = peer.received('slack');
    expect(peer.received()).toHaveLength(1);
    expect(msg!.target).toBe('T0001/B0002/abcDEF123');
    expect(msg!.text.split('\n')[0]).toBe(`Experiment ID ${CLEARML_ALERT.taskId} failed`);
    expect(msg!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(msg!.formatting.bold).toEqual(['failed', CLEARML_ALERT.project, CLEARML_ALERT.name]);
    expect(msg!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
    expect(msg!.request.headers['content-type']).toBe('application/json');
  });

  it('reads the form-encoded payload= variant', async () => {
    const res = await send(hook, {
      body: new URLSearchParams({ payload: JSON.stringify({ text: 'hello `x`' }) }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(peer.received('slack')[0]!.formatting.code).toEqual(['x']);
  });

  it.each([
    ['a body that is not JSON', 'invalid_payload', '{"text": '],
    ['no text, blocks or attachments', 'missing_text_or_fallback_or_attachments', JSON.stringify({ username: 'x' })],
    [
      'a section text over 3000 characters',
      'invalid_blocks',
      JSON.stringify({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] }),
    ],
    ['51 blocks', 'invalid_blocks', JSON.stringify({ blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })],
    ['a header in mrkdwn', 'invalid_blocks', JSON.stringify({ blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] })],
  ])('refuses %s with 400 %s', async (_what, code, body) => {
    const res = await send(hook, { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.text).toBe(code);
    expect(peer.received('slack')).toHaveLength(0);
    expect(peer.rejected('slack')).toEqual([
      expect.objectContaining({ kind: 'invalid', status: 400, reason: expect.stringContaining(code) }),
    ]);
  });

  it('accepts exactly 50 blocks and a 3000-character section', async () => {
    const blocks = [
      { type: 'section', text: { type: 'plain_text', text: 'y'.repeat(3000) } },
      ...Array.from({ length: 49 }, () => ({ type: 'divider' })),
    ];
    expect((await postJson(hook, { blocks })).status).toBe(200);
  });

  it('answers 404 no_service for a webhook it does not know', async () => {
    peer.setCredentials('slack', ['T0001/B0002/abcDEF123']);
    try {
      const res = await postJson(`${peer.url}/services/T0001/B0002/revoked`, { text: 'x' });
      expect([res.status, res.text]).toEqual([404, 'no_service']);
      expect((await postJson(hook, { text: 'x' })).status).toBe(200);
    } finally {
      peer.setCredentials('slack', null);
    }
  });

  it('answers 429 with Retry-After, then delivers the retry once', async () => {
    peer.failNext('slack', { status: 429, retryAfterSec: 7 });
    const first = await postJson(hook, { text: 'alert' });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    const second = await postJson(hook, { text: 'alert' });
    expect(second.status).toBe(200);
    expect(peer.received('slack').map((m) => m.text)).toEqual(['alert']);
    expect(peer.rejected('slack').map((r) => r.kind)).toEqual(['fault']);
  });

  it('is down with 503 until up(), and delivers again afterwards', async () => {
    peer.down('slack', 60_000);
    expect((await postJson(hook, { text: 'a' })).status).toBe(503);
    peer.up('slack');
    expect((await postJson(hook, { text: 'b' })).status).toBe(200);
    expect(peer.received('slack').map((m) => m.text)).toEqual(['b']);
  });
});
