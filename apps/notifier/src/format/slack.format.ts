import { fitConsole } from './console';
import { escapeSlack, linkTarget, slackCode, slackInline } from './markup';
import { AlertMessage, Markup, renderLine, shrinkMessage } from './message';

// Block Kit (https://api.slack.com/reference/block-kit/blocks): a section's text is at most 3000
// characters; messages whose blocks add up to much more are refused (msg_blocks_too_long, seen
// around 13k), so the summary and the console get one section each.
export const SLACK_SECTION_MAX = 3000;

export interface SlackPayload {
  text: string;
  blocks: Array<Record<string, unknown>>;
  unfurl_links: boolean;
  unfurl_media: boolean;
}

const slackMarkup: Markup = {
  text: (t) => slackInline(t),
  bold: (t) => `*${t}*`,
  link: (label, url) => `<${escapeSlack(linkTarget(url))}|${slackInline(label).replace(/\|/g, '\u00A6')}>`,
};

function summary(m: AlertMessage): string {
  return [`${m.marker} *${slackInline(m.title)}*`, ...m.lines.map((l) => renderLine(l, slackMarkup))].join('\n');
}

const codeBlock = (text: string) => `\`\`\`\n${slackCode(text)}\n\`\`\``;

export function formatSlack(message: AlertMessage, consoleMaxChars: number): SlackPayload {
  const fitted = shrinkMessage(message, (m) => summary(m).length <= SLACK_SECTION_MAX);
  const blocks: Array<Record<string, unknown>> = [{ type: 'section', text: { type: 'mrkdwn', text: summary(fitted) } }];
  const console = fitConsole(message.console, consoleMaxChars, (t) => codeBlock(t).length <= SLACK_SECTION_MAX);
  if (console !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: codeBlock(console) } });
  const { alert } = message;
  const at = Math.floor(Date.parse(alert.at) / 1000);
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `ClearGate · ${alert.kind} · ${alert.severity} · <!date^${at}^{date_short_pretty} {time_secs}|${escapeSlack(alert.at)}>`,
      },
    ],
  });
  return {
    // With blocks, `text` is what notifications and screen readers show.
    text: escapeSlack(`${fitted.marker} ${fitted.title}`),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}
