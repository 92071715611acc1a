import { cleanConsoleLines, consoleTail, CUT_MARK, fitConsole, tailLines, tailOf } from './console';

describe('cleanConsoleLines', () => {
  it('splits multi-line events, drops colour codes and control characters, keeps what a redrawn line showed last', () => {
    const lines = cleanConsoleLines([
      'first\nsecond',
      '\u001b[31mred\u001b[0m and \u001b]0;title\u0007plain',
      ' 10%|█         |\r 50%|█████     |\r100%|██████████|\r',
      'bell\u0007 and nul\u0000 and tab\tstay',
      'lone \uD83D surrogate',
      '',
      '',
    ]);
    expect(lines).toEqual(['first', 'second', 'red and plain', '100%|██████████|', 'bell and nul and tab\tstay', 'lone \uFFFD surrogate']);
  });
});

describe('consoleTail', () => {
  const lines = ['one', 'two', 'three', 'four'];

  it('returns everything when it fits', () => {
    expect(consoleTail(lines, 100)).toBe('one\ntwo\nthree\nfour');
    expect(consoleTail(lines, 18)).toBe('one\ntwo\nthree\nfour');
  });

  it('keeps the newest whole lines and marks the cut, within the budget', () => {
    expect(consoleTail(lines, 17)).toBe(`${CUT_MARK}\ntwo\nthree\nfour`);
    const tail = consoleTail(lines, 15);
    expect(tail).toBe(`${CUT_MARK}\nthree\nfour`);
    expect(tail.length).toBeLessThanOrEqual(15);
    expect(consoleTail(lines, 7)).toBe(`${CUT_MARK}\nfour`);
  });

  it('keeps the end of a newest line that alone is too long', () => {
    expect(consoleTail(['old', 'x'.repeat(50) + 'END'], 10)).toBe(`${CUT_MARK}${'x'.repeat(6)}END`);
  });

  it('never starts inside a surrogate pair', () => {
    const tail = tailOf('a🚀b', 2);
    expect(tail).toBe('b');
    expect(tailOf('a🚀b', 3)).toBe('🚀b');
  });

  it('returns nothing for an empty console or no budget', () => {
    expect(consoleTail([], 100)).toBe('');
    expect(consoleTail(lines, 0)).toBe('');
  });
});

describe('fitConsole', () => {
  it('finds the longest tail for which the rendered payload fits, counting escapes', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i} <&>`);
    const escaped = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const tail = fitConsole(lines, 10_000, (t) => escaped(t).length <= 200);
    expect(escaped(tail).length).toBeLessThanOrEqual(200);
    expect(tail.endsWith('99 <&>')).toBe(true);
    // One more line would not fit.
    const next = consoleTail(lines, tail.length + 10);
    expect(escaped(next).length).toBeGreaterThan(200);
  });

  it('honours the character cap before the payload limit', () => {
    expect(fitConsole(['a'.repeat(100), 'b'.repeat(100)], 120, () => true)).toBe(`${CUT_MARK}\n${'b'.repeat(100)}`);
  });
});

describe('tailLines', () => {
  it('keeps the newest lines as a list', () => {
    expect(tailLines(['a', 'bb', 'ccc'], 6)).toEqual(['bb', 'ccc']);
    expect(tailLines(['a', 'bb', 'ccc'], 2)).toEqual(['cc']);
  });
});
