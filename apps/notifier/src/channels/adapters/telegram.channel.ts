import { formatTelegram } from '../../format/html.format';
import { AlertMessage } from '../../format/message';
import { parseJsonObject } from '../http-outcome';
import { SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/**
 * Telegram Bot API `sendMessage` with parse_mode HTML, link previews off. Every answer is
 * `{ok, result}` or `{ok: false, error_code, description, parameters}`; a 429 says how long to
 * wait in `parameters.retry_after` (seconds).
 */
export class TelegramChannel extends HttpChatChannel<'telegram'> {
  private readonly url: string;

  constructor(config: ChannelOf<'telegram'>, deps: ChannelDeps) {
    const url = `${config.api_url.replace(/\/+$/, '')}/bot${config.token}/sendMessage`;
    super(config, deps, [config.token, `bot${config.token}`, url, config.token.split(':')[1]]);
    this.url = url;
  }

  protected async deliver(message: AlertMessage): Promise<SendReceipt> {
    const { html } = formatTelegram(message, this.consoleMaxChars);
    const body = {
      chat_id: this.config.chat_id,
      text: html,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(this.config.message_thread_id ? { message_thread_id: this.config.message_thread_id } : {}),
    };
    const reply = await this.request(this.url, JSON.stringify(body), {
      rules: {
        ok: (r) => parseJsonObject(r.text)?.ok === true,
        retryAfterMs: (r) => {
          const params = parseJsonObject(r.text)?.parameters as { retry_after?: unknown } | undefined;
          return typeof params?.retry_after === 'number' ? params.retry_after * 1000 : undefined;
        },
      },
    });
    const result = parseJsonObject(reply.text)?.result as { message_id?: unknown } | undefined;
    return result?.message_id !== undefined ? { messageId: String(result.message_id) } : {};
  }
}
