import { formatTeams } from '../../format/teams.format';
import { AlertMessage } from '../../format/message';
import { Redactor, SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/**
 * Microsoft Teams through a Workflows (Power Automate) HTTP trigger: the URL is signed by its `sig`
 * parameter; the trigger answers 202 as soon as it accepted the request (the card is posted by the
 * flow run afterwards, so a card Teams cannot show never comes back as an HTTP error).
 */
export class TeamsChannel extends HttpChatChannel<'teams'> {
  constructor(config: ChannelOf<'teams'>, deps: ChannelDeps) {
    super(config, deps, Redactor.urlParts(config.url));
  }

  protected async deliver(message: AlertMessage): Promise<SendReceipt> {
    await this.request(this.config.url, JSON.stringify(formatTeams(message, this.consoleMaxChars)));
    return {};
  }
}
