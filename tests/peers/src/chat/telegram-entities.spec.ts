import { parseTelegramHtml, parseTelegramMarkdown, parseTelegramMarkdownV2 } from './telegram-entities';

describe('Telegram HTML parse mode', () => {
  it('turns the supported tags into entities with UTF-16 offsets and decodes the four named entities', () => {
    const parsed = parseTelegramHtml(
      '😀 <b>Task</b> <a href="https://app.clear.ml/t?id=1&amp;x=2">log</a>\n<pre><code class="language-python">a &lt; b &amp;&amp; c</code></pre>',
    );
    expect(parsed).toEqual({
      ok: true,
      text: '😀 Task log\na < b && c',
      entities: [
        { type: 'bold', offset: 3, length: 4 },
        { type: 'text_link', offset: 8, length: 3, url: 'https://app.clear.ml/t?id=1&x=2' },
        { type: 'pre', offset: 12, length: 10, language: 'python' },
      ],
    });
  });

  it('keeps an unknown named entity and a bare ampersand as literal text', () => {
    expect(parseTelegramHtml('R&D &copy; &#36;5')).toEqual({ ok: true, text: 'R&D &copy; $5', entities: [] });
  });

  it.each([
    ['<div>x</div>', 'Unsupported start tag "div" at byte offset 0'],
    ['loss < 0.5', 'Unsupported start tag "" at byte offset 5'],
    ['é<x>', 'Unsupported start tag "x" at byte offset 2'],
    ['<b>unclosed', 'Can\'t find end tag corresponding to start tag "b"'],
    ['<b><i>x</b></i>', 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
    ['x</b>', 'Unexpected end tag at byte offset 1'],
    ['<b', 'Unclosed start tag at byte offset 0'],
    ['<a href>x</a>', 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'],
    ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
    ['&#xD800;', 'Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units'],
  ])('refuses %j: %s', (input, error) => {
    expect(parseTelegramHtml(input)).toEqual({ ok: false, error });
  });

  it('accepts an expandable blockquote and a spoiler span', () => {
    const parsed = parseTelegramHtml('<blockquote expandable>q</blockquote><span class="tg-spoiler">s</span>');
    expect(parsed.ok && parsed.entities.map((e) => e.type)).toEqual(['expandable_blockquote', 'spoiler']);
  });
});

describe('Telegram MarkdownV2 parse mode', () => {
  it('parses escapes, nesting, links and pre blocks', () => {
    const parsed = parseTelegramMarkdownV2('*Task _a1_* failed\\. [log](https://x.io/a\\)b)\n```\nline 1\nline\\`2\n```');
    expect(parsed).toEqual({
      ok: true,
      text: 'Task a1 failed. log\nline 1\nline`2\n',
      entities: [
        { type: 'bold', offset: 0, length: 7 },
        { type: 'italic', offset: 5, length: 2 },
        { type: 'text_link', offset: 16, length: 3, url: 'https://x.io/a)b' },
        { type: 'pre', offset: 20, length: 14 },
      ],
    });
  });

  it.each([
    ['loss 0.42', "Character '.' is reserved and must be escaped with the preceding '\\'"],
    ['a-b', "Character '-' is reserved and must be escaped with the preceding '\\'"],
    ['*bold', "Can't find end of Bold entity at byte offset 0"],
    ['x __u', "Can't find end of Underline entity at byte offset 2"],
    ['[a](https://x.io', "Can't find end of a URL at byte offset 4"],
  ])('refuses %j: %s', (input, error) => {
    expect(parseTelegramMarkdownV2(input)).toEqual({ ok: false, error });
  });
});

describe('Telegram legacy Markdown parse mode', () => {
  it('parses simple entities and refuses an unclosed one', () => {
    expect(parseTelegramMarkdown('*b* _i_ `c`')).toEqual({
      ok: true,
      text: 'b i c',
      entities: [
        { type: 'bold', offset: 0, length: 1 },
        { type: 'italic', offset: 2, length: 1 },
        { type: 'code', offset: 4, length: 1 },
      ],
    });
    expect(parseTelegramMarkdown('snake_case')).toEqual({ ok: false, error: "Can't find end of the entity starting at byte offset 5" });
  });
});
