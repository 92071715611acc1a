import { largestFitting, tailLines } from './console';
import { AlertMessage, plainSummary } from './message';

export const WEBHOOK_DEFAULT_MAX_BYTES = 256 * 1024;

/**
 * The generic webhook gets the alert itself as JSON (contract `alerts.notification.requested.v1`),
 * with `console_lines` cut to the newest lines that fit, plus a plain-text summary for receivers
 * that only display something.
 */
export function formatWebhook(message: AlertMessage, consoleMaxChars: number, maxBytes: number): string {
  const { alert } = message;
  const body = (lines: string[]) =>
    JSON.stringify({
      alert: { ...alert, console_lines: lines },
      text: plainSummary(message),
      console_truncated: lines.length < message.console.length || lines.join('\n') !== message.console.join('\n'),
    });
  const cap = Math.min(consoleMaxChars, message.console.join('\n').length);
  const kept = largestFitting(cap, (n) => Buffer.byteLength(body(tailLines(message.console, n))) <= maxBytes);
  return body(tailLines(message.console, kept));
}
