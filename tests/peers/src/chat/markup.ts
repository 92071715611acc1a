import { emptyFormatting, type Formatting } from './types';

// Readers of these extractors are tests: they need "what is bold, what is monospace, where do links
// go", not a full renderer. Each dialect is handled the way its provider documents it.

export interface Rendered {
  text: string;
  formatting: Formatting;
}

const PLACEHOLDER = (n: number) => `\u0000${n}\u0000`;

/** Protects code spans/blocks from the inline rules, then restores them as plain text. */
class Stash {
  private readonly items: string[] = [];
  put(text: string): string {
    this.items.push(text);
    return PLACEHOLDER(this.items.length - 1);
  }
  restore(text: string): string {
    return text.replace(/\u0000(\d+)\u0000/g, (_, n: string) => this.items[Number(n)] ?? '');
  }
}

function applyInline(
  input: string,
  rules: Array<{ re: RegExp; kind: 'bold' | 'italic' | 'strike' }>,
  formatting: Formatting,
  stash: Stash,
): string {
  let text = input;
  for (const rule of rules) {
    text = text.replace(rule.re, (_m, pre: string, inner: string) => {
      if (rule.kind === 'bold') formatting.bold.push(stash.restore(inner));
      if (rule.kind === 'italic') formatting.italic.push(stash.restore(inner));
      return pre + inner;
    });
  }
  return text;
}

export function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Slack `mrkdwn` (https://api.slack.com/reference/surfaces/formatting). */
export function renderSlackMrkdwn(input: string): Rendered {
  const formatting = emptyFormatting();
  const stash = new Stash();
  let text = input.replace(/```([\s\S]*?)```/g, (_m, inner: string) => {
    const body = decodeSlackEntities(inner.replace(/^\n/, '').replace(/\n$/, ''));
    formatting.pre.push(body);
    return stash.put(body);
  });
  text = text.replace(/`([^`\n]+)`/g, (_m, inner: string) => {
    const body = decodeSlackEntities(inner);
    formatting.code.push(body);
    return stash.put(body);
  });
  text = text.replace(/<([^<>|\s]+)(?:\|([^<>]*))?>/g, (m, target: string, label: string | undefined) => {
    if (/^[!@#]/.test(target)) return label ?? m; // mentions and special commands such as <!here>
    const url = decodeSlackEntities(target);
    const shown = label !== undefined ? decodeSlackEntities(label) : url;
    formatting.links.push({ text: shown, url });
    return stash.put(shown);
  });
  text = applyInline(
    text,
    [
      { re: /(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, kind: 'bold' },
      { re: /(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, kind: 'italic' },
      { re: /(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, kind: 'strike' },
    ],
    formatting,
    stash,
  );
  formatting.bold = formatting.bold.map(decodeSlackEntities);
  formatting.italic = formatting.italic.map(decodeSlackEntities);
  return { text: stash.restore(decodeSlackEntities(text)), formatting };
}

/** CommonMark-like Markdown as Mattermost, Discord and Teams TextBlocks render it. */
export function renderMarkdown(input: string, options: { slackLinks?: boolean } = {}): Rendered {
  const formatting = emptyFormatting();
  const stash = new Stash();
  let text = input.replace(/```[^\n`]*\n?([\s\S]*?)```/g, (_m, inner: string) => {
    const body = inner.replace(/\n$/, '');
    formatting.pre.push(body);
    return stash.put(body);
  });
  text = text.replace(/`([^`\n]+)`/g, (_m, inner: string) => {
    formatting.code.push(inner);
    return stash.put(inner);
  });
  if (options.slackLinks) {
    // Mattermost rewrites Slack-style <url|text> links to Markdown before rendering.
    text = text.replace(/<([^\n<|>]+)\|([^|\n>]+)>/g, '[$2]($1)');
  }
  text = text.replace(/\[([^\]\n]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_m, label: string, url: string) => {
    formatting.links.push({ text: label, url });
    return stash.put(label);
  });
  text = applyInline(
    text,
    [
      { re: /(^|[^*])\*\*(?!\s)([^*\n]+?)\*\*/g, kind: 'bold' },
      { re: /(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, kind: 'italic' },
      { re: /(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, kind: 'italic' },
      { re: /(^|[^~])~~([^~\n]+?)~~/g, kind: 'strike' },
    ],
    formatting,
    stash,
  );
  return { text: stash.restore(text), formatting };
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? m;
  });
}

const BLOCK_TAGS = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol']);

/** HTML as Matrix clients (org.matrix.custom.html) and mail readers show it. */
export function renderHtml(input: string): Rendered {
  const formatting = emptyFormatting();
  const stack: Array<{ tag: string; start: number; href?: string }> = [];
  let out = '';
  const tokens = input.replace(/<!--[\s\S]*?-->/g, '').split(/(<[^>]*>)/);
  const inside = (tag: string) => stack.some((s) => s.tag === tag);
  for (const token of tokens) {
    const tag = /^<\s*(\/?)\s*([a-z0-9-]+)([^>]*)>$/i.exec(token);
    if (!tag) {
      const raw = inside('pre') ? token : token.replace(/\s+/g, ' ');
      if (!inside('script') && !inside('style') && !inside('head')) out += decodeHtmlEntities(raw);
      continue;
    }
    const [, closing, rawName, attrs] = tag;
    const name = rawName!.toLowerCase();
    if (name === 'br') {
      out += '\n';
      continue;
    }
    if (!closing) {
      if (BLOCK_TAGS.has(name) && out !== '' && !out.endsWith('\n')) out += '\n';
      const href = /href\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attrs ?? '');
      const url = href ? (href[2] ?? href[3] ?? href[4] ?? '') : undefined;
      if (!/\/\s*$/.test(attrs ?? ''))
        stack.push({ tag: name, start: out.length, ...(url !== undefined ? { href: decodeHtmlEntities(url) } : {}) });
      continue;
    }
    const at = stack.map((s) => s.tag).lastIndexOf(name);
    if (at < 0) continue;
    const open = stack[at]!;
    stack.length = at;
    const inner = out.slice(open.start);
    if (name === 'b' || name === 'strong') formatting.bold.push(inner);
    else if (name === 'i' || name === 'em') formatting.italic.push(inner);
    else if (name === 'pre') formatting.pre.push(inner.replace(/\n$/, ''));
    else if (name === 'code' && !inside('pre')) formatting.code.push(inner);
    else if (name === 'a' && open.href !== undefined) formatting.links.push({ text: inner, url: open.href });
    if (BLOCK_TAGS.has(name) && !out.endsWith('\n')) out += '\n';
  }
  return {
    text: out
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    formatting,
  };
}
