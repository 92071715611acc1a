import { createTransport } from 'nodemailer';
import { startChatPeer, type ChatPeer } from './index';
import { startStandalonePeer, type StandalonePeer } from '../standalone';
import { postJson, send } from './spec-helpers';

describe('chat peer: control plane', () => {
  let peer: ChatPeer;

  beforeAll(async () => {
    peer = await startChatPeer();
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  it('records a request no sink serves under "unknown" and answers 404', async () => {
    const res = await postJson(`${peer.url}/api/v1/other`, { text: 'x' });
    expect(res.status).toBe(404);
    expect(peer.rejected('unknown')).toEqual([
      expect.objectContaining({ kind: 'not-found', request: expect.objectContaining({ path: '/api/v1/other' }) }),
    ]);
  });

  it('refuses fault settings that cannot be honoured', () => {
    expect(() => peer.failNext('slack', { status: 418 as 429 })).toThrow('unsupported fault status 418');
    expect(() => peer.failNext('slack', { status: 429, times: 0 })).toThrow('times must be a positive integer');
    expect(() => peer.failNext('slack', { smtpCode: 451 })).toThrow('email channel only');
    expect(() => peer.down('slack', 0)).toThrow('positive duration');
  });

  it('keeps faults per channel and clear() forgets them', async () => {
    peer.failNext('discord', { status: 503, times: 3 });
    const slack = await postJson(`${peer.url}/services/T1/B1/x`, { text: 'x' });
    expect(slack.status).toBe(200);
    peer.clear();
    expect((await postJson(`${peer.url}/api/webhooks/1/t`, { content: 'x' })).status).toBe(204);
    expect(peer.received().map((m) => m.channel)).toEqual(['discord']);
  });

  it('keeps an SMTP outage and an HTTP outage apart', async () => {
    peer.down('email', 60_000);
    expect((await postJson(`${peer.url}/services/T1/B1/x`, { text: 'x' })).status).toBe(200);
    const mail = createTransport({ host: '127.0.0.1', port: peer.smtpPort, secure: false, ignoreTLS: true });
    await expect(mail.sendMail({ from: 'a@x.example', to: 'b@x.example', subject: 's', text: 't' })).rejects.toMatchObject({
      responseCode: 421,
    });
  });
});

describe('chat peer: standalone process', () => {
  let standalone: StandalonePeer | undefined;
  afterAll(() => standalone?.dispose());

  it('prints its address, obeys /__peer control and exits on SIGTERM', async () => {
    standalone = await startStandalonePeer('chat', ['--port', '0', '--smtp-port=0']);
    const info = standalone.info as { peer: string; url: string; smtpPort: number };
    expect(info).toEqual({ peer: 'chat', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), smtpPort: expect.any(Number) });
    const control = (path: string, body?: unknown) =>
      body === undefined ? send(`${info.url}/__peer/${path}`, { method: 'GET' }) : postJson(`${info.url}/__peer/${path}`, body);

    expect((await control('fail', { channel: 'slack', status: 429, retryAfterSec: 4 })).status).toBe(204);
    const limited = await postJson(`${info.url}/services/T1/B1/x`, { text: 'first' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '4']);
    expect((await postJson(`${info.url}/services/T1/B1/x`, { text: 'second' })).status).toBe(200);

    const received = (await control('received?channel=slack')).json() as Array<{ text: string; time: string }>;
    expect(received.map((m) => m.text)).toEqual(['second']);
    expect(Number.isNaN(Date.parse(received[0]!.time))).toBe(false);
    expect(((await control('rejected')).json() as Array<{ kind: string }>).map((r) => r.kind)).toEqual(['fault']);

    expect((await control('down', { channel: 'telegram', ms: 60_000 })).status).toBe(204);
    expect((await postJson(`${info.url}/bot1:abc/sendMessage`, { chat_id: 1, text: 'x' })).status).toBe(502);
    expect((await control('up', { channel: 'telegram' })).status).toBe(204);
    expect((await postJson(`${info.url}/bot1:abc/sendMessage`, { chat_id: 1, text: 'x' })).status).toBe(200);

    expect((await control('webhook-secret', { name: 'ops', secret: 'k' })).status).toBe(204);
    const teams = (await control('teams-url?workflow=wf9')).json() as { url: string };
    const emptyRun = await postJson(teams.url, { attachments: [] });
    expect(emptyRun.status).toBe(202);
    expect(((await control('rejected?channel=teams')).json() as Array<{ reason: string }>)[0]!.reason).toContain('posts nothing');
    expect((await control('fail', { channel: 'nowhere', status: 429 })).status).toBe(400);
    expect((await control('clear', {})).status).toBe(204);
    expect((await control('received')).json()).toEqual([]);

    expect(await standalone.stop()).toBe(0);
  });
});
