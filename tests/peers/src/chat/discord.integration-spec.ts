import { startChatPeer, type ChatPeer } from './index';
import { CLEARML_ALERT, postJson, send } from './spec-helpers';

describe('chat peer: Discord execute webhook', () => {
  let peer: ChatPeer;
  let hook: string;

  beforeAll(async () => {
    peer = await startChatPeer();
    hook = `${peer.url}/api/webhooks/223704706495545344/3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94526ff5d1bd4358d65cf11`;
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  const alert = () =>
    `Experiment [${CLEARML_ALERT.taskId}](${CLEARML_ALERT.logUrl}) **failed**\n\`\`\`\n${CLEARML_ALERT.console.join('\n')}\n\`\`\``;

  it('answers 204 without wait and records the markdown', async () => {
    const res = await postJson(hook, { content: alert(), allowed_mentions: { parse: [] } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('x-ratelimit-bucket')).toBeTruthy();
    const [msg] = peer.received('discord');
    expect(msg!.formatting.bold).toEqual(['failed']);
    expect(msg!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(msg!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
  });

  it('returns the message object with ?wait=true', async () => {
    const res = await postJson(`${hook}?wait=true`, {
      content: 'hi',
      embeds: [{ title: 'Task failed', url: CLEARML_ALERT.logUrl, fields: [{ name: 'Project', value: CLEARML_ALERT.project }] }],
    });
    expect(res.status).toBe(200);
    const body = res.json() as { id: string; content: string; webhook_id: string; embeds: Array<{ type: string }> };
    expect(body).toEqual(expect.objectContaining({ content: 'hi', webhook_id: '223704706495545344' }));
    expect(body.embeds[0]!.type).toBe('rich');
    expect(peer.received('discord')[0]!.id).toBe(body.id);
    expect(peer.received('discord')[0]!.text).toContain(`Project: ${CLEARML_ALERT.project}`);
  });

  it.each([
    [
      'content over 2000 characters',
      { content: 'x'.repeat(2001) },
      { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    ],
    [
      '11 embeds',
      { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) },
      { embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' }] } },
    ],
    [
      'a field value over 1024',
      { embeds: [{ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }] },
      {
        embeds: {
          0: { fields: { 0: { value: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 1024 or fewer in length.' }] } } } },
        },
      },
    ],
    [
      'embeds over 6000 characters in total',
      { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] },
      { embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }] } },
    ],
    [
      'parse users together with a user list',
      { content: 'x', allowed_mentions: { parse: ['users'], users: ['1'] } },
      { allowed_mentions: { _errors: [expect.objectContaining({ code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE' })] } },
    ],
    [
      'an unknown parse value',
      { content: 'x', allowed_mentions: { parse: ['here'] } },
      { allowed_mentions: { parse: { 0: { _errors: [expect.objectContaining({ code: 'ENUM_TYPE_COERCE' })] } } } },
    ],
  ])('refuses %s with 50035 Invalid Form Body', async (_what, body, errors) => {
    const res = await postJson(hook, body);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ code: 50035, errors, message: 'Invalid Form Body' });
    expect(peer.received('discord')).toHaveLength(0);
  });

  it('refuses an empty message and a body that is not JSON', async () => {
    const empty = await postJson(hook, { content: '   ' });
    expect([empty.status, empty.json()]).toEqual([400, { message: 'Cannot send an empty message', code: 50006 }]);
    const broken = await send(hook, { body: '{', headers: { 'content-type': 'application/json' } });
    expect([broken.status, (broken.json() as { code: number }).code]).toEqual([400, 50109]);
  });

  it('tells an unknown webhook (404 10015) from a wrong token (401 50027)', async () => {
    peer.setCredentials('discord', ['223704706495545344/right-token']);
    try {
      const wrongToken = await postJson(`${peer.url}/api/webhooks/223704706495545344/wrong-token`, { content: 'x' });
      expect([wrongToken.status, wrongToken.json()]).toEqual([401, { message: 'Invalid Webhook Token', code: 50027 }]);
      const unknown = await postJson(`${peer.url}/api/v10/webhooks/1/right-token`, { content: 'x' });
      expect([unknown.status, unknown.json()]).toEqual([404, { message: 'Unknown Webhook', code: 10015 }]);
      expect((await postJson(`${peer.url}/api/v10/webhooks/223704706495545344/right-token`, { content: 'x' })).status).toBe(204);
    } finally {
      peer.setCredentials('discord', null);
    }
  });

  it('rate-limits with the documented 429 body and headers, then accepts', async () => {
    peer.failNext('discord', { status: 429, retryAfterSec: 0.25 });
    const limited = await postJson(hook, { content: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 0.25, global: false });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('0.250');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('shared');
    expect((await postJson(hook, { content: 'x' })).status).toBe(204);
    expect(peer.received('discord')).toHaveLength(1);
  });

  it('answers injected 500 and 503 once each, then recovers', async () => {
    peer.failNext('discord', { status: 500 });
    peer.failNext('discord', { status: 503 });
    expect((await postJson(hook, { content: 'x' })).status).toBe(500);
    expect((await postJson(hook, { content: 'x' })).status).toBe(503);
    expect((await postJson(hook, { content: 'x' })).status).toBe(204);
  });
});
