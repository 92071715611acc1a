import { fitConsole } from './console';
import { escapeHtml, escapeHtmlAttribute } from './markup';
import { AlertMessage, Markup, plainText, renderLine, shrinkMessage } from './message';

const htmlMarkup: Markup = {
  text: (t) => escapeHtml(t),
  bold: (t) => `<b>${t}</b>`,
  link: (label, url) => `<a href="${escapeHtmlAttribute(url)}">${escapeHtml(label)}</a>`,
};

/** What a reader sees of the HTML: the text without tags (links show their label). */
const visibleMarkup: Markup = { text: (t) => t, bold: (t) => t, link: (label) => label };

// ---- Telegram -----------------------------------------------------------------------------------

// sendMessage: "1-4096 characters after entities parsing" (UTF-16 units, surrounding whitespace
// trimmed). parse_mode HTML: only <b>, <i>, <a>, <code>, <pre>... and every <, > and & outside tags
// as an entity.
export const TELEGRAM_MAX_CHARS = 4096;
const TELEGRAM_SUMMARY_MAX = 1500;

function telegramParts(m: AlertMessage, markup: Markup, title: (t: string) => string): string {
  return [`${m.marker} ${title(m.title)}`, ...m.lines.map((l) => renderLine(l, markup))].join('\n');
}

export interface TelegramMessage {
  html: string;
  /** The text as Telegram counts it. */
  visible: string;
}

export function formatTelegram(message: AlertMessage, consoleMaxChars: number): TelegramMessage {
  const visibleHead = (m: AlertMessage) => telegramParts(m, visibleMarkup, (t) => t);
  const fitted = shrinkMessage(message, (m) => visibleHead(m).length <= TELEGRAM_SUMMARY_MAX);
  const head = visibleHead(fitted);
  const visible = (console: string) => (console === '' ? head : `${head}\n${console}`).trim();
  const console = fitConsole(message.console, consoleMaxChars, (t) => visible(t).length <= TELEGRAM_MAX_CHARS);
  const htmlHead = telegramParts(fitted, htmlMarkup, (t) => `<b>${escapeHtml(t)}</b>`);
  return {
    html: console === '' ? htmlHead : `${htmlHead}\n<pre>${escapeHtml(console)}</pre>`,
    visible: visible(console),
  };
}

// ---- Matrix -------------------------------------------------------------------------------------

// An event is at most 65536 bytes as a signed PDU (content plus envelope, hashes and signatures);
// the content budget leaves room for that envelope.
export const MATRIX_CONTENT_MAX_BYTES = 60_000;
const MATRIX_SUMMARY_MAX_BYTES = 8_000;

function matrixHtmlHead(m: AlertMessage): string {
  return `<p>${m.marker} <strong>${escapeHtml(m.title)}</strong><br>${m.lines.map((l) => renderLine(l, htmlMarkup)).join('<br>')}</p>`;
}

export function matrixContent(m: AlertMessage, console: string): Record<string, unknown> {
  return {
    msgtype: 'm.text',
    body: plainText(m, console),
    format: 'org.matrix.custom.html',
    formatted_body: console === '' ? matrixHtmlHead(m) : `${matrixHtmlHead(m)}<pre><code>${escapeHtml(console)}</code></pre>`,
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export function formatMatrix(message: AlertMessage, consoleMaxChars: number): Record<string, unknown> {
  const fitted = shrinkMessage(message, (m) => bytes(matrixContent(m, '')) <= MATRIX_SUMMARY_MAX_BYTES);
  const console = fitConsole(message.console, consoleMaxChars, (t) => bytes(matrixContent(fitted, t)) <= MATRIX_CONTENT_MAX_BYTES);
  return matrixContent(fitted, console);
}

// ---- E-mail -------------------------------------------------------------------------------------

/** Mail has no size limit worth the name; this keeps an alert readable (and well under any server's). */
export const EMAIL_CONSOLE_MAX_CHARS = 100_000;

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export function formatEmail(message: AlertMessage, consoleMaxChars: number, subjectPrefix: string): EmailMessage {
  const console = fitConsole(message.console, Math.min(consoleMaxChars, EMAIL_CONSOLE_MAX_CHARS), () => true);
  const head = `<p style="font-size:16px">${message.marker} <b>${escapeHtml(message.title)}</b></p>\n<p>${message.lines
    .map((l) => renderLine(l, htmlMarkup))
    .join('<br>\n')}</p>`;
  const pre = console === '' ? '' : `\n<pre style="background:#f6f8fa;padding:8px;white-space:pre-wrap">${escapeHtml(console)}</pre>`;
  const { alert } = message;
  return {
    subject: `${subjectPrefix ? `${subjectPrefix} ` : ''}${message.title}`,
    text: `${plainText(message, console)}\n\n-- \nClearGate · ${alert.kind} · ${alert.severity} · ${alert.at}`,
    html: `<!DOCTYPE html>\n<html><body style="font-family:sans-serif">\n${head}${pre}\n<p style="color:#777;font-size:12px">ClearGate · ${alert.kind} · ${alert.severity} · ${escapeHtml(alert.at)}</p>\n</body></html>\n`,
  };
}
