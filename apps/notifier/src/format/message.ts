import type { Alert } from '@cleargate/contracts';
import { cleanConsoleLines, wellFormed } from './console';
import { isHttpUrl } from './markup';

/** A piece of a summary line: plain, bold, or a link. */
export interface Span {
  text: string;
  bold?: boolean;
  link?: string;
}
export type Line = Span[];

/**
 * What every channel shows, before any markup: the content of the original Skype notifier
 * (link to the log, bold status, project and name, last console lines in monospace) plus the
 * alert's title and details. Formatters render it in their markup and fit it to their limits.
 */
export interface AlertMessage {
  /** Severity marker shown before the title. */
  marker: string;
  /** One line. */
  title: string;
  /** Summary lines under the title. */
  lines: Line[];
  /** Cleaned console lines, oldest first. */
  console: string[];
  /** The task's log page when it is an http(s) URL. */
  logUrl: string | null;
  alert: Alert;
}

const MARKERS: Record<Alert['severity'], string> = { critical: '🔴', warning: '🟠', info: '🔵' };
/** Longest value shown inline before formatters shrink further; titles fit Discord's 256. */
export const INLINE_MAX = 200;
export const TITLE_MAX = 250;
const DETAIL_LINES_MAX = 30;

export function oneLine(text: string, max: number): string {
  return clip(wellFormed(text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()), max);
}

/** `text` cut to `max` UTF-16 units, ending in `…` when cut (never splitting a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function buildMessage(alert: Alert): AlertMessage {
  const lines: Line[] = [];
  const task = alert.task;
  const logUrl = task && isHttpUrl(task.log_url) ? task.log_url : null;
  if (task) {
    const id = oneLine(task.id, INLINE_MAX);
    lines.push([
      { text: 'Experiment ID ' },
      logUrl ? { text: id, link: logUrl } : { text: id },
      { text: ' ' },
      { text: task.status, bold: true },
    ]);
    lines.push([
      { text: 'Project: ' },
      { text: oneLine(task.project ?? '(none)', INLINE_MAX), bold: true },
      { text: '  -  Name: ' },
      { text: oneLine(task.name, INLINE_MAX), bold: true },
    ]);
    const facts: string[] = [];
    if (task.queue) facts.push(`Queue: ${oneLine(task.queue, INLINE_MAX)}`);
    if (task.user) facts.push(`User: ${oneLine(task.user, INLINE_MAX)}`);
    if (task.running_seconds !== null) facts.push(`Running for ${duration(task.running_seconds)}`);
    if (facts.length > 0) lines.push([{ text: facts.join('  ·  ') }]);
    if (task.status_reason) lines.push([{ text: `Reason: ${oneLine(task.status_reason, 4 * INLINE_MAX)}` }]);
  }
  if (alert.details) {
    const detail = wellFormed(alert.details)
      .split('\n')
      .map((l) => l.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trimEnd())
      .filter((l) => l !== '');
    for (const l of detail.slice(0, DETAIL_LINES_MAX)) lines.push([{ text: l }]);
    if (detail.length > DETAIL_LINES_MAX) lines.push([{ text: '…' }]);
  }
  // Runbook, source and the like: one linked line each (http(s) only).
  for (const link of alert.links ?? []) if (isHttpUrl(link.url)) lines.push([{ text: oneLine(link.label, INLINE_MAX), link: link.url }]);
  return {
    marker: MARKERS[alert.severity],
    title: oneLine(alert.title || (task ? `Task ${task.name} ${task.status}` : alert.kind), TITLE_MAX),
    lines,
    console: cleanConsoleLines(alert.console_lines),
    logUrl,
    alert,
  };
}

/**
 * Shortens the longest pieces of text (title included) step by step until `fits` holds: used
 * when a channel's limit on the summary part is smaller than what the alert carries.
 */
export function shrinkMessage(message: AlertMessage, fits: (m: AlertMessage) => boolean): AlertMessage {
  let current = message;
  for (let round = 0; round < 500 && !fits(current); round++) {
    let longest = { line: -1, span: -1, length: current.title.length };
    current.lines.forEach((line, li) =>
      line.forEach((span, si) => {
        if (span.text.length > longest.length) longest = { line: li, span: si, length: span.text.length };
      }),
    );
    if (longest.length <= 8) {
      // Nothing left worth shortening: drop summary lines from the end.
      if (current.lines.length === 0) break;
      current = { ...current, lines: current.lines.slice(0, -1) };
      continue;
    }
    const shorter = (text: string) => clip(text, Math.floor(text.length * 0.7));
    current =
      longest.line < 0
        ? { ...current, title: shorter(current.title) }
        : {
            ...current,
            lines: current.lines.map((line, li) =>
              li !== longest.line ? line : line.map((span, si) => (si !== longest.span ? span : { ...span, text: shorter(span.text) })),
            ),
          };
  }
  return current;
}

/** How a markup writes the pieces of a summary line. */
export interface Markup {
  text(text: string, atLineStart: boolean): string;
  bold(inner: string): string;
  link(label: string, url: string): string;
}

export function renderLine(line: Line, markup: Markup): string {
  return line
    .map((span, i) => {
      const text = markup.text(span.text, i === 0);
      if (span.link) return markup.link(span.text, span.link);
      return span.bold ? markup.bold(text) : text;
    })
    .join('');
}

/** The summary as plain text: links as `label (url)`. */
export const plainMarkup: Markup = {
  text: (t) => t,
  bold: (t) => t,
  link: (label, url) => `${label} (${url})`,
};

export function plainSummary(message: AlertMessage): string {
  return [`${message.marker} ${message.title}`, ...message.lines.map((l) => renderLine(l, plainMarkup))].join('\n');
}

export function plainText(message: AlertMessage, console: string): string {
  return console === '' ? plainSummary(message) : `${plainSummary(message)}\n\n${console}`;
}

export const SEVERITY_COLORS: Record<Alert['severity'], number> = { critical: 0xd32f2f, warning: 0xf57c00, info: 0x1976d2 };
