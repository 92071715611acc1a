import { formatDiscord } from '../../format/markdown.format';
import { AlertMessage } from '../../format/message';
import { parseJsonObject } from '../http-outcome';
import { Redactor, SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/**
 * Discord execute-webhook: `POST https://discord.com/api/webhooks/<id>/<token>?wait=true` (with
 * `wait` Discord answers with the message, whose id we keep). A 429 carries `retry_after` in
 * seconds, with a fraction, in the body; it is more precise than the Retry-After header.
 */
export class DiscordChannel extends HttpChatChannel<'discord'> {
  private readonly url: string;

  constructor(config: ChannelOf<'discord'>, deps: ChannelDeps) {
    super(config, deps, Redactor.urlParts(config.url));
    const url = new URL(config.url);
    url.searchParams.set('wait', 'true');
    this.url = url.toString();
  }

  protected async deliver(message: AlertMessage): Promise<SendReceipt> {
    const payload = formatDiscord(message, this.consoleMaxChars, { username: this.config.username });
    const reply = await this.request(this.url, JSON.stringify(payload), {
      rules: {
        retryAfterMs: (r) => {
          const seconds = parseJsonObject(r.text)?.retry_after;
          return typeof seconds === 'number' && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
        },
      },
    });
    const id = parseJsonObject(reply.text)?.id;
    return typeof id === 'string' ? { messageId: id } : {};
  }
}
