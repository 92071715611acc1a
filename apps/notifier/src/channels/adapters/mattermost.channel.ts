import { formatMattermost } from '../../format/markdown.format';
import { AlertMessage } from '../../format/message';
import { Redactor, SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/** Mattermost incoming webhook: `POST https://<server>/hooks/<key>`, Markdown `text`, `200 ok`. */
export class MattermostChannel extends HttpChatChannel<'mattermost'> {
  constructor(config: ChannelOf<'mattermost'>, deps: ChannelDeps) {
    super(config, deps, Redactor.urlParts(config.url));
  }

  protected async deliver(message: AlertMessage): Promise<SendReceipt> {
    const { channel, username, icon_url } = this.config;
    const payload = formatMattermost(message, this.consoleMaxChars, { channel, username, icon_url });
    await this.request(this.config.url, JSON.stringify(payload));
    return {};
  }
}
