import { headerParam, isObject, mediaType, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import { renderMarkdown, type Rendered } from '../markup';
import { parseMultipart } from '../mime';
import { mergeFormatting } from '../types';
import { nextSeq, reject, type Credentials, type HttpSink, type Outcome } from './sink';

// Execute Webhook: https://discord.com/developers/docs/resources/webhook#execute-webhook
// (content up to 2000 characters, up to 10 embeds, at least one of content/embeds/components/files/poll,
// `?wait=true` returns the message object, otherwise 204). Embed limits (docs, "Embed Limits"): title 256,
// description 4096, 25 fields, field name 256 / value 1024, footer 2048, author 256, 6000 in total per message.
// allowed_mentions: parse is a list of "roles" | "users" | "everyone", exclusive with the matching id list.
// Errors: 400 {"code": 50035, "errors": {...}, "message": "Invalid Form Body"}, 400 50006 "Cannot send an empty
// message", 404 10015 "Unknown Webhook", 401 50027 "Invalid Webhook Token", 400 50109 invalid JSON.
// Rate limits: https://discord.com/developers/docs/topics/rate-limits (429 body {message, retry_after (float
// seconds), global}, Retry-After, X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket/Scope headers).

const MAX_CONTENT = 2000;
const MAX_EMBEDS = 10;
const EMBED_TOTAL = 6000;
const ALLOWED_FLAGS = (1 << 2) | (1 << 12); // SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS

type FieldErrors = Record<string, unknown>;

function put(errors: FieldErrors, path: Array<string | number>, code: string, message: string): void {
  let node = errors as Record<string, unknown>;
  for (const key of path) {
    const k = String(key);
    node[k] ??= {};
    node = node[k] as Record<string, unknown>;
  }
  const list = (node._errors ??= []) as Array<{ code: string; message: string }>;
  list.push({ code, message });
}

function maxLength(errors: FieldErrors, path: Array<string | number>, value: unknown, max: number, required = false): void {
  if (value === undefined || value === null) {
    if (required) put(errors, path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (typeof value !== 'string') put(errors, path, 'BASE_TYPE_STRING', 'Must be a string.');
  else if (value.length > max) put(errors, path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
}

function validateEmbeds(errors: FieldErrors, embeds: unknown): number {
  if (embeds === undefined || embeds === null) return 0;
  if (!Array.isArray(embeds)) {
    put(errors, ['embeds'], 'BASE_TYPE_ARRAY', 'Must be an array.');
    return 0;
  }
  if (embeds.length > MAX_EMBEDS) put(errors, ['embeds'], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_EMBEDS} or fewer in length.`);
  let total = 0;
  embeds.forEach((embed, i) => {
    if (!isObject(embed)) return put(errors, ['embeds', i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    maxLength(errors, ['embeds', i, 'title'], embed.title, 256);
    maxLength(errors, ['embeds', i, 'description'], embed.description, 4096);
    total += String(embed.title ?? '').length + String(embed.description ?? '').length;
    if (embed.footer !== undefined) {
      const footer = isObject(embed.footer) ? embed.footer : {};
      maxLength(errors, ['embeds', i, 'footer', 'text'], footer.text, 2048, true);
      total += String(footer.text ?? '').length;
    }
    if (embed.author !== undefined) {
      const author = isObject(embed.author) ? embed.author : {};
      maxLength(errors, ['embeds', i, 'author', 'name'], author.name, 256, true);
      total += String(author.name ?? '').length;
    }
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields)) put(errors, ['embeds', i, 'fields'], 'BASE_TYPE_ARRAY', 'Must be an array.');
      else {
        if (embed.fields.length > 25) put(errors, ['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        embed.fields.forEach((field, j) => {
          const f = isObject(field) ? field : {};
          maxLength(errors, ['embeds', i, 'fields', j, 'name'], f.name, 256, true);
          maxLength(errors, ['embeds', i, 'fields', j, 'value'], f.value, 1024, true);
          total += String(f.name ?? '').length + String(f.value ?? '').length;
        });
      }
    }
  });
  if (total > EMBED_TOTAL) put(errors, ['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${EMBED_TOTAL}`);
  return embeds.length;
}

function validateAllowedMentions(errors: FieldErrors, am: unknown): void {
  if (am === undefined || am === null) return;
  if (!isObject(am)) return put(errors, ['allowed_mentions'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  const parse = am.parse;
  if (parse !== undefined) {
    if (!Array.isArray(parse)) put(errors, ['allowed_mentions', 'parse'], 'BASE_TYPE_ARRAY', 'Must be an array.');
    else
      parse.forEach((v, i) => {
        if (v !== 'roles' && v !== 'users' && v !== 'everyone') {
          put(errors, ['allowed_mentions', 'parse', i], 'ENUM_TYPE_COERCE', `Value "${String(v)}" is not a valid enum value.`);
        }
      });
  }
  for (const kind of ['users', 'roles'] as const) {
    const ids = am[kind];
    if (ids === undefined) continue;
    if (!Array.isArray(ids)) {
      put(errors, ['allowed_mentions', kind], 'BASE_TYPE_ARRAY', 'Must be an array.');
      continue;
    }
    if (ids.length > 100) put(errors, ['allowed_mentions', kind], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    if (Array.isArray(parse) && parse.includes(kind)) {
      put(
        errors,
        ['allowed_mentions'],
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
      );
    }
  }
}

function render(msg: Record<string, unknown>): Rendered {
  const parts: Rendered[] = [];
  if (typeof msg.content === 'string' && msg.content !== '') parts.push(renderMarkdown(msg.content));
  for (const embed of Array.isArray(msg.embeds) ? msg.embeds : []) {
    if (!isObject(embed)) continue;
    if (typeof embed.title === 'string') {
      const r = renderMarkdown(embed.title);
      if (typeof embed.url === 'string') r.formatting.links.push({ text: r.text, url: embed.url });
      parts.push(r);
    }
    if (typeof embed.description === 'string') parts.push(renderMarkdown(embed.description));
    for (const field of Array.isArray(embed.fields) ? embed.fields : []) {
      if (isObject(field)) parts.push(renderMarkdown(`${String(field.name ?? '')}: ${String(field.value ?? '')}`));
    }
    if (isObject(embed.footer) && typeof embed.footer.text === 'string') parts.push(renderMarkdown(embed.footer.text));
  }
  return { text: parts.map((p) => p.text).join('\n'), formatting: mergeFormatting(...parts.map((p) => p.formatting)) };
}

/** Discord snowflake for "now". */
function snowflake(seq: number): string {
  return ((BigInt(Date.now()) - 1420070400000n) * 4194304n + BigInt(seq % 4096)).toString();
}

const discordError = (status: number, code: number, message: string, errors?: FieldErrors): Reply => ({
  status,
  body: errors ? { code, errors, message } : { message, code },
});

export function discordSink(credentials: Credentials): HttpSink {
  const rateHeaders = (id: string, remaining: number, resetAfter: number): Record<string, string> => ({
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': ((Date.now() + resetAfter * 1000) / 1000).toFixed(3),
    'x-ratelimit-reset-after': resetAfter.toFixed(3),
    'x-ratelimit-bucket': `peer-webhook-${id}`,
  });
  return {
    channel: 'discord',
    matches: (req) => {
      const segs = segmentsOf(req.path);
      return segs[0] === 'api' && (segs[1] === 'webhooks' || (/^v\d+$/.test(segs[1] ?? '') && segs[2] === 'webhooks'));
    },
    handle(req: PeerRequest): Outcome {
      const segs = segmentsOf(req.path).slice(1);
      if (/^v\d+$/.test(segs[0] ?? '')) segs.shift();
      const [, id, token] = segs;
      if (segs.length !== 3 || !/^\d+$/.test(id ?? '') || !token) {
        return reject(discordError(404, 0, '404: Not Found'), 'not-found', 'not an execute-webhook URL');
      }
      if (credentials.isRestricted('discord') && !credentials.accepts('discord', `${id}/${token}`)) {
        return credentials.hasPrefix('discord', `${id}/`)
          ? reject(discordError(401, 50027, 'Invalid Webhook Token'), 'auth', 'wrong webhook token')
          : reject(discordError(404, 10015, 'Unknown Webhook'), 'not-found', `unknown webhook ${id}`);
      }
      if (req.method !== 'POST') return reject(discordError(405, 0, '405: Method Not Allowed'), 'invalid', `method ${req.method}`);

      let msg: Record<string, unknown>;
      let files = 0;
      const type = mediaType(req);
      if (type === 'multipart/form-data') {
        const boundary = headerParam(req.headers['content-type'], 'boundary');
        const parts = boundary ? parseMultipart(req.body, boundary) : [];
        const fields: Record<string, unknown> = {};
        for (const part of parts) {
          if (part.filename !== undefined) files += 1;
          else if (part.name === 'payload_json') {
            const p = parseJson(part.body.toString('utf8'));
            if (!p.ok || !isObject(p.value))
              return reject(discordError(400, 50109, 'The request body contains invalid JSON.'), 'invalid', 'payload_json is not JSON');
            Object.assign(fields, p.value);
          } else if (part.name) fields[part.name] = part.body.toString('utf8');
        }
        msg = fields;
      } else if (type === 'application/x-www-form-urlencoded') {
        msg = Object.fromEntries(new URLSearchParams(req.text));
      } else {
        const parsed = parseJson(req.text);
        if (!parsed.ok || !isObject(parsed.value))
          return reject(discordError(400, 50109, 'The request body contains invalid JSON.'), 'invalid', 'body is not a JSON object');
        msg = parsed.value;
      }

      const errors: FieldErrors = {};
      maxLength(errors, ['content'], msg.content, MAX_CONTENT);
      maxLength(errors, ['username'], msg.username, 80);
      if (typeof msg.username === 'string' && /clyde|discord/i.test(msg.username)) {
        put(
          errors,
          ['username'],
          'USERNAME_INVALID_CONTAINS',
          `Username cannot contain "${/clyde/i.test(msg.username) ? 'clyde' : 'discord'}"`,
        );
      }
      const embeds = validateEmbeds(errors, msg.embeds);
      validateAllowedMentions(errors, msg.allowed_mentions);
      if (msg.flags !== undefined && (typeof msg.flags !== 'number' || (msg.flags & ~ALLOWED_FLAGS) !== 0)) {
        put(errors, ['flags'], 'MESSAGE_INVALID_FLAGS', 'Invalid flags: only SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS can be set.');
      }
      if (msg.tts !== undefined && typeof msg.tts !== 'boolean' && msg.tts !== 'true' && msg.tts !== 'false')
        put(errors, ['tts'], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
      if (Object.keys(errors).length > 0)
        return reject(discordError(400, 50035, 'Invalid Form Body', errors), 'invalid', JSON.stringify(errors));

      const hasContent = typeof msg.content === 'string' && msg.content.trim() !== '';
      const hasComponents = Array.isArray(msg.components) && msg.components.length > 0;
      if (!hasContent && embeds === 0 && !hasComponents && files === 0 && msg.poll === undefined) {
        return reject(discordError(400, 50006, 'Cannot send an empty message'), 'invalid', 'empty message');
      }

      const seq = nextSeq();
      const messageId = snowflake(seq);
      const rendered = render(msg);
      const headers = rateHeaders(id!, 4, 2);
      const wait = (req.query.get('wait') ?? '').toLowerCase() === 'true';
      const message = {
        id: messageId,
        type: 0,
        content: typeof msg.content === 'string' ? msg.content : '',
        channel_id: '1000000000000000001',
        author: {
          id: id!,
          username: typeof msg.username === 'string' ? msg.username : 'ClearGate',
          avatar: null,
          discriminator: '0000',
          public_flags: 0,
          flags: 0,
          bot: true,
          global_name: null,
        },
        attachments: [],
        embeds: Array.isArray(msg.embeds) ? msg.embeds.map((e) => ({ type: 'rich', ...(isObject(e) ? e : {}) })) : [],
        mentions: [],
        mention_roles: [],
        pinned: false,
        mention_everyone: false,
        tts: msg.tts === true || msg.tts === 'true',
        timestamp: new Date().toISOString().replace('Z', '000+00:00'),
        edited_timestamp: null,
        flags: typeof msg.flags === 'number' ? msg.flags : 0,
        components: [],
        webhook_id: id!,
      };
      return {
        reply: wait ? { status: 200, headers, body: message } : { status: 204, headers },
        accepted: { id: messageId, target: id!, payload: msg, text: rendered.text, formatting: rendered.formatting },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) {
        return {
          status,
          headers: {
            'retry-after': String(Math.ceil(retryAfterSec)),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': ((Date.now() + retryAfterSec * 1000) / 1000).toFixed(3),
            'x-ratelimit-reset-after': retryAfterSec.toFixed(3),
            'x-ratelimit-bucket': 'peer-webhook',
            'x-ratelimit-scope': 'shared',
          },
          body: { message: 'You are being rate limited.', retry_after: retryAfterSec, global: false },
        };
      }
      return discordError(status, 0, status === 500 ? '500: Internal Server Error' : '503: Service Unavailable');
    },
    outageReply: () => discordError(503, 0, '503: Service Unavailable'),
  };
}
