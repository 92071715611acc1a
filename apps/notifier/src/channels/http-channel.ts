import type { Alert } from '@cleargate/contracts';
import { AlertMessage, buildMessage } from '../format/message';
import { ChatChannel, Redactor, SendContext, SendReceipt } from './channel';
import { CHANNEL_DEFAULTS, ChannelOf, ChannelType } from './channel-config';
import { HttpClient, HttpReply } from './http-client';
import { checkReply, ReplyRules } from './http-outcome';

export interface ChannelDeps {
  http: HttpClient;
  /** NOTIFIER_CONSOLE_MAX_CHARS, unless the channel sets its own. */
  consoleMaxChars: number;
}

/** What the HTTP adapters share: secrets kept out of errors, timeouts, JSON requests, reply checks. */
export abstract class HttpChatChannel<T extends ChannelType> implements ChatChannel {
  readonly name: string;
  readonly type: T;
  protected readonly consoleMaxChars: number;
  protected readonly timeoutMs: number;
  private readonly redactor: Redactor;

  constructor(
    protected readonly config: ChannelOf<T>,
    private readonly deps: ChannelDeps,
    secrets: string[],
  ) {
    this.name = config.name;
    this.type = config.type as T;
    this.consoleMaxChars = config.console_max_chars ?? deps.consoleMaxChars;
    this.timeoutMs = config.timeout_ms ?? CHANNEL_DEFAULTS[config.type].timeoutMs;
    this.redactor = new Redactor(secrets);
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  async send(alert: Alert, context: SendContext): Promise<SendReceipt> {
    return this.deliver(buildMessage(alert), context);
  }

  protected abstract deliver(message: AlertMessage, context: SendContext): Promise<SendReceipt>;

  protected async request(
    url: string,
    body: string,
    options: { method?: 'POST' | 'PUT'; headers?: Record<string, string>; rules?: ReplyRules } = {},
  ): Promise<HttpReply> {
    const reply = await this.deps.http.send({
      method: options.method ?? 'POST',
      url,
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      timeoutMs: this.timeoutMs,
    });
    checkReply(reply, (t) => this.redact(t), options.rules);
    return reply;
  }
}
