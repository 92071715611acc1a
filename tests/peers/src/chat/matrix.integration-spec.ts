import { MATRIX_MAX_PDU_BYTES, startChatPeer, type ChatPeer } from './index';
import { CLEARML_ALERT, send } from './spec-helpers';

describe('chat peer: Matrix send event', () => {
  let peer: ChatPeer;
  const room = '!alerts:matrix.example.org';

  beforeAll(async () => {
    peer = await startChatPeer();
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  const put = (txnId: string, content: unknown, token: string | null = 'syt_Y2xlYXJnYXRl_abc_123') =>
    send(`${peer.url}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/${txnId}`, {
      method: 'PUT',
      body: typeof content === 'string' ? content : JSON.stringify(content),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  const alert = {
    msgtype: 'm.text',
    body: `Experiment ${CLEARML_ALERT.taskId} failed`,
    format: 'org.matrix.custom.html',
    formatted_body: `Experiment <a href="${CLEARML_ALERT.logUrl}">${CLEARML_ALERT.taskId}</a> <strong>failed</strong><pre><code>${CLEARML_ALERT.console.join('\n')}</code></pre>`,
  };

  it('stores an m.text with HTML and answers with an event_id', async () => {
    const res = await put('txn-1', alert);
    expect(res.status).toBe(200);
    const { event_id } = res.json() as { event_id: string };
    expect(event_id).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
    const [msg] = peer.received('matrix');
    expect(msg!).toEqual(expect.objectContaining({ id: event_id, target: room, text: alert.body }));
    expect(msg!.formatting.bold).toEqual(['failed']);
    expect(msg!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(msg!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
  });

  it('treats a repeated txnId with the same token as the same request: same event_id, posted once', async () => {
    const first = (await put('txn-retry', alert)).json();
    const again = await put('txn-retry', { msgtype: 'm.text', body: 'changed on retry' });
    expect(again.status).toBe(200);
    expect(again.json()).toEqual(first);
    expect(peer.received('matrix')).toHaveLength(1);
    expect(peer.received('matrix')[0]!.repeats).toBe(1);

    const otherToken = (await put('txn-retry', alert, 'syt_b3RoZXI_def_456')).json();
    const otherTxn = (await put('txn-retry-2', alert)).json();
    expect(otherToken).not.toEqual(first);
    expect(otherTxn).not.toEqual(first);
    expect(peer.received('matrix')).toHaveLength(3);
  });

  it('refuses an event over 65536 bytes as a PDU with 413 M_TOO_LARGE', async () => {
    const res = await put('big', { msgtype: 'm.text', body: 'x'.repeat(MATRIX_MAX_PDU_BYTES - 100) });
    expect(res.status).toBe(413);
    expect(res.json()).toEqual({ errcode: 'M_TOO_LARGE', error: 'event too large' });
    expect((await put('fits', { msgtype: 'm.text', body: 'x'.repeat(MATRIX_MAX_PDU_BYTES - 1000) })).status).toBe(200);
  });

  it.each([
    ['a body that is not JSON', '{"msgtype":', 400, 'M_NOT_JSON'],
    ['a message without msgtype', { body: 'x' }, 400, 'M_BAD_JSON'],
    ['HTML format without formatted_body', { msgtype: 'm.text', body: 'x', format: 'org.matrix.custom.html' }, 400, 'M_BAD_JSON'],
  ])('refuses %s', async (_what, content, status, errcode) => {
    const res = await put(`t-${errcode}-${status}`, content);
    expect(res.status).toBe(status);
    expect((res.json() as { errcode: string }).errcode).toBe(errcode);
  });

  it('answers 401 M_MISSING_TOKEN and M_UNKNOWN_TOKEN', async () => {
    const missing = await put('a1', alert, null);
    expect([missing.status, missing.json()]).toEqual([401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' }]);
    peer.setCredentials('matrix', ['good-token']);
    try {
      const unknown = await put('a2', alert, 'stale-token');
      expect([unknown.status, unknown.json()]).toEqual([
        401,
        { errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid access token passed.', soft_logout: false },
      ]);
      expect((await put('a3', alert, 'good-token')).status).toBe(200);
    } finally {
      peer.setCredentials('matrix', null);
    }
  });

  it('rate-limits with M_LIMIT_EXCEEDED and retry_after_ms, and the retried txn then succeeds once', async () => {
    peer.failNext('matrix', { status: 429, retryAfterSec: 1.5 });
    const limited = await put('txn-429', alert);
    expect(limited.status).toBe(429);
    expect(limited.json()).toEqual({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 1500 });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await put('txn-429', alert)).status).toBe(200);
    expect(peer.received('matrix')).toHaveLength(1);
  });

  it('answers 502 from the reverse proxy while the homeserver is down', async () => {
    peer.down('matrix', 60_000);
    expect((await put('d1', alert)).status).toBe(502);
    peer.up('matrix');
    expect((await put('d1', alert)).status).toBe(200);
  });
});
