/** The fields of a `task_log_event` needed to rebuild console lines. */
export interface ConsoleEvent {
  timestamp?: number;
  msg?: string;
}

/**
 * The last `n` console lines, oldest first. The SDK merges records of the same second and level
 * into one event joined with `\n`, so events are split into lines. Events are ordered by
 * timestamp (either server order works); events with equal timestamps keep their given order.
 */
export function lastConsoleLines(events: readonly ConsoleEvent[], n: number): string[] {
  if (!(n > 0)) return [];
  const ordered = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => (a.event.timestamp ?? 0) - (b.event.timestamp ?? 0) || a.index - b.index);
  const lines: string[] = [];
  for (const { event } of ordered) {
    if (!event.msg) continue;
    const parts = event.msg.split(/\r?\n/);
    // A message ending with a newline does not carry an extra empty line.
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    lines.push(...parts);
  }
  return lines.slice(-Math.floor(n));
}
