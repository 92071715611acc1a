import { fitConsole } from './console';
import { AlertMessage, Line, shrinkMessage } from './message';

// Teams Workflows ("Post to a channel when a webhook request is received") posts Adaptive Cards
// only, and a message may be at most 28 KB. TextBlock text is Markdown, so everything from ClearML
// goes into RichTextBlock TextRuns (never parsed as Markdown) and a CodeBlock (monospace, as is).
export const TEAMS_MAX_BYTES = 28 * 1024;
/** Room left for what Teams adds around the card. */
export const TEAMS_BUDGET_BYTES = TEAMS_MAX_BYTES - 1024;
const SUMMARY_BUDGET_BYTES = 8 * 1024;

const COLORS = { critical: 'Attention', warning: 'Warning', info: 'Accent' } as const;

function textRuns(line: Line): Array<Record<string, unknown>> {
  return line
    .filter((span) => span.text !== '')
    .map((span) => ({
      type: 'TextRun',
      text: span.text,
      ...(span.bold ? { weight: 'Bolder' } : {}),
      ...(span.link ? { selectAction: { type: 'Action.OpenUrl', url: span.link }, color: 'Accent', underline: true } : {}),
    }));
}

function summaryBody(m: AlertMessage): Array<Record<string, unknown>> {
  return [
    {
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text: `${m.marker} ${m.title}`, weight: 'Bolder', size: 'Medium', color: COLORS[m.alert.severity] }],
    },
    ...m.lines.map((line) => ({ type: 'RichTextBlock', inlines: textRuns(line), spacing: 'Small' })),
  ];
}

function payload(m: AlertMessage, console: string): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = summaryBody(m);
  if (console !== '') body.push({ type: 'CodeBlock', codeSnippet: console, language: 'PlainText' });
  body.push({
    type: 'TextBlock',
    text: `ClearGate · ${m.alert.kind} · ${m.alert.severity} · ${m.alert.at}`,
    size: 'Small',
    isSubtle: true,
    wrap: true,
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.5',
          msteams: { width: 'Full' },
          body,
          ...(m.logUrl ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the task log', url: m.logUrl }] } : {}),
        },
      },
    ],
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export function formatTeams(message: AlertMessage, consoleMaxChars: number): Record<string, unknown> {
  const fitted = shrinkMessage(message, (m) => bytes(summaryBody(m)) <= SUMMARY_BUDGET_BYTES);
  const console = fitConsole(message.console, consoleMaxChars, (t) => bytes(payload(fitted, t)) <= TEAMS_BUDGET_BYTES);
  return payload(fitted, console);
}
