import { createTransport } from 'nodemailer';
import { startChatPeer, type ChatPeer } from './index';
import { CLEARML_ALERT } from './spec-helpers';

interface SmtpFailure {
  responseCode?: number;
  response?: string;
  command?: string;
}

async function failureOf(promise: Promise<unknown>): Promise<SmtpFailure> {
  try {
    await promise;
  } catch (err) {
    return err as SmtpFailure;
  }
  throw new Error('the mail was accepted');
}

describe('chat peer: SMTP', () => {
  let peer: ChatPeer;

  beforeAll(async () => {
    peer = await startChatPeer({ smtpAuth: { user: 'alerts', pass: 'pa55' } });
  });
  afterAll(() => peer.close());
  beforeEach(() => peer.clear());

  const transport = (auth: { user: string; pass: string } | null = { user: 'alerts', pass: 'pa55' }) =>
    createTransport({ host: '127.0.0.1', port: peer.smtpPort, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) });

  const alertMail = {
    from: 'ClearGate <alerts@cleargate.example>',
    to: 'ops@snap4city.example, Ana Núñez <ana@snap4city.example>',
    subject: `Task ${CLEARML_ALERT.name} failed — ${CLEARML_ALERT.project}`,
    text: `Experiment ${CLEARML_ALERT.taskId} failed\n${CLEARML_ALERT.console.join('\n')}`,
    html: `<p>Experiment <a href="${CLEARML_ALERT.logUrl}">${CLEARML_ALERT.taskId}</a> <b>failed</b></p><pre>${CLEARML_ALERT.console.join('\n')}</pre>`,
  };

  it('accepts an authenticated multipart mail and exposes from/to/subject/text/html', async () => {
    const info = await transport().sendMail(alertMail);

    expect(info.accepted).toEqual(['ops@snap4city.example', 'ana@snap4city.example']);
    const [mail] = peer.received('email');
    expect(mail!.target).toBe('ops@snap4city.example, ana@snap4city.example');
    expect(mail!.id).toBe(info.messageId);
    expect(mail!.payload).toEqual(
      expect.objectContaining({
        from: 'ClearGate <alerts@cleargate.example>',
        to: ['ops@snap4city.example', 'Ana Núñez <ana@snap4city.example>'],
        subject: alertMail.subject,
        text: alertMail.text,
        html: alertMail.html,
      }),
    );
    expect(mail!.text).toBe(alertMail.text);
    expect(mail!.formatting.bold).toEqual(['failed']);
    expect(mail!.formatting.links).toEqual([{ text: CLEARML_ALERT.taskId, url: CLEARML_ALERT.logUrl }]);
    expect(mail!.formatting.pre).toEqual([CLEARML_ALERT.console.join('\n')]);
    expect(mail!.request.headers.user).toBe('alerts');
  });

  it('refuses a wrong password with 535 and mail without AUTH with 530', async () => {
    const wrong = await failureOf(transport({ user: 'alerts', pass: 'nope' }).sendMail(alertMail));
    expect(wrong.responseCode).toBe(535);
    const anonymous = await failureOf(transport(null).sendMail(alertMail));
    expect(anonymous.responseCode).toBe(530);
    expect(peer.received('email')).toHaveLength(0);
  });

  it('maps an injected 429 to a temporary 451 at MAIL FROM, then delivers the retry', async () => {
    peer.failNext('email', { status: 429 });
    const limited = await failureOf(transport().sendMail(alertMail));
    expect(limited.responseCode).toBe(451);
    expect(limited.command).toBe('MAIL FROM');
    await transport().sendMail(alertMail);
    expect(peer.received('email')).toHaveLength(1);
    expect(peer.rejected('email').map((r) => [r.kind, r.status])).toEqual([['fault', 451]]);
  });

  it('answers explicit SMTP codes in the phase asked for, temporary and permanent', async () => {
    peer.failNext('email', { smtpCode: 452, phase: 'rcpt' });
    peer.failNext('email', { smtpCode: 554, message: '5.7.1 Message rejected as spam', phase: 'data' });
    const rcpt = await failureOf(transport().sendMail({ ...alertMail, to: 'ops@snap4city.example' }));
    expect([rcpt.responseCode, rcpt.command]).toEqual([452, 'RCPT TO']);
    const data = await failureOf(transport().sendMail(alertMail));
    expect(data.responseCode).toBe(554);
    expect(data.response).toContain('Message rejected as spam');
    expect(peer.received('email')).toHaveLength(0);
  });

  it('greets with 421 while down and accepts again after up()', async () => {
    peer.down('email', 60_000);
    const down = await failureOf(transport().sendMail(alertMail));
    expect(down.responseCode).toBe(421);
    peer.up('email');
    await transport().sendMail(alertMail);
    expect(peer.received('email')).toHaveLength(1);
  });
});
