import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { listen } from '../../process';
import { renderHtml } from '../markup';
import { parseMail } from '../mime';
import { smtpReplyFor, type FaultBook } from '../faults';
import { emptyFormatting, type ReceivedMessage, type RecordedRequest, type RejectedRequest, type SmtpPhase } from '../types';
import { nextSeq } from './sink';

// SMTP reply codes (RFC 5321 §4.2): 421 service not available (closes), 450/451/452 temporary, 5xx permanent;
// 535 for bad AUTH (RFC 4954). The server is nodemailer's smtp-server (https://nodemailer.com/extras/smtp-server).

export interface SmtpAuth {
  user: string;
  pass: string;
}

export interface SmtpSinkDeps {
  faults: FaultBook;
  accept(message: Omit<ReceivedMessage, 'repeats'>): void;
  refuse(rejection: RejectedRequest): void;
}

export interface SmtpSink {
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

function sessionRecord(session: SMTPServerSession, body = ''): RecordedRequest {
  return {
    method: 'SMTP',
    path: '',
    query: {},
    headers: {
      'mail-from': session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      'rcpt-to': session.envelope.rcptTo.map((r) => r.address).join(', '),
      ...(session.user !== undefined ? { user: String(session.user) } : {}),
    },
    body,
  };
}

export async function startSmtpSink(host: string, port: number, auth: SmtpAuth | undefined, deps: SmtpSinkDeps): Promise<SmtpSink> {
  const refuse = (session: SMTPServerSession, kind: RejectedRequest['kind'], code: number, reason: string, body = '') =>
    deps.refuse({ channel: 'email', time: new Date(), kind, status: code, reason, request: sessionRecord(session, body) });

  const injected = (session: SMTPServerSession, phase: SmtpPhase): Error | undefined => {
    if (phase === 'connect' && deps.faults.isDown('email')) {
      refuse(session, 'outage', 421, 'mail server down');
      return smtpError(421, 'Service not available, closing transmission channel');
    }
    const fault = deps.faults.take('email', phase);
    if (!fault) return undefined;
    const reply = smtpReplyFor(fault);
    refuse(session, 'fault', reply.code, `injected ${reply.code} at ${phase}`);
    return smtpError(reply.code, reply.message);
  };

  const server = new SMTPServer({
    name: 'mail.peer.local',
    banner: 'ClearGate chat peer ESMTP',
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: auth === undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    size: MAX_MESSAGE_BYTES,
    rejectOversized: true,
    disableReverseLookup: true,
    onConnect(session, callback) {
      callback(injected(session, 'connect') ?? null);
    },
    onAuth(credentials, session, callback) {
      if (auth === undefined || (credentials.username === auth.user && credentials.password === auth.pass)) {
        callback(null, { user: credentials.username });
        return;
      }
      refuse(session, 'auth', 535, `bad credentials for ${String(credentials.username)}`);
      callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(_address, session, callback) {
      callback(injected(session, 'mail') ?? null);
    },
    onRcptTo(_address, session, callback) {
      callback(injected(session, 'rcpt') ?? null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (stream.sizeExceeded) {
          refuse(session, 'invalid', 552, `message over ${MAX_MESSAGE_BYTES} bytes`);
          callback(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'));
          return;
        }
        const fault = injected(session, 'data');
        if (fault) {
          callback(fault);
          return;
        }
        const mail = parseMail(raw);
        const html = mail.html !== undefined ? renderHtml(mail.html) : undefined;
        const id = mail.messageId !== '' ? mail.messageId : `<peer-${nextSeq()}@peer.local>`;
        const request = sessionRecord(session, raw.toString('utf8'));
        request.headers = { ...request.headers, ...mail.headers };
        deps.accept({
          channel: 'email',
          id,
          time: new Date(),
          target: session.envelope.rcptTo.map((r) => r.address).join(', '),
          request,
          payload: {
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            from: mail.from,
            to: mail.to,
            cc: mail.cc,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
          },
          text: mail.text ?? html?.text ?? '',
          formatting: html?.formatting ?? emptyFormatting(),
        });
        callback(null, `Ok: queued as ${id}`);
      });
    },
  });

  const boundPort = await listen(server.server, port, host);
  server.on('error', () => undefined);
  return {
    port: boundPort,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
