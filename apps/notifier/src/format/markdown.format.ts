import { fitConsole } from './console';
import { breakFences, defuseMentions, escapeMarkdown, linkTarget } from './markup';
import { AlertMessage, Markup, renderLine, SEVERITY_COLORS, shrinkMessage } from './message';

// Mattermost incoming webhooks take Markdown `text`; a post is at most 16383 runes (longer text is
// split into several posts, which would cut the console block apart).
export const MATTERMOST_MAX_RUNES = 16_383;
// Discord: one embed; description at most 4096 characters, title 256, 6000 for the whole embed.
export const DISCORD_DESCRIPTION_MAX = 4096;
export const DISCORD_TITLE_MAX = 256;
const SUMMARY_SHARE = 1500;

const runes = (text: string) => Array.from(text).length;

function markdown(mentions: boolean): Markup {
  const guard = mentions ? defuseMentions : (t: string) => t;
  return {
    text: (t, atLineStart) => guard(escapeMarkdown(t, atLineStart)),
    bold: (t) => `**${t}**`,
    link: (label, url) => `[${guard(escapeMarkdown(label))}](${linkTarget(url)})`,
  };
}

const mattermostMarkup = markdown(true);
const discordMarkup = markdown(false);
const fence = (text: string) => `\`\`\`\n${breakFences(text)}\n\`\`\``;

export interface MattermostOptions {
  channel?: string;
  username?: string;
  icon_url?: string;
}

function mattermostSummary(m: AlertMessage): string {
  return [`${m.marker} **${mattermostMarkup.text(m.title, false)}**`, ...m.lines.map((l) => renderLine(l, mattermostMarkup))].join('\n');
}

export function formatMattermost(message: AlertMessage, consoleMaxChars: number, options: MattermostOptions = {}): Record<string, unknown> {
  const fitted = shrinkMessage(message, (m) => runes(mattermostSummary(m)) <= SUMMARY_SHARE * 2);
  const head = mattermostSummary(fitted);
  const text = (console: string) => (console === '' ? head : `${head}\n${fence(console)}`);
  const console = fitConsole(message.console, consoleMaxChars, (t) => runes(text(t)) <= MATTERMOST_MAX_RUNES);
  return {
    text: text(console),
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.username ? { username: options.username } : {}),
    ...(options.icon_url ? { icon_url: options.icon_url } : {}),
  };
}

// Discord renders Markdown in embed titles too (not links).
const discordTitle = (m: AlertMessage) => `${m.marker} ${discordMarkup.text(m.title, false)}`;

function discordSummary(m: AlertMessage): string {
  return m.lines.map((l) => renderLine(l, discordMarkup)).join('\n');
}

export function formatDiscord(
  message: AlertMessage,
  consoleMaxChars: number,
  options: { username?: string } = {},
): Record<string, unknown> {
  const fitted = shrinkMessage(message, (m) => discordSummary(m).length <= SUMMARY_SHARE && discordTitle(m).length <= DISCORD_TITLE_MAX);
  const head = discordSummary(fitted);
  const description = (console: string) => (console === '' ? head : `${head}\n${fence(console)}`);
  const console = fitConsole(message.console, consoleMaxChars, (t) => description(t).length <= DISCORD_DESCRIPTION_MAX);
  const { alert } = message;
  return {
    ...(options.username ? { username: options.username } : {}),
    // Nothing in an alert may ping anyone.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: discordTitle(fitted),
        ...(message.logUrl ? { url: message.logUrl } : {}),
        description: description(console) || '\u200B',
        color: SEVERITY_COLORS[alert.severity],
        timestamp: alert.at,
        footer: { text: `ClearGate · ${alert.kind} · ${alert.severity}` },
      },
    ],
  };
}
