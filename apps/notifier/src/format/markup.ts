// Escaping of text that comes from ClearML (task names, projects, reasons, console lines) for
// each markup the channels speak. Nothing from an alert is ever trusted as markup.

/** Only http(s) URLs become links; anything else is shown as text. */
export function isHttpUrl(value: string | null | undefined): value is string {
  if (!value) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A URL with the characters that would end a link in Markdown or Slack percent-encoded. */
export function linkTarget(url: string): string {
  return url.replace(/[\s()<>|[\]`"]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

// ---- HTML (Telegram, Matrix, e-mail) ----------------------------------------------------------

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeHtmlAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

// ---- Slack mrkdwn -------------------------------------------------------------------------------

/** The three characters Slack reserves for its own syntax (links, mentions): always entities. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// mrkdwn has no escape character for its emphasis markers. In a value shown inline, a marker is
// replaced by a look-alike so that a task called `exp*2` or `_tmp_` neither breaks the bold
// around it nor turns into italics. Underscores inside words never format and stay as they are
// (ClearML names are full of them).
const SLACK_LOOKALIKES: Record<string, string> = { '*': '\u2217', '~': '\u223C', '`': '\u02CB', _: '\u02CD' };

export function slackInline(text: string): string {
  return escapeSlack(text)
    .replace(/[*~`]/g, (c) => SLACK_LOOKALIKES[c]!)
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, SLACK_LOOKALIKES._!);
}

/** Text inside a ``` block: entities, and no ``` that would end the block early. */
export function slackCode(text: string): string {
  return breakFences(escapeSlack(text));
}

// ---- Markdown (Mattermost, Discord) --------------------------------------------------------------

/**
 * Backslash-escapes what CommonMark (Mattermost) and Discord's parser would read as markup in
 * running text: emphasis, code, strike, spoiler/table bars, links, autolinks, HTML and entities. Underscores
 * inside words are left alone, as both parsers ignore them there. `atLineStart` also escapes block
 * syntax (headings, quotes, lists) at the start of the text.
 */
export function escapeMarkdown(text: string, atLineStart = false): string {
  let out = text.replace(/[\\`*~|[\]<>&]/g, '\\$&').replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_');
  if (atLineStart) out = out.replace(/^(\s*)([#>+-])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
  return out;
}

/** Mattermost notifies a whole channel for @all/@channel/@here in a webhook post; a zero-width space defuses any mention. */
export function defuseMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9_.-])/g, '@\u200B');
}

/** Text inside a ``` block: a ``` in console output would close it, so its backticks are split. */
export function breakFences(text: string): string {
  return text.replace(/```/g, '`\u200B`\u200B`');
}
