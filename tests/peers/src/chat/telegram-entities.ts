// Telegram's parse_mode handling, ported from the parser the Bot API server itself runs
// (tdlib td/telegram/MessageEntity.cpp: parse_html, parse_markdown_v2, parse_markdown). The error
// strings, byte offsets and nesting rules are kept so that the peer refuses exactly what Telegram
// refuses, with Telegram's words. Formatting rules: https://core.telegram.org/bots/api#formatting-options

export interface TelegramEntity {
  type:
    | 'bold'
    | 'italic'
    | 'underline'
    | 'strikethrough'
    | 'spoiler'
    | 'code'
    | 'pre'
    | 'text_link'
    | 'text_mention'
    | 'custom_emoji'
    | 'blockquote'
    | 'expandable_blockquote'
    | 'date_time';
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
  user?: { id: number };
}

export type TelegramParse = { ok: true; text: string; entities: TelegramEntity[] } | { ok: false; error: string };

type EntityType =
  | 'Bold'
  | 'Italic'
  | 'Underline'
  | 'Strikethrough'
  | 'Spoiler'
  | 'Code'
  | 'Pre'
  | 'PreCode'
  | 'TextUrl'
  | 'MentionName'
  | 'CustomEmoji'
  | 'BlockQuote'
  | 'ExpandableBlockQuote'
  | 'DateTime';

interface RawEntity {
  type: EntityType;
  offset: number;
  length: number;
  argument: string;
}

/** Reads past the end as NUL, the way the C++ parser reads its NUL-terminated buffer. */
class Bytes {
  constructor(readonly b: Buffer) {}
  at(i: number): number {
    return i < this.b.length ? this.b[i]! : 0;
  }
  get size(): number {
    return this.b.length;
  }
  str(from: number, to: number): string {
    return this.b.subarray(from, to).toString('utf8');
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0 || c === 0x0b;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isAlnum = (c: number) => isAlpha(c) || isDigit(c);
const isFirstCodeUnit = (c: number) => (c & 0xc0) !== 0x80;
const utf16Width = (c: number) => 1 + (c >= 0xf0 ? 1 : 0);

function utf8Of(code: number): number[] {
  if (code < 0x80) return [code];
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)];
  if (code < 0x10000) return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
  return [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
}

/** Decodes `&...;` at `pos`; returns code 0 when it is not a supported entity (then `&` is a literal). */
function decodeHtmlEntity(t: Bytes, pos: number): { code: number; next: number } {
  let end = pos + 1;
  let res = 0;
  if (t.at(pos + 1) === 0x23 /* # */) {
    end++;
    if (t.at(pos + 2) === 0x78 /* x */) {
      end++;
      while (isHex(t.at(end))) res = res * 16 + parseInt(String.fromCharCode(t.at(end++)), 16);
    } else {
      while (isDigit(t.at(end))) res = res * 10 + (t.at(end++) - 0x30);
    }
    if (res === 0 || res >= 0x10ffff || end - pos >= 10) return { code: 0, next: pos };
  } else {
    while (isAlpha(t.at(end))) end++;
    const name = t.str(pos + 1, end);
    const named: Record<string, number> = { lt: 0x3c, gt: 0x3e, amp: 0x26, quot: 0x22 };
    res = named[name] ?? 0;
    if (res === 0) return { code: 0, next: pos };
  }
  return { code: res, next: t.at(end) === 0x3b /* ; */ ? end + 1 : end };
}

const HTML_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'tg-time',
  'span',
  'pre',
  'code',
  'blockquote',
]);

/** Checks an inline link target the way Telegram does before keeping a text_link; `undefined` drops the entity. */
function checkedLink(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed === '') return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `http://${trimmed}`;
  try {
    const parsed = new URL(withScheme);
    if (!['http:', 'https:', 'tg:', 'ton:', 'tonsite:'].includes(parsed.protocol)) return undefined;
    if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && !parsed.hostname.includes('.')) return undefined;
    return /^https?:\/\/[^/]+$/i.test(withScheme) ? `${withScheme}/` : withScheme;
  } catch {
    return undefined;
  }
}

function linkUserId(url: string): number | undefined {
  const m = /^tg:\/\/user\?id=(\d+)$/i.exec(url.trim());
  return m ? Number(m[1]) : undefined;
}

class Output {
  bytes: number[] = [];
  utf16 = 0;
  push(c: number): void {
    if (isFirstCodeUnit(c)) this.utf16 += utf16Width(c);
    this.bytes.push(c);
  }
  text(): string {
    return Buffer.from(this.bytes).toString('utf8');
  }
}

export function parseTelegramHtml(input: string): TelegramParse {
  const t = new Bytes(Buffer.from(input, 'utf8'));
  const out = new Output();
  const entities: RawEntity[] = [];
  const nested: Array<{ tag: string; argument: string; offset: number; beginPos: number; expandable: boolean }> = [];
  let sawSurrogate = false;
  const fail = (error: string): TelegramParse => ({ ok: false, error });

  for (let i = 0; i < t.size; i++) {
    const c = t.at(i);
    if (c === 0x26 /* & */) {
      const { code, next } = decodeHtmlEntity(t, i);
      if (code !== 0) {
        if (code >= 0xd800 && code <= 0xdfff) sawSurrogate = true;
        out.utf16 += 1 + (code > 0xffff ? 1 : 0);
        out.bytes.push(...utf8Of(code));
        i = next - 1;
        continue;
      }
    }
    if (c !== 0x3c /* < */) {
      out.push(c);
      continue;
    }

    const beginPos = i++;
    if (t.at(i) !== 0x2f /* / */) {
      while (!isSpace(t.at(i)) && t.at(i) !== 0x3e) i++;
      if (t.at(i) === 0) return fail(`Unclosed start tag at byte offset ${beginPos}`);
      const tag = t.str(beginPos + 1, i).toLowerCase();
      if (!HTML_TAGS.has(tag)) return fail(`Unsupported start tag "${tag}" at byte offset ${beginPos}`);

      let argument = '';
      let expandable = false;
      while (t.at(i) !== 0x3e) {
        while (t.at(i) !== 0 && isSpace(t.at(i))) i++;
        if (t.at(i) === 0x3e) break;
        const attrBegin = i;
        while (!isSpace(t.at(i)) && t.at(i) !== 0x3d /* = */ && !(t.at(i) === 0x3e && tag === 'blockquote')) i++;
        const attrName = t.str(attrBegin, i);
        if (attrName === '') return fail(`Empty attribute name in the tag "${tag}" at byte offset ${beginPos}`);
        while (t.at(i) !== 0 && isSpace(t.at(i))) i++;
        if (tag === 'blockquote' && attrName === 'expandable' && t.at(i) !== 0x3d) {
          expandable = true;
          continue;
        }
        if (t.at(i) !== 0x3d) {
          return fail(`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${beginPos}`);
        }
        i++;
        while (t.at(i) !== 0 && isSpace(t.at(i))) i++;
        if (t.at(i) === 0) return fail(`Unclosed start tag "${tag}" at byte offset ${beginPos}`);

        let value: string;
        if (t.at(i) !== 0x27 && t.at(i) !== 0x22) {
          const tokenBegin = i;
          while (isAlnum(t.at(i)) || t.at(i) === 0x2e || t.at(i) === 0x2d) i++;
          value = t.str(tokenBegin, i).toLowerCase();
          if (!isSpace(t.at(i)) && t.at(i) !== 0x3e) return fail(`Unexpected end of name token at byte offset ${tokenBegin}`);
        } else {
          const endChar = t.at(i++);
          const valueBytes: number[] = [];
          while (t.at(i) !== endChar && t.at(i) !== 0) {
            if (t.at(i) === 0x26) {
              const { code, next } = decodeHtmlEntity(t, i);
              if (code !== 0) {
                valueBytes.push(...utf8Of(code));
                i = next;
                continue;
              }
            }
            valueBytes.push(t.at(i++));
          }
          if (t.at(i) === endChar) i++;
          value = Buffer.from(valueBytes).toString('utf8');
        }
        if (t.at(i) === 0) return fail(`Unclosed start tag at byte offset ${beginPos}`);

        if (tag === 'a' && attrName === 'href') argument = value;
        else if (tag === 'code' && attrName === 'class' && value.startsWith('language-')) argument = value.slice(9);
        else if (tag === 'span' && attrName === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && attrName === 'emoji-id') argument = value;
        else if (tag === 'tg-time' && attrName === 'unix') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${beginPos}`);
      nested.push({ tag, argument, offset: out.utf16, beginPos: out.bytes.length, expandable });
      continue;
    }

    if (nested.length === 0) return fail(`Unexpected end tag at byte offset ${beginPos}`);
    while (!isSpace(t.at(i)) && t.at(i) !== 0x3e) i++;
    const endTag = t.str(beginPos + 2, i).toLowerCase();
    while (isSpace(t.at(i)) && t.at(i) !== 0) i++;
    if (t.at(i) !== 0x3e) return fail(`Unclosed end tag at byte offset ${beginPos}`);
    const open = nested[nested.length - 1]!;
    if (endTag !== '' && endTag !== open.tag) {
      return fail(`Unmatched end tag at byte offset ${beginPos}, expected "</${open.tag}>", found "</${endTag}>"`);
    }
    if (out.utf16 > open.offset) {
      const offset = open.offset;
      const length = out.utf16 - offset;
      const tag = open.tag;
      const last = entities[entities.length - 1];
      if (tag === 'i' || tag === 'em') entities.push({ type: 'Italic', offset, length, argument: '' });
      else if (tag === 'b' || tag === 'strong') entities.push({ type: 'Bold', offset, length, argument: '' });
      else if (tag === 's' || tag === 'strike' || tag === 'del') entities.push({ type: 'Strikethrough', offset, length, argument: '' });
      else if (tag === 'u' || tag === 'ins') entities.push({ type: 'Underline', offset, length, argument: '' });
      else if (tag === 'tg-spoiler' || tag === 'span') entities.push({ type: 'Spoiler', offset, length, argument: '' });
      else if (tag === 'tg-emoji') {
        if (!/^\d+$/.test(open.argument) || /^0+$/.test(open.argument)) return fail('Invalid custom emoji identifier specified');
        entities.push({ type: 'CustomEmoji', offset, length, argument: open.argument });
      } else if (tag === 'tg-time') {
        entities.push({ type: 'DateTime', offset, length, argument: open.argument });
      } else if (tag === 'a') {
        const url = open.argument !== '' ? open.argument : Buffer.from(out.bytes.slice(open.beginPos)).toString('utf8');
        const userId = linkUserId(url);
        if (userId !== undefined) entities.push({ type: 'MentionName', offset, length, argument: String(userId) });
        else {
          const checked = checkedLink(url);
          if (checked !== undefined) entities.push({ type: 'TextUrl', offset, length, argument: checked });
        }
      } else if (tag === 'pre') {
        if (last && last.type === 'Code' && last.offset === offset && last.length === length && last.argument !== '') last.type = 'PreCode';
        else entities.push({ type: 'Pre', offset, length, argument: '' });
      } else if (tag === 'code') {
        if (last && last.type === 'Pre' && last.offset === offset && last.length === length && open.argument !== '') {
          last.type = 'PreCode';
          last.argument = open.argument;
        } else entities.push({ type: 'Code', offset, length, argument: open.argument });
      } else if (tag === 'blockquote') {
        entities.push({ type: open.expandable ? 'ExpandableBlockQuote' : 'BlockQuote', offset, length, argument: '' });
      }
    }
    nested.pop();
  }
  if (nested.length > 0) return fail(`Can't find end tag corresponding to start tag "${nested[nested.length - 1]!.tag}"`);
  for (const e of entities) if (e.type === 'Code') e.argument = '';
  if (sawSurrogate) {
    return fail('Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units');
  }
  return { ok: true, text: out.text(), entities: toBotApi(entities) };
}

const RESERVED_V2 = new Set([...'_*[]()~`>#+-=|{}.!\n'].map((ch) => ch.charCodeAt(0)));

export function parseTelegramMarkdownV2(input: string): TelegramParse {
  const t = new Bytes(Buffer.from(input, 'utf8'));
  const out = new Output();
  const entities: RawEntity[] = [];
  const nested: Array<{ type: EntityType; argument: string; offset: number; bytePos: number; beginPos: number }> = [];
  let haveBlockquote = false;
  const fail = (error: string): TelegramParse => ({ ok: false, error });
  const reservedError = (c: number) =>
    fail(`Character '${String.fromCharCode(c)}' is reserved and must be escaped with the preceding '\\'`);

  for (let i = 0; i < t.size; i++) {
    const c = t.at(i);
    if (c === 0x5c /* \ */ && t.at(i + 1) > 0 && t.at(i + 1) <= 126) {
      i++;
      out.utf16 += 1;
      out.bytes.push(t.at(i));
      continue;
    }
    const top = nested[nested.length - 1];
    const inCode = top !== undefined && (top.type === 'Code' || top.type === 'Pre' || top.type === 'PreCode');
    const reserved = inCode ? c === 0x60 : RESERVED_V2.has(c);
    if (!reserved) {
      out.push(c);
      continue;
    }

    let isEnd = false;
    if (top !== undefined) {
      if (haveBlockquote && c === 0x0a && (i + 1 === t.size || t.at(i + 1) !== 0x3e)) isEnd = true;
      else {
        switch (top.type) {
          case 'Bold':
            isEnd = c === 0x2a;
            break;
          case 'Italic':
            isEnd = c === 0x5f && t.at(i + 1) !== 0x5f;
            break;
          case 'Code':
            isEnd = c === 0x60;
            break;
          case 'Pre':
          case 'PreCode':
            isEnd = c === 0x60 && t.at(i + 1) === 0x60 && t.at(i + 2) === 0x60;
            break;
          case 'TextUrl':
          case 'CustomEmoji':
            isEnd = c === 0x5d;
            break;
          case 'Underline':
            isEnd = c === 0x5f && t.at(i + 1) === 0x5f;
            break;
          case 'Strikethrough':
            isEnd = c === 0x7e;
            break;
          case 'Spoiler':
            isEnd = c === 0x7c && t.at(i + 1) === 0x7c;
            break;
          default:
            isEnd = false;
        }
      }
    }

    if (!isEnd) {
      let type: EntityType | undefined;
      let argument = '';
      const bytePos = i;
      switch (c) {
        case 0x5f:
          if (t.at(i + 1) === 0x5f) {
            type = 'Underline';
            i++;
          } else type = 'Italic';
          break;
        case 0x2a:
          type = 'Bold';
          break;
        case 0x7e:
          type = 'Strikethrough';
          break;
        case 0x7c:
          if (t.at(i + 1) !== 0x7c) return reservedError(c);
          i++;
          type = 'Spoiler';
          break;
        case 0x5b:
          type = 'TextUrl';
          break;
        case 0x60:
          if (t.at(i + 1) === 0x60 && t.at(i + 2) === 0x60) {
            i += 3;
            type = 'Pre';
            let languageEnd = i;
            while (!isSpace(t.at(languageEnd)) && t.at(languageEnd) !== 0x60) languageEnd++;
            if (i !== languageEnd && languageEnd < t.size && t.at(languageEnd) !== 0x60) {
              type = 'PreCode';
              argument = t.str(i, languageEnd);
              i = languageEnd;
            }
            if (t.at(i) === 0x0a || t.at(i) === 0x0d) {
              if ((t.at(i + 1) === 0x0a || t.at(i + 1) === 0x0d) && t.at(i) !== t.at(i + 1)) i += 2;
              else i++;
            }
            i--;
          } else type = 'Code';
          break;
        case 0x21:
          if (t.at(i + 1) !== 0x5b) return reservedError(c);
          i++;
          type = 'CustomEmoji';
          break;
        case 0x0a:
          out.utf16 += 1;
          out.bytes.push(0x0a);
          if (i + 1 < t.size && t.at(i + 1) === 0x3e) {
            i++;
            if (!haveBlockquote) {
              type = 'BlockQuote';
              haveBlockquote = true;
            }
          }
          break;
        case 0x3e:
          if (i !== 0) return reservedError(c);
          type = 'BlockQuote';
          haveBlockquote = true;
          break;
        default:
          return reservedError(c);
      }
      if (type === undefined) continue;
      nested.push({ type, argument, offset: out.utf16, bytePos, beginPos: out.bytes.length });
      continue;
    }

    const open = top!;
    if (c === 0x0a && open.type !== 'BlockQuote') return fail(`Can't find end of ${open.type} entity at byte offset ${open.bytePos}`);
    let argument = open.argument;
    let skip = out.utf16 === open.offset;
    let type: EntityType = open.type;
    switch (open.type) {
      case 'Underline':
      case 'Spoiler':
        i++;
        break;
      case 'Pre':
      case 'PreCode':
        i += 2;
        break;
      case 'TextUrl': {
        let url = '';
        if (t.at(i + 1) !== 0x28) url = Buffer.from(out.bytes.slice(open.beginPos)).toString('utf8');
        else {
          i += 2;
          const urlBegin = i;
          const urlBytes: number[] = [];
          while (i < t.size && t.at(i) !== 0x29) {
            if (t.at(i) === 0x5c && t.at(i + 1) > 0 && t.at(i + 1) <= 126) {
              urlBytes.push(t.at(i + 1));
              i += 2;
              continue;
            }
            urlBytes.push(t.at(i++));
          }
          if (t.at(i) !== 0x29) return fail(`Can't find end of a URL at byte offset ${urlBegin}`);
          url = Buffer.from(urlBytes).toString('utf8');
        }
        const userId = linkUserId(url);
        if (userId !== undefined) {
          type = 'MentionName';
          argument = String(userId);
        } else {
          const checked = checkedLink(url);
          if (checked === undefined) skip = true;
          else argument = checked;
        }
        break;
      }
      case 'CustomEmoji': {
        if (t.at(i + 1) !== 0x28) return fail('Custom emoji entity must contain a tg://emoji URL');
        i += 2;
        const urlBegin = i;
        let url = '';
        while (i < t.size && t.at(i) !== 0x29) {
          if (t.at(i) === 0x5c && t.at(i + 1) > 0 && t.at(i + 1) <= 126) {
            url += String.fromCharCode(t.at(i + 1));
            i += 2;
            continue;
          }
          url += String.fromCharCode(t.at(i++));
        }
        if (t.at(i) !== 0x29) return fail(`Can't find end of a custom emoji URL at byte offset ${urlBegin}`);
        const id = /^tg:\/\/emoji\?id=(\d+)$/i.exec(url);
        if (!id) return fail('Custom emoji URL must have scheme tg');
        argument = id[1]!;
        break;
      }
      case 'BlockQuote':
        haveBlockquote = false;
        out.utf16 += 1;
        out.bytes.push(t.at(i));
        break;
      default:
        break;
    }
    if (!skip) entities.push({ type, offset: open.offset, length: out.utf16 - open.offset, argument });
    nested.pop();
  }
  if (haveBlockquote) {
    const top = nested[nested.length - 1];
    if (top && top.type === 'BlockQuote') {
      const length = out.utf16 - top.offset;
      if (length !== 0) entities.push({ type: 'BlockQuote', offset: top.offset, length, argument: '' });
      nested.pop();
    }
  }
  if (nested.length > 0) {
    const top = nested[nested.length - 1]!;
    return fail(`Can't find end of ${top.type} entity at byte offset ${top.bytePos}`);
  }
  return { ok: true, text: out.text(), entities: toBotApi(entities) };
}

/** The legacy `Markdown` mode: no nesting, only _ * ` [ are special. */
export function parseTelegramMarkdown(input: string): TelegramParse {
  const t = new Bytes(Buffer.from(input, 'utf8'));
  const out = new Output();
  const entities: RawEntity[] = [];
  for (let i = 0; i < t.size; i++) {
    const c = t.at(i);
    if (c === 0x5c && [0x5f, 0x2a, 0x60, 0x5b].includes(t.at(i + 1))) {
      i++;
      out.bytes.push(t.at(i));
      out.utf16++;
      continue;
    }
    if (c !== 0x5f && c !== 0x2a && c !== 0x60 && c !== 0x5b) {
      out.push(c);
      continue;
    }
    const beginPos = i;
    const endChar = c === 0x5b ? 0x5d : c;
    let isPre = false;
    let language = '';
    i++;
    if (c === 0x60 && t.at(i) === 0x60 && t.at(i + 1) === 0x60) {
      i += 2;
      isPre = true;
      let languageEnd = i;
      while (!isSpace(t.at(languageEnd)) && t.at(languageEnd) !== 0x60) languageEnd++;
      if (i !== languageEnd && languageEnd < t.size && t.at(languageEnd) !== 0x60) {
        language = t.str(i, languageEnd);
        i = languageEnd;
      }
      if (t.at(i) === 0x0a || t.at(i) === 0x0d) {
        if ((t.at(i + 1) === 0x0a || t.at(i + 1) === 0x0d) && t.at(i) !== t.at(i + 1)) i += 2;
        else i++;
      }
    }
    const offset = out.utf16;
    const innerBegin = out.bytes.length;
    while (i < t.size && (t.at(i) !== endChar || (isPre && !(t.at(i + 1) === 0x60 && t.at(i + 2) === 0x60)))) out.push(t.at(i++));
    if (i === t.size) return { ok: false, error: `Can't find end of the entity starting at byte offset ${beginPos}` };
    if (offset !== out.utf16) {
      const length = out.utf16 - offset;
      if (c === 0x5f) entities.push({ type: 'Italic', offset, length, argument: '' });
      else if (c === 0x2a) entities.push({ type: 'Bold', offset, length, argument: '' });
      else if (c === 0x5b) {
        let url: string;
        if (t.at(i + 1) !== 0x28) url = Buffer.from(out.bytes.slice(innerBegin)).toString('utf8');
        else {
          i += 2;
          const urlBytes: number[] = [];
          while (i < t.size && t.at(i) !== 0x29) urlBytes.push(t.at(i++));
          url = Buffer.from(urlBytes).toString('utf8');
        }
        const userId = linkUserId(url);
        if (userId !== undefined) entities.push({ type: 'MentionName', offset, length, argument: String(userId) });
        else {
          const checked = checkedLink(url);
          if (checked !== undefined) entities.push({ type: 'TextUrl', offset, length, argument: checked });
        }
      } else if (isPre) entities.push({ type: language === '' ? 'Pre' : 'PreCode', offset, length, argument: language });
      else entities.push({ type: 'Code', offset, length, argument: '' });
    }
    if (isPre) i += 2;
  }
  return { ok: true, text: out.text(), entities: toBotApi(entities) };
}

function toBotApi(raw: RawEntity[]): TelegramEntity[] {
  const mapped = raw.map((e): TelegramEntity => {
    const base = { offset: e.offset, length: e.length };
    switch (e.type) {
      case 'Bold':
        return { type: 'bold', ...base };
      case 'Italic':
        return { type: 'italic', ...base };
      case 'Underline':
        return { type: 'underline', ...base };
      case 'Strikethrough':
        return { type: 'strikethrough', ...base };
      case 'Spoiler':
        return { type: 'spoiler', ...base };
      case 'Code':
        return { type: 'code', ...base };
      case 'Pre':
        return { type: 'pre', ...base };
      case 'PreCode':
        return { type: 'pre', ...base, language: e.argument };
      case 'TextUrl':
        return { type: 'text_link', ...base, url: e.argument };
      case 'MentionName':
        return { type: 'text_mention', ...base, user: { id: Number(e.argument) } };
      case 'CustomEmoji':
        return { type: 'custom_emoji', ...base, custom_emoji_id: e.argument };
      case 'BlockQuote':
        return { type: 'blockquote', ...base };
      case 'ExpandableBlockQuote':
        return { type: 'expandable_blockquote', ...base };
      case 'DateTime':
        return { type: 'date_time', ...base };
    }
  });
  return mapped.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

/** Telegram trims surrounding whitespace after parsing; entities are shifted and clipped with it. */
export function trimParsed(text: string, entities: TelegramEntity[]): { text: string; entities: TelegramEntity[] } {
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const end = trimmed.length;
  const shifted = entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const stop = Math.min(end, e.offset - lead + e.length);
      return { ...e, offset: start, length: stop - start };
    })
    .filter((e) => e.length > 0);
  return { text: trimmed, entities: shifted };
}
