import { startChatPeer, TEAMS_MAX_BYTES, type ChatPeer } from './index';
import { CLEARML_ALERT, postJson } from './spec-helpers';

function card(body: unknown[], version = '1.4') {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version, body },
      },
    ],
  };
}

const alertCard = () =>
  card([
    { type: 'TextBlock', text: `Experiment ID [${CLEARML_ALERT.taskId}](${CLEARML_ALERT.logUrl}) **failed**`, wrap: true },
    { type: 'FactSet', facts: [{ title: 'Project', value: CLEARML_ALERT.project }] },
    { type: 'CodeBlock', codeSnippet: CLEARML_ALERT.console.join('\n'), language: 'PlainText' },
  ]);

describe('chat peer: Teams Workflows webhook', () => {
  let peer: ChatPeer;

  beforeAll(async () => {
    peer = await startChatPeer();
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  it('accepts an Adaptive Card with 202 and an empty body, keeping links, bold and the code block', async () => {
    const res = await postJson(peer.teamsUrl('wf-1'), alertCard());

    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    const [msg] = peer.received('teams');
    expect(msg!.target).toBe('wf-1');
    expect(msg!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(msg!.formatting.bold).toEqual(['failed']);
    expect(msg!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
    expect(msg!.text).toContain(`Project: ${CLEARML_ALERT.project}`);
  });

  it('also serves the powerplatform.com path form', async () => {
    const url = peer.teamsUrl('wf-2').replace('/workflows/', '/powerautomate/automations/direct/workflows/');
    expect((await postJson(url, alertCard())).status).toBe(202);
  });

  it('refuses a missing sig and a wrong sig with the Logic Apps SAS errors', async () => {
    const good = new URL(peer.teamsUrl('wf-1'));
    const noSig = new URL(good);
    noSig.searchParams.delete('sig');
    const missing = await postJson(noSig.toString(), alertCard());
    expect(missing.status).toBe(401);
    expect(missing.json()).toEqual({
      error: { code: 'DirectApiAuthorizationRequired', message: 'The request must be authenticated only by Shared Access scheme.' },
    });

    const wrong = new URL(good);
    wrong.searchParams.set(
      'sig',
      good.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    );
    const bad = await postJson(wrong.toString(), alertCard());
    expect(bad.status).toBe(401);
    expect((bad.json() as { error: { code: string } }).error.code).toBe('DirectApiInvalidAuthorizationSignature');

    // A signature made for another workflow does not open this one.
    const other = new URL(peer.teamsUrl('wf-other'));
    other.pathname = good.pathname;
    expect((await postJson(other.toString(), alertCard())).status).toBe(401);
    expect(peer.received('teams')).toHaveLength(0);
  });

  it('answers 202 to a MessageCard like the real trigger, but the flow run fails and nothing is posted', async () => {
    const legacy = { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', text: 'hello' };
    const res = await postJson(peer.teamsUrl(), legacy);

    expect(res.status).toBe(202);
    expect(peer.received('teams')).toHaveLength(0);
    const [failure] = peer.rejected('teams');
    expect(failure!.status).toBe(202);
    expect(failure!.reason).toContain("'foreach' expression '@triggerOutputs()?['body']?['attachments']' is of type 'Null'");
  });

  it('fails the run for a non-adaptive attachment and for a message over 28 KB', async () => {
    const hero = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: { title: 'x' } }] };
    expect((await postJson(peer.teamsUrl(), hero)).status).toBe(202);
    const big = card([{ type: 'TextBlock', text: 'x'.repeat(TEAMS_MAX_BYTES) }]);
    expect((await postJson(peer.teamsUrl(), big)).status).toBe(202);

    expect(peer.received('teams')).toHaveLength(0);
    expect(peer.rejected('teams').map((r) => r.reason)).toEqual([
      expect.stringContaining('Adaptive Cards only'),
      expect.stringContaining('RequestEntityTooLarge'),
    ]);
  });

  it('answers 400 TriggerInputSchemaMismatch instead when started with teamsStrict', async () => {
    const strict = await startChatPeer({ teamsStrict: true });
    try {
      const res = await postJson(strict.teamsUrl(), card([{ type: 'TextBlock' }]));
      expect(res.status).toBe(400);
      expect((res.json() as { error: { code: string; message: string } }).error).toEqual({
        code: 'TriggerInputSchemaMismatch',
        message: expect.stringContaining('TextBlock requires text'),
      });
    } finally {
      await strict.close();
    }
  });

  it('throttles with 429 and Retry-After, then accepts the retry', async () => {
    peer.failNext('teams', { status: 429, retryAfterSec: 3 });
    const first = await postJson(peer.teamsUrl(), alertCard());
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await postJson(peer.teamsUrl(), alertCard())).status).toBe(202);
    expect(peer.received('teams')).toHaveLength(1);
  });

  it('is unavailable while down and comes back after the window', async () => {
    peer.down('teams', 80);
    expect((await postJson(peer.teamsUrl(), alertCard())).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await postJson(peer.teamsUrl(), alertCard())).status).toBe(202);
  });
});
