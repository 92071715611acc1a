import { MATRIX_MAX_PDU_BYTES, parseTelegramHtml, TEAMS_MAX_BYTES as PEER_TEAMS_MAX_BYTES } from '@cleargate/peers';
import { failedTaskAlert, NASTY, nastyConsole } from '../test/alerts';
import { CUT_MARK } from './console';
import { formatEmail, formatMatrix, formatTelegram, TELEGRAM_MAX_CHARS } from './html.format';
import { DISCORD_DESCRIPTION_MAX, formatDiscord, formatMattermost, MATTERMOST_MAX_RUNES } from './markdown.format';
import { buildMessage } from './message';
import { formatSlack, SLACK_SECTION_MAX } from './slack.format';
import { formatTeams, TEAMS_MAX_BYTES } from './teams.format';
import { formatWebhook } from './webhook.format';

// A console far beyond every provider's limit, and a cap that does not get in the way, so that
// each formatter has to cut to its own limit.
const HUGE = nastyConsole(1000, 3);
const NO_CAP = 1_000_000;
const newest = 'line 999';
const oldest = 'line 0 ';
const hostile = 'exp*2 <b>bold</b> & _x_ `y` [z](http://evil.example) @channel';

const alert = failedTaskAlert({ console_lines: HUGE });
const message = buildMessage(alert);
const task = alert.task!;

type Block = { type: string; text?: { type: string; text: string } };

describe('Slack', () => {
  const payload = formatSlack(message, NO_CAP);
  const blocks = payload.blocks as Block[];

  it('keeps every section within 3000 characters and the console in a code block ending with the newest line', () => {
    for (const block of blocks) if (block.type === 'section') expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
    const code = blocks[1]!.text!.text;
    expect(code.startsWith('```\n')).toBe(true);
    expect(code.endsWith('```')).toBe(true);
    expect(code.slice(3, -3)).not.toContain('```');
    expect(code).toContain(newest);
    expect(code).not.toContain(oldest);
    expect(code).toContain(`\n${CUT_MARK}\n`.slice(1));
    expect(code).toContain('&lt;b&gt;&amp;amp;');
    expect(code.length).toBeGreaterThan(SLACK_SECTION_MAX - 200);
  });

  it('shows the ClearML summary: link to the log, bold status, project and name', () => {
    const summary = blocks[0]!.text!.text;
    expect(summary).toContain(`Experiment ID <${task.log_url}|${task.id}> *failed*`);
    expect(summary).toContain(`Project: *Snap4City/traffic*  -  Name: *${task.name}*`);
    expect(payload.text).toContain(task.name);
  });

  it('escapes names from ClearML and cuts the console to the configured cap', () => {
    const p = formatSlack(buildMessage(failedTaskAlert({ task: { name: hostile } })), 2048);
    const summary = (p.blocks as Block[])[0]!.text!.text;
    expect(summary).toContain('*exp\u22172 &lt;b&gt;bold&lt;/b&gt; &amp; \u02CDx\u02CD \u02CBy\u02CB [z](http://evil.example) @channel*');
    expect(summary).not.toContain('<b>');
    const small = formatSlack(message, 2048).blocks as Block[];
    const console = small[1]!.text!.text.slice(4, -4);
    expect(
      console
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
        .replace(/\u200B/g, '').length,
    ).toBeLessThanOrEqual(2048);
  });
});

describe('Teams', () => {
  it('stays under 28 KB with the newest console lines in a CodeBlock and names as plain TextRuns', () => {
    const hostileAlert = failedTaskAlert({ console_lines: HUGE, task: { name: hostile } });
    const payload = formatTeams(buildMessage(hostileAlert), NO_CAP);
    const json = JSON.stringify(payload);
    expect(TEAMS_MAX_BYTES).toBe(PEER_TEAMS_MAX_BYTES);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(TEAMS_MAX_BYTES - 1024);
    expect(Buffer.byteLength(json)).toBeGreaterThan(TEAMS_MAX_BYTES - 4096);
    const card = (
      payload.attachments as Array<{ content: { body: Array<Record<string, unknown>>; actions: unknown[]; version: string } }>
    )[0]!.content;
    const code = card.body.find((b) => b.type === 'CodeBlock')!.codeSnippet as string;
    expect(code.endsWith(HUGE[999]!)).toBe(true);
    expect(code).not.toContain(oldest);
    const runs = card.body.flatMap((b) => (b.inlines as Array<{ text: string; weight?: string }> | undefined) ?? []);
    expect(runs).toContainEqual(expect.objectContaining({ text: hostile, weight: 'Bolder' }));
    expect(runs).toContainEqual(expect.objectContaining({ text: 'failed', weight: 'Bolder' }));
    expect(runs).toContainEqual(
      expect.objectContaining({ text: hostileAlert.task!.id, selectAction: { type: 'Action.OpenUrl', url: hostileAlert.task!.log_url } }),
    );
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the task log', url: hostileAlert.task!.log_url }]);
  });
});

describe('Mattermost', () => {
  it('stays within one post (16383 runes) and keeps the console fenced', () => {
    const { text } = formatMattermost(message, NO_CAP) as { text: string };
    expect(Array.from(text).length).toBeLessThanOrEqual(MATTERMOST_MAX_RUNES);
    expect(Array.from(text).length).toBeGreaterThan(MATTERMOST_MAX_RUNES - 400);
    const fence = text.indexOf('```\n');
    expect(text.endsWith('\n```')).toBe(true);
    expect(text.slice(fence + 3, -3)).not.toContain('```');
    expect(text.trimEnd().split('\n').slice(-2)[0]!.startsWith(newest)).toBe(true);
    expect(text).toContain(`Experiment ID [${task.id}](https://app.clear.ml/projects/*/experiments/${task.id}/output/log) **failed**`);
  });

  it('escapes Markdown and defuses @-mentions in names', () => {
    const { text } = formatMattermost(buildMessage(failedTaskAlert({ task: { name: hostile } })), 2048, { username: 'ClearGate' }) as {
      text: string;
      username: string;
    };
    expect(text).toContain('**exp\\*2 \\<b\\>bold\\</b\\> \\& \\_x\\_ \\`y\\` \\[z\\](http://evil.example) @\u200Bchannel**');
  });
});

describe('Discord', () => {
  it('fits one embed: description 4096, title 256, 6000 in total; pings nobody', () => {
    const payload = formatDiscord(buildMessage(failedTaskAlert({ console_lines: HUGE, title: 'T'.repeat(500) })), NO_CAP) as {
      allowed_mentions: unknown;
      embeds: Array<{ title: string; description: string; url: string; footer: { text: string } }>;
    };
    const [embed] = payload.embeds;
    expect(payload.allowed_mentions).toEqual({ parse: [] });
    expect(embed!.title.length).toBeLessThanOrEqual(256);
    expect(embed!.description.length).toBeLessThanOrEqual(DISCORD_DESCRIPTION_MAX);
    expect(embed!.description.length).toBeGreaterThan(DISCORD_DESCRIPTION_MAX - 300);
    expect(embed!.title.length + embed!.description.length + embed!.footer.text.length).toBeLessThanOrEqual(6000);
    expect(embed!.description).toContain(newest);
    expect(embed!.description.endsWith('\n```')).toBe(true);
  });

  it('links the title to the log and keeps bold status, project and name', () => {
    const payload = formatDiscord(message, 2048) as { embeds: Array<{ url: string; description: string }> };
    expect(payload.embeds[0]!.url).toBe(task.log_url);
    expect(payload.embeds[0]!.description).toContain(`Project: **Snap4City/traffic**  -  Name: **${task.name}**`);
  });
});

describe('Telegram', () => {
  it('produces HTML that Telegram parses, at most 4096 characters after parsing, with the newest lines in <pre>', () => {
    const hostileAlert = failedTaskAlert({ console_lines: HUGE, task: { name: hostile } });
    const { html, visible } = formatTelegram(buildMessage(hostileAlert), NO_CAP);
    const parsed = parseTelegramHtml(html);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.text.trim()).toBe(visible);
    expect(parsed.text.trim().length).toBeLessThanOrEqual(TELEGRAM_MAX_CHARS);
    expect(parsed.text.trim().length).toBeGreaterThan(TELEGRAM_MAX_CHARS - 200);
    const slice = (e: { offset: number; length: number }) => parsed.text.slice(e.offset, e.offset + e.length);
    const bold = parsed.entities.filter((e) => e.type === 'bold').map(slice);
    expect(bold).toEqual(expect.arrayContaining([hostile, 'failed', 'Snap4City/traffic', hostileAlert.title]));
    const pre = parsed.entities.filter((e) => e.type === 'pre').map(slice);
    expect(pre).toHaveLength(1);
    expect(pre[0]!.endsWith(HUGE[999]!)).toBe(true);
    expect(parsed.entities).toContainEqual(expect.objectContaining({ type: 'text_link', url: hostileAlert.task!.log_url }));
  });
});

describe('Matrix', () => {
  it('keeps the event content well under the 64 KiB PDU limit, with body and formatted_body', () => {
    const content = formatMatrix(message, NO_CAP) as { body: string; formatted_body: string; format: string; msgtype: string };
    const bytes = Buffer.byteLength(JSON.stringify(content));
    expect(bytes).toBeLessThanOrEqual(MATRIX_MAX_PDU_BYTES - 4096);
    expect(bytes).toBeGreaterThan(50_000);
    expect(content).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html' });
    expect(content.body).toContain(HUGE[999]);
    expect(content.formatted_body).toContain(`<a href="${task.log_url}">${task.id}</a> <b>failed</b>`);
    expect(content.formatted_body).toMatch(/<pre><code>…\nline \d+ &lt;b&gt;&amp;amp;/);
    expect(content.formatted_body).not.toContain(NASTY);
  });
});

describe('webhook', () => {
  it('sends the alert as JSON with the newest console lines that fit', () => {
    const body = formatWebhook(message, NO_CAP, 64 * 1024);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(64 * 1024);
    const parsed = JSON.parse(body) as { alert: typeof alert; text: string; console_truncated: boolean };
    expect(parsed.alert).toMatchObject({ alert_id: alert.alert_id, kind: 'task_status', task: alert.task });
    expect(parsed.alert.console_lines.at(-1)).toBe(HUGE[999]);
    expect(parsed.alert.console_lines.length).toBeLessThan(1000);
    expect(parsed.console_truncated).toBe(true);
    expect(parsed.text).toContain(`Project: Snap4City/traffic  -  Name: ${task.name}`);
    const small = JSON.parse(formatWebhook(buildMessage(failedTaskAlert()), NO_CAP, 64 * 1024)) as typeof parsed;
    expect(small.console_truncated).toBe(false);
    expect(small.alert.console_lines).toHaveLength(3);
  });
});

describe('e-mail', () => {
  it('has a subject, a text part and an escaped HTML part with the console', () => {
    const mail = formatEmail(
      buildMessage(failedTaskAlert({ task: { name: hostile }, console_lines: nastyConsole(5) })),
      2048,
      '[ClearGate]',
    );
    expect(mail.subject).toBe(`[ClearGate] Task ${hostile} failed`);
    expect(mail.text).toContain(`Project: Snap4City/traffic  -  Name: ${hostile}`);
    expect(mail.text).toContain('line 4');
    expect(mail.html).toContain(`<b>exp*2 &lt;b&gt;bold&lt;/b&gt; &amp; _x_ \`y\` [z](http://evil.example) @channel</b>`);
    expect(mail.html).toMatch(/<pre[^>]*>line 0 &lt;b&gt;&amp;amp;/);
  });
});

describe('messages without a task or a log link', () => {
  it('shows the title and details, and never links a URL that is not http(s)', () => {
    const outage = failedTaskAlert({
      kind: 'clearml_unreachable',
      severity: 'warning',
      title: 'ClearML API unreachable',
      task: undefined,
      details: 'connect ECONNREFUSED\n# not a heading',
      console_lines: [],
    });
    const m = buildMessage({ ...outage, task: null });
    expect(m.lines.map((l) => l.map((s) => s.text).join(''))).toEqual(['connect ECONNREFUSED', '# not a heading']);
    expect((formatMattermost(m, 2048) as { text: string }).text).toBe(
      '🟠 **ClearML API unreachable**\nconnect ECONNREFUSED\n\\# not a heading',
    );
    const js = buildMessage(failedTaskAlert({ task: { log_url: 'javascript:alert(1)' } }));
    expect(js.logUrl).toBeNull();
    expect(formatTelegram(js, 100).html).not.toContain('<a ');
  });
});

describe('summaries longer than a limit by themselves', () => {
  it('are shortened piece by piece until they fit, keeping the console', () => {
    const long = failedTaskAlert({
      title: `Task ${'<&>'.repeat(160)} failed`,
      task: { name: 'n'.repeat(1000), project: 'p'.repeat(1000), status_reason: '<'.repeat(3000) },
      details: '&'.repeat(3999),
      console_lines: nastyConsole(50),
    });
    const m = buildMessage(long);
    const slack = formatSlack(m, 2048).blocks as Block[];
    expect(slack[0]!.text!.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX);
    expect(slack[0]!.text!.text).toContain('Experiment ID <');
    expect(slack[1]!.text!.text).toContain('line 49');

    const telegram = formatTelegram(m, 2048);
    const parsed = parseTelegramHtml(telegram.html);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.text.trim().length).toBeLessThanOrEqual(TELEGRAM_MAX_CHARS);
    expect(parsed.text).toContain('line 49');

    const discord = formatDiscord(m, 2048) as { embeds: Array<{ title: string; description: string }> };
    expect(discord.embeds[0]!.title.length).toBeLessThanOrEqual(256);
    expect(discord.embeds[0]!.description.length).toBeLessThanOrEqual(DISCORD_DESCRIPTION_MAX);
    expect(discord.embeds[0]!.description).toContain('line 49');
  });
});
