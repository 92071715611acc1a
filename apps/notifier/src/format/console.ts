// Console output as ClearML stores it: events whose `msg` may hold several lines, colour codes and
// progress bars redrawn with carriage returns. Chat messages show the newest lines, so every cut
// happens at the start.

// CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks) and two-byte escapes.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Marks where older output was cut off. */
export const CUT_MARK = '…';

/** Replaces unpaired UTF-16 surrogates, which JSON bodies and chat APIs refuse or mangle. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * One entry per visible line, oldest first: multi-line entries split, colour codes removed, a
 * line redrawn with `\r` (tqdm progress bars) reduced to what the terminal showed last, other
 * control characters dropped, trailing blank lines removed.
 */
export function cleanConsoleLines(entries: readonly string[]): string[] {
  const lines: string[] = [];
  for (const entry of entries) {
    for (const raw of entry.split('\n')) {
      let line = raw.replace(ANSI, '');
      if (line.includes('\r')) {
        const frames = line.split('\r').filter((frame) => frame.trim() !== '');
        line = frames[frames.length - 1] ?? '';
      }
      lines.push(wellFormed(line.replace(CONTROL, '')).trimEnd());
    }
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The last `count` UTF-16 units of `text`, never starting in the middle of a surrogate pair. */
export function tailOf(text: string, count: number): string {
  if (count <= 0) return '';
  if (count >= text.length) return text;
  let start = text.length - count;
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start += 1;
  return text.slice(start);
}

/**
 * The newest lines whose text fits in `maxChars` UTF-16 units, oldest first. When older lines were
 * left out, the text starts with a `…` line (counted in the budget). When even the newest line is
 * too long, its end is kept after `…`.
 */
export function consoleTail(lines: readonly string[], maxChars: number): string {
  if (maxChars <= 0 || lines.length === 0) return '';
  const full = lines.join('\n');
  if (full.length <= maxChars) return full;
  const budget = maxChars - CUT_MARK.length - 1;
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0 && budget > 0; i--) {
    const add = lines[i]!.length + (kept.length > 0 ? 1 : 0);
    if (used + add > budget) break;
    kept.push(lines[i]!);
    used += add;
  }
  if (kept.length === 0) {
    const last = lines[lines.length - 1]!;
    return maxChars > CUT_MARK.length ? CUT_MARK + tailOf(last, maxChars - CUT_MARK.length) : '';
  }
  return `${CUT_MARK}\n${kept.reverse().join('\n')}`;
}

/**
 * The longest console tail (at most `maxChars`) for which `fits` holds, found by bisection: `fits`
 * renders the whole payload and checks the provider's limit, so escaping and markup are counted
 * exactly. Returns '' when not even an empty console fits.
 */
export function fitConsole(lines: readonly string[], maxChars: number, fits: (text: string) => boolean): string {
  const first = consoleTail(lines, maxChars);
  if (first === '' || fits(first)) return first;
  let lo = 0;
  let hi = first.length;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(consoleTail(lines, mid))) lo = mid;
    else hi = mid;
  }
  return consoleTail(lines, lo);
}

/**
 * The newest whole lines (as an array, oldest first) whose joined length fits in `maxChars`;
 * a single newest line longer than that keeps its end. For payloads that carry lines, not text.
 */
export function tailLines(lines: readonly string[], maxChars: number): string[] {
  if (maxChars <= 0) return [];
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const add = lines[i]!.length + (kept.length > 0 ? 1 : 0);
    if (used + add > maxChars) break;
    kept.push(lines[i]!);
    used += add;
  }
  if (kept.length === 0 && lines.length > 0) return [tailOf(lines[lines.length - 1]!, maxChars)];
  return kept.reverse();
}

/** Largest `n` in [0, max] with `fits(n)`, assuming `fits` is monotone; 0 when none fits. */
export function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (fits(max)) return max;
  let lo = 0;
  let hi = max;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
