import { startChatPeer, type ChatPeer } from './index';
import { CLEARML_ALERT, postJson, send } from './spec-helpers';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('chat peer: Telegram Bot API sendMessage', () => {
  let peer: ChatPeer;
  let api: string;

  beforeAll(async () => {
    peer = await startChatPeer();
    api = `${peer.url}/bot${TOKEN}`;
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  const html = () =>
    `<b>Experiment</b> <a href="${CLEARML_ALERT.logUrl}">${CLEARML_ALERT.taskId}</a> <b>failed</b>\n<pre>${CLEARML_ALERT.console.join('\n')}</pre>`;

  it('sends HTML and answers with the message, its parsed text and entities', async () => {
    const res = await postJson(`${api}/sendMessage`, {
      chat_id: -1001234567890,
      text: html(),
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = res.json() as {
      ok: boolean;
      result: { message_id: number; text: string; chat: { id: number; type: string }; entities: Array<{ type: string }> };
    };
    expect(body.ok).toBe(true);
    expect(body.result.chat).toEqual(expect.objectContaining({ id: -1001234567890, type: 'channel' }));
    expect(body.result.text).toBe(`Experiment ${CLEARML_ALERT.taskId} failed\n${CLEARML_ALERT.console.join('\n')}`);
    expect(body.result.entities.map((e) => e.type)).toEqual(['bold', 'text_link', 'bold', 'pre']);
    const [msg] = peer.received('telegram');
    expect(msg!.id).toBe(String(body.result.message_id));
    expect(msg!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(msg!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
  });

  it('accepts form-encoded MarkdownV2 and the query-string form', async () => {
    const form = await send(`${api}/sendMessage`, {
      body: new URLSearchParams({ chat_id: '@cleargate_alerts', text: '*failed* `a1`', parse_mode: 'MarkdownV2' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(200);
    const query = await send(`${api}/sendMessage?chat_id=42&text=plain`, { method: 'GET' });
    expect(query.status).toBe(200);
    expect(peer.received('telegram').map((m) => [m.target, m.text, m.formatting.bold])).toEqual([
      ['@cleargate_alerts', 'failed a1', ['failed']],
      ['42', 'plain', []],
    ]);
  });

  it.each([
    [
      'badly nested HTML',
      { text: '<b><i>x</b></i>', parse_mode: 'HTML' },
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    ],
    [
      'an unescaped <',
      { text: 'loss < 0.5', parse_mode: 'HTML' },
      'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 5',
    ],
    [
      'an unescaped MarkdownV2 dot',
      { text: 'loss 0.42', parse_mode: 'MarkdownV2' },
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    ],
    ['4097 characters after parsing', { text: `<b>${'x'.repeat(4097)}</b>`, parse_mode: 'HTML' }, 'Bad Request: message is too long'],
    ['text that is empty after parsing', { text: '<b> </b>', parse_mode: 'HTML' }, 'Bad Request: message text is empty'],
    ['an unknown parse_mode', { text: 'x', parse_mode: 'Textile' }, 'Bad Request: unsupported parse_mode'],
    ['parse_mode sent as JSON null', { text: 'x', parse_mode: null }, 'Bad Request: unsupported parse_mode'],
    ['no chat_id', { chat_id: undefined, text: 'x' }, 'Bad Request: chat_id is empty'],
  ])('refuses %s with the Bot API error', async (_what, params, description) => {
    const res = await postJson(`${api}/sendMessage`, { chat_id: 42, ...params });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ ok: false, error_code: 400, description });
    expect(peer.received('telegram')).toHaveLength(0);
  });

  it('counts the limit after entity parsing: 4096 characters inside tags pass', async () => {
    const res = await postJson(`${api}/sendMessage`, { chat_id: 42, text: `<b>${'x'.repeat(4096)}</b>`, parse_mode: 'HTML' });
    expect(res.status).toBe(200);
  });

  it('answers 401 for an unknown token and 404 for a malformed path', async () => {
    peer.setCredentials('telegram', [TOKEN]);
    try {
      const unknown = await postJson(`${peer.url}/bot999:other/sendMessage`, { chat_id: 1, text: 'x' });
      expect([unknown.status, unknown.json()]).toEqual([401, { ok: false, error_code: 401, description: 'Unauthorized' }]);
    } finally {
      peer.setCredentials('telegram', null);
    }
    const malformed = await postJson(`${peer.url}/botnotatoken/sendMessage`, { chat_id: 1, text: 'x' });
    expect([malformed.status, malformed.json()]).toEqual([404, { ok: false, error_code: 404, description: 'Not Found' }]);
  });

  it('answers 429 "retry after N" with parameters.retry_after and Retry-After, then sends', async () => {
    peer.failNext('telegram', { status: 429, retryAfterSec: 5 });
    const limited = await postJson(`${api}/sendMessage`, { chat_id: 42, text: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.json()).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 5',
      parameters: { retry_after: 5 },
    });
    expect(limited.headers.get('retry-after')).toBe('5');
    expect((await postJson(`${api}/sendMessage`, { chat_id: 42, text: 'x' })).status).toBe(200);
    expect(peer.received('telegram')).toHaveLength(1);
  });

  it('answers 502 from the front proxy while down', async () => {
    peer.down('telegram', 60_000);
    expect((await postJson(`${api}/sendMessage`, { chat_id: 42, text: 'x' })).status).toBe(502);
    peer.up('telegram');
    expect((await postJson(`${api}/sendMessage`, { chat_id: 42, text: 'x' })).status).toBe(200);
  });
});
