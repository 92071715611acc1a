import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AddressPolicy } from '@cleargate/egress';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';
import { DiscordChannel } from './adapters/discord.channel';
import { EmailChannel } from './adapters/email.channel';
import { MatrixChannel } from './adapters/matrix.channel';
import { MattermostChannel } from './adapters/mattermost.channel';
import { SlackChannel } from './adapters/slack.channel';
import { TeamsChannel } from './adapters/teams.channel';
import { TelegramChannel } from './adapters/telegram.channel';
import { WebhookChannel } from './adapters/webhook.channel';
import { ChatChannel } from './channel';
import { ChannelConfig } from './channel-config';
import { ChannelDeps } from './http-channel';
import { HttpClient } from './http-client';

export function createChannel(config: ChannelConfig, deps: ChannelDeps): ChatChannel {
  switch (config.type) {
    case 'slack':
      return new SlackChannel(config, deps);
    case 'teams':
      return new TeamsChannel(config, deps);
    case 'mattermost':
      return new MattermostChannel(config, deps);
    case 'discord':
      return new DiscordChannel(config, deps);
    case 'telegram':
      return new TelegramChannel(config, deps);
    case 'matrix':
      return new MatrixChannel(config, deps);
    case 'webhook':
      return new WebhookChannel(config, deps);
    case 'email':
      return new EmailChannel(config, deps);
  }
}

/** The configured channels by name, built once at start-up. */
@Injectable()
export class ChannelRegistry implements OnApplicationShutdown {
  private readonly http: HttpClient;
  private readonly channels = new Map<string, ChatChannel>();

  constructor(@Inject(NOTIFIER_CONFIG) config: NotifierConfig) {
    this.http = new HttpClient(new AddressPolicy(config.EGRESS_ALLOWED_CIDRS));
    for (const channel of config.NOTIFIER_CHANNELS) {
      this.channels.set(channel.name, createChannel(channel, { http: this.http, consoleMaxChars: config.NOTIFIER_CONSOLE_MAX_CHARS }));
    }
  }

  get(name: string): ChatChannel {
    const channel = this.channels.get(name);
    if (!channel) throw new Error(`unknown channel ${name}`);
    return channel;
  }

  all(): ChatChannel[] {
    return [...this.channels.values()];
  }

  /** Removes every channel's secrets from a text. */
  redact(text: string): string {
    let out = text;
    for (const channel of this.channels.values()) out = channel.redact(out);
    return out;
  }

  // After every module's onModuleDestroy: the consumer has finished the alerts in hand.
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all().map((c) => c.close?.()));
    await this.http.close();
  }
}
