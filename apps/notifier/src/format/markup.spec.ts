import {
  breakFences,
  defuseMentions,
  escapeHtml,
  escapeHtmlAttribute,
  escapeMarkdown,
  isHttpUrl,
  linkTarget,
  slackCode,
  slackInline,
} from './markup';

describe('markup escaping', () => {
  it('escapes HTML text and attributes', () => {
    expect(escapeHtml('<b>a & b</b> "q"')).toBe('&lt;b&gt;a &amp; b&lt;/b&gt; "q"');
    expect(escapeHtmlAttribute('https://x.io/?a=1&b="2"')).toBe('https://x.io/?a=1&amp;b=&quot;2&quot;');
  });

  it('keeps Slack mention syntax and emphasis markers out of inline values', () => {
    expect(slackInline('<!here> & <@U123>')).toBe('&lt;!here&gt; &amp; &lt;@U123&gt;');
    expect(slackInline('exp*2 ~x~ `c`')).toBe('exp\u22172 \u223Cx\u223C \u02CBc\u02CB');
    // Underscores inside words never format in mrkdwn and stay; those at word edges could.
    expect(slackInline('train_mnist_v2 _tmp_')).toBe('train_mnist_v2 \u02CDtmp\u02CD');
  });

  it('keeps a code block closed in Slack', () => {
    expect(slackCode('a ``` b <c>')).toBe('a `\u200B`\u200B` b &lt;c&gt;');
  });

  it('backslash-escapes Markdown syntax but not underscores inside words', () => {
    expect(escapeMarkdown('**b** _i_ ~~s~~ `c` [l](u) <a> | &lt; snake_case \\')).toBe(
      '\\*\\*b\\*\\* \\_i\\_ \\~\\~s\\~\\~ \\`c\\` \\[l\\](u) \\<a\\> \\| \\&lt; snake_case \\\\',
    );
    expect(escapeMarkdown('# heading', true)).toBe('\\# heading');
    expect(escapeMarkdown('1. item', true)).toBe('1\\. item');
    expect(escapeMarkdown('# not at start', false)).toBe('# not at start');
  });

  it('defuses @-mentions and fences', () => {
    expect(defuseMentions('@channel and @all, mail a@b')).toBe('@\u200Bchannel and @\u200Ball, mail a@\u200Bb');
    expect(breakFences('````')).not.toContain('```');
  });

  it('links only http(s) URLs and encodes what would end a link', () => {
    expect(isHttpUrl('https://app.clear.ml/projects/*/experiments/x/output/log')).toBe(true);
    expect(isHttpUrl('javascript:alert(1)')).toBe(false);
    expect(isHttpUrl(null)).toBe(false);
    expect(linkTarget('https://x.io/a b(c)|d')).toBe('https://x.io/a%20b%28c%29%7Cd');
  });
});
