// Just enough MIME (RFC 2045-2047, 5322) to read what nodemailer and HTTP clients send: folded headers,
// encoded words, multipart bodies, base64 and quoted-printable.

export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
  name?: string;
  filename?: string;
}

export interface ParsedMail {
  headers: Record<string, string>;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  messageId: string;
  text?: string;
  html?: string;
}

function splitHead(raw: Buffer): { head: string; body: Buffer } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { head: raw.subarray(0, crlf).toString('latin1'), body: raw.subarray(crlf + 4) };
  if (lf >= 0) return { head: raw.subarray(0, lf).toString('latin1'), body: raw.subarray(lf + 2) };
  return { head: raw.toString('latin1'), body: Buffer.alloc(0) };
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8');
    headers[name] = headers[name] !== undefined ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

export function param(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const re = new RegExp(`;\\s*${name}\\*?=\\s*("([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(header);
  return m ? (m[2] ?? m[3]) : undefined;
}

function charsetDecode(bytes: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(cs === 'us-ascii' ? 'utf-8' : cs).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

export function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i]!;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(ch, 'latin1'));
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?utf-8?B?...?=` / `=?utf-8?Q?...?=`). */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]+)?\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return charsetDecode(bytes, charset);
    });
}

function transferDecode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.toString('latin1'));
    default:
      return body;
  }
}

export function parseMultipart(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MimePart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body[start] === 0x0d) start++;
    if (body[start] === 0x0a) start++;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const { head, body: content } = splitHead(body.subarray(start, end));
    const headers = parseHeaders(head);
    const disposition = headers['content-disposition'];
    const name = param(disposition, 'name');
    const filename = param(disposition, 'filename');
    parts.push({ headers, body: content, ...(name !== undefined ? { name } : {}), ...(filename !== undefined ? { filename } : {}) });
    pos = next;
  }
  return parts;
}

function addresses(value: string | undefined): string[] {
  if (!value) return [];
  return decodeWords(value)
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

function walk(headers: Record<string, string>, body: Buffer, out: { text?: string; html?: string }): void {
  const type = headers['content-type'] ?? 'text/plain';
  const media = type.split(';')[0]!.trim().toLowerCase();
  if (media.startsWith('multipart/')) {
    const boundary = param(type, 'boundary');
    if (!boundary) return;
    for (const part of parseMultipart(body, boundary)) walk(part.headers, part.body, out);
    return;
  }
  if ((headers['content-disposition'] ?? '').toLowerCase().startsWith('attachment')) return;
  const decoded = charsetDecode(transferDecode(body, headers['content-transfer-encoding']), param(type, 'charset'));
  if (media === 'text/plain' && out.text === undefined) out.text = decoded.replace(/\r\n/g, '\n').replace(/\n$/, '');
  if (media === 'text/html' && out.html === undefined) out.html = decoded.replace(/\r\n/g, '\n');
}

export function parseMail(raw: Buffer): ParsedMail {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const content: { text?: string; html?: string } = {};
  walk(headers, body, content);
  return {
    headers,
    from: decodeWords(headers.from ?? ''),
    to: addresses(headers.to),
    cc: addresses(headers.cc),
    subject: decodeWords(headers.subject ?? ''),
    messageId: headers['message-id'] ?? '',
    ...content,
  };
}
