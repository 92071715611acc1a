import { createTransport, Transporter } from 'nodemailer';
import type { Alert } from '@cleargate/contracts';
import { formatEmail } from '../../format/html.format';
import { buildMessage } from '../../format/message';
import { ChatChannel, DeliveryError, Redactor, SendContext, SendReceipt } from '../channel';
import { CHANNEL_DEFAULTS, ChannelOf } from '../channel-config';
import { ChannelDeps } from '../http-channel';
import { errorCode } from '../http-client';

/**
 * E-mail over SMTP with nodemailer: one connection per message (alerts are rare; no idle
 * connection to keep alive), text and HTML parts. The Message-ID is derived from the alert, so a
 * copy sent again after a lost acknowledgement is recognisably the same mail.
 */
export class EmailChannel implements ChatChannel {
  readonly name: string;
  readonly type = 'email' as const;
  private readonly transport: Transporter;
  private readonly redactor: Redactor;
  private readonly consoleMaxChars: number;
  private readonly domain: string;

  constructor(
    private readonly config: ChannelOf<'email'>,
    deps: ChannelDeps,
  ) {
    this.name = config.name;
    this.consoleMaxChars = config.console_max_chars ?? deps.consoleMaxChars;
    this.redactor = new Redactor([config.password]);
    this.domain = /@([^>\s]+)>?\s*$/.exec(config.from)?.[1] ?? 'cleargate.invalid';
    const timeout = config.timeout_ms ?? CHANNEL_DEFAULTS.email.timeoutMs;
    this.transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.tls === 'implicit',
      requireTLS: config.tls === 'starttls',
      ignoreTLS: config.tls === 'none',
      ...(config.user ? { auth: { user: config.user, pass: config.password } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  async send(alert: Alert, context: SendContext): Promise<SendReceipt> {
    const mail = formatEmail(buildMessage(alert), this.consoleMaxChars, this.config.subject_prefix);
    try {
      const info = (await this.transport.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${context.deliveryId}.${this.name}@${this.domain}>`,
        headers: { 'X-Cleargate-Alert-Id': encodeURIComponent(alert.alert_id) },
      })) as { messageId?: string };
      return info.messageId ? { messageId: info.messageId } : {};
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** SMTP reply codes (RFC 5321): 4xx try again later, 5xx permanent; no code means the connection failed. */
export function classifySmtpError(err: unknown): DeliveryError {
  const e = err as { responseCode?: unknown; command?: unknown };
  const command = typeof e.command === 'string' && /^[A-Z ]{2,20}$/.test(e.command) ? ` at ${e.command}` : '';
  if (typeof e.responseCode === 'number') {
    const message = `SMTP ${e.responseCode}${command}`;
    return e.responseCode >= 500
      ? new DeliveryError('permanent', message, undefined, e.responseCode)
      : new DeliveryError('transient', message, undefined, e.responseCode);
  }
  return new DeliveryError('transient', `SMTP ${errorCode(err)}${command}`);
}
