import { formatSlack } from '../../format/slack.format';
import { AlertMessage } from '../../format/message';
import { Redactor, SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/** Slack incoming webhook: `POST https://hooks.slack.com/services/T…/B…/…`, Block Kit body, `200 ok`. */
export class SlackChannel extends HttpChatChannel<'slack'> {
  constructor(config: ChannelOf<'slack'>, deps: ChannelDeps) {
    super(config, deps, Redactor.urlParts(config.url));
  }

  protected async deliver(message: AlertMessage): Promise<SendReceipt> {
    await this.request(this.config.url, JSON.stringify(formatSlack(message, this.consoleMaxChars)));
    return {};
  }
}
