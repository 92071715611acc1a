import { htmlPage, isObject, mediaType, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import {
  parseTelegramHtml,
  parseTelegramMarkdown,
  parseTelegramMarkdownV2,
  trimParsed,
  type TelegramEntity,
  type TelegramParse,
} from '../telegram-entities';
import { emptyFormatting, type Formatting } from '../types';
import { nextSeq, reject, type Credentials, type HttpSink, type Outcome } from './sink';

// Bot API: https://core.telegram.org/bots/api#making-requests (GET or POST; query string, urlencoded, JSON or
// multipart; answers {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":"..."}),
// https://core.telegram.org/bots/api#sendmessage ("text: 1-4096 characters after entities parsing"),
// ResponseParameters.retry_after on 429 ("Too Many Requests: retry after N"). Error descriptions are the server's
// own ("Bad Request: message is too long", "Bad Request: message text is empty", "Bad Request: chat_id is empty",
// "Bad Request: can't parse entities: ...", 401 "Unauthorized", 404 "Not Found"). The server sends every answer as
// application/json and adds Retry-After on 429 (tdlib/telegram-bot-api telegram-bot-api/HttpConnection.cpp).

const MAX_TEXT = 4096;
const BOT_ID = 7000000001;

const fail = (code: number, description: string, parameters?: Record<string, number>): Reply => ({
  status: code,
  body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) },
});

function readParams(req: PeerRequest): Record<string, unknown> | undefined {
  const params: Record<string, unknown> = Object.fromEntries(req.query);
  const type = mediaType(req);
  if (req.body.length === 0) return params;
  if (type === 'application/json') {
    const parsed = parseJson(req.text);
    if (!parsed.ok || !isObject(parsed.value)) return undefined;
    return { ...params, ...parsed.value };
  }
  if (type === 'application/x-www-form-urlencoded') return { ...params, ...Object.fromEntries(new URLSearchParams(req.text)) };
  return params;
}

function formattingOf(text: string, entities: TelegramEntity[]): Formatting {
  const f = emptyFormatting();
  for (const e of entities) {
    const slice = text.slice(e.offset, e.offset + e.length);
    if (e.type === 'bold') f.bold.push(slice);
    else if (e.type === 'italic') f.italic.push(slice);
    else if (e.type === 'code') f.code.push(slice);
    else if (e.type === 'pre') f.pre.push(slice);
    else if (e.type === 'text_link' && e.url) f.links.push({ text: slice, url: e.url });
  }
  return f;
}

function parseText(text: string, parseMode: string | undefined): TelegramParse | { ok: false; unsupported: true } {
  if (parseMode === undefined || parseMode === '') return { ok: true, text, entities: [] };
  switch (parseMode.toLowerCase()) {
    case 'html':
      return parseTelegramHtml(text);
    case 'markdownv2':
      return parseTelegramMarkdownV2(text);
    case 'markdown':
      return parseTelegramMarkdown(text);
    default:
      return { ok: false, unsupported: true };
  }
}

export function telegramSink(credentials: Credentials): HttpSink {
  let nextMessageId = 1;
  return {
    channel: 'telegram',
    matches: (req) => /^bot[^/]+$/.test(segmentsOf(req.path)[0] ?? ''),
    handle(req: PeerRequest): Outcome {
      const segs = segmentsOf(req.path);
      const token = segs[0]!.slice(3);
      if (!/^\d+:[A-Za-z0-9_-]+$/.test(token) || segs.length !== 2)
        return reject(fail(404, 'Not Found'), 'not-found', 'malformed bot path');
      if (!credentials.accepts('telegram', token)) return reject(fail(401, 'Unauthorized'), 'auth', 'unknown bot token');
      const method = segs[1]!.toLowerCase();
      const botUser = { id: Number(token.split(':')[0]) || BOT_ID, is_bot: true, first_name: 'ClearGate', username: 'cleargate_peer_bot' };
      if (method === 'getme') {
        return {
          reply: {
            status: 200,
            body: {
              ok: true,
              result: { ...botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false },
            },
          },
        };
      }
      if (method !== 'sendmessage') return reject(fail(404, 'Not Found'), 'not-found', `method ${segs[1]} is not served by the peer`);

      const params = readParams(req);
      if (params === undefined) return reject(fail(400, "Bad Request: can't parse JSON object"), 'invalid', 'body is not a JSON object');
      const chatId = params.chat_id;
      if (chatId === undefined || chatId === null || String(chatId).trim() === '')
        return reject(fail(400, 'Bad Request: chat_id is empty'), 'invalid', 'no chat_id');
      const chat = String(chatId).trim();
      if (!/^-?\d+$/.test(chat) && !/^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(chat))
        return reject(fail(400, 'Bad Request: chat not found'), 'invalid', `chat ${chat}`);
      if (params.text === undefined || params.text === null)
        return reject(fail(400, 'Bad Request: message text is empty'), 'invalid', 'no text');
      if (typeof params.text !== 'string')
        return reject(fail(400, 'Bad Request: message text must be a string'), 'invalid', 'text is not a string');
      // JSON null is not "no parse mode": the Bot API answers "unsupported parse_mode" (clients that serialise
      // unset options as null hit this, e.g. stakpak gateway's Telegram fix).
      if (params.parse_mode === null) return reject(fail(400, 'Bad Request: unsupported parse_mode'), 'invalid', 'parse_mode null');
      const parseMode = params.parse_mode === undefined ? undefined : String(params.parse_mode);
      let given: TelegramEntity[] = [];
      if ((parseMode === undefined || parseMode === '') && params.entities !== undefined) {
        const list = typeof params.entities === 'string' ? parseJson(params.entities) : { ok: true as const, value: params.entities };
        if (!list.ok || !Array.isArray(list.value))
          return reject(fail(400, "Bad Request: can't parse entities JSON object"), 'invalid', 'entities');
        given = list.value.filter(
          (e): e is TelegramEntity => isObject(e) && typeof e.type === 'string' && Number.isInteger(e.offset) && Number.isInteger(e.length),
        );
      }
      if (
        params.link_preview_options !== undefined &&
        !isObject(params.link_preview_options) &&
        typeof params.link_preview_options !== 'string'
      ) {
        return reject(fail(400, "Bad Request: can't parse link preview options JSON object"), 'invalid', 'link_preview_options');
      }
      if (
        params.disable_web_page_preview !== undefined &&
        typeof params.disable_web_page_preview !== 'boolean' &&
        !['true', 'false'].includes(String(params.disable_web_page_preview))
      ) {
        return reject(fail(400, 'Bad Request: disable_web_page_preview must be a Boolean'), 'invalid', 'disable_web_page_preview');
      }

      const parsed = parseText(params.text, parseMode);
      if (!parsed.ok) {
        if ('unsupported' in parsed) return reject(fail(400, 'Bad Request: unsupported parse_mode'), 'invalid', `parse_mode ${parseMode}`);
        return reject(fail(400, `Bad Request: can't parse entities: ${parsed.error}`), 'invalid', parsed.error);
      }
      const { text, entities } = trimParsed(parsed.text, given.length > 0 ? given : parsed.entities);
      if (text.length === 0) return reject(fail(400, 'Bad Request: message text is empty'), 'invalid', 'empty after parsing');
      if (text.length > MAX_TEXT)
        return reject(fail(400, 'Bad Request: message is too long'), 'invalid', `${text.length} UTF-16 units after parsing`);

      const messageId = nextMessageId++;
      const isChannel = chat.startsWith('@') || chat.startsWith('-100');
      const chatObj = isChannel
        ? {
            id: chat.startsWith('@') ? -1001000000000 - (nextSeq() % 1000) : Number(chat),
            title: 'ClearGate alerts',
            ...(chat.startsWith('@') ? { username: chat.slice(1) } : {}),
            type: 'channel',
          }
        : Number(chat) < 0
          ? { id: Number(chat), title: 'ClearGate alerts', type: 'group', all_members_are_administrators: true }
          : { id: Number(chat), first_name: 'Operator', type: 'private' };
      const result = {
        message_id: messageId,
        ...(isChannel ? { sender_chat: chatObj } : { from: botUser }),
        chat: chatObj,
        date: Math.floor(Date.now() / 1000),
        text,
        ...(entities.length > 0 ? { entities } : {}),
      };
      return {
        reply: { status: 200, body: { ok: true, result } },
        accepted: { id: String(messageId), target: chat, payload: params, text, formatting: formattingOf(text, entities) },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) {
        const secs = Math.max(1, Math.ceil(retryAfterSec));
        return { ...fail(429, `Too Many Requests: retry after ${secs}`, { retry_after: secs }), headers: { 'retry-after': String(secs) } };
      }
      return status === 500
        ? fail(500, 'Internal Server Error')
        : { status: 503, headers: { 'content-type': 'text/html' }, body: htmlPage(503, 'Service Temporarily Unavailable') };
    },
    outageReply: () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: htmlPage(502, 'Bad Gateway') }),
  };
}
