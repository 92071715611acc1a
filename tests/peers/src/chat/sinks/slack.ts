import { htmlPage, isObject, mediaType, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import { renderMarkdown, renderSlackMrkdwn, type Rendered } from '../markup';
import { emptyFormatting, mergeFormatting } from '../types';
import { reject, nextSeq, type Credentials, type HttpSink, type Outcome } from './sink';

// Incoming webhooks: https://api.slack.com/messaging/webhooks
// Error strings and statuses: https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
// (400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410 channel_is_archived, 500 rollup_error);
// a body with no text/blocks/attachments is answered 400 missing_text_or_fallback_or_attachments
// (observed answer, e.g. slackapi/slack-github-action#117).
// Block Kit limits: https://api.slack.com/reference/block-kit/blocks (50 blocks per message, section text 3000,
// fields 10 x 2000, header 150, context 10 elements, block_id 255, markdown blocks 12000 in total).
// Text over 40,000 characters is truncated by Slack, not refused (chat.postMessage "Truncating content").

const MAX_BLOCKS = 50;
const MAX_TEXT = 40_000;
const MAX_ATTACHMENTS = 100;
const MAX_MARKDOWN_TOTAL = 12_000;

const plain = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body,
});

class BlockError extends Error {}

function textObject(value: unknown, where: string, max: number, plainOnly = false): Rendered {
  if (!isObject(value)) throw new BlockError(`${where} must be a text object`);
  const type = value.type;
  if (type !== 'plain_text' && (plainOnly || type !== 'mrkdwn'))
    throw new BlockError(`${where}.type must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}`);
  if (typeof value.text !== 'string' || value.text.length < 1) throw new BlockError(`${where}.text must be at least 1 character`);
  if (value.text.length > max) throw new BlockError(`${where}.text must be at most ${max} characters`);
  return type === 'mrkdwn' ? renderSlackMrkdwn(value.text) : { text: value.text, formatting: emptyFormatting() };
}

function richText(elements: unknown, where: string): Rendered {
  if (!Array.isArray(elements)) throw new BlockError(`${where}.elements must be an array`);
  const formatting = emptyFormatting();
  const lines: string[] = [];
  for (const [i, el] of elements.entries()) {
    if (!isObject(el) || typeof el.type !== 'string') throw new BlockError(`${where}.elements[${i}] must have a type`);
    let chunk = '';
    for (const piece of Array.isArray(el.elements) ? el.elements : []) {
      if (!isObject(piece)) continue;
      const shown = typeof piece.text === 'string' ? piece.text : typeof piece.url === 'string' ? piece.url : '';
      chunk += shown;
      const style = isObject(piece.style) ? piece.style : {};
      if (style.bold === true) formatting.bold.push(shown);
      if (style.italic === true) formatting.italic.push(shown);
      if (style.code === true) formatting.code.push(shown);
      if (piece.type === 'link' && typeof piece.url === 'string') formatting.links.push({ text: shown, url: piece.url });
    }
    if (el.type === 'rich_text_preformatted') formatting.pre.push(chunk);
    lines.push(chunk);
  }
  return { text: lines.join('\n'), formatting };
}

function renderBlocks(blocks: unknown[]): Rendered {
  if (blocks.length > MAX_BLOCKS) throw new BlockError(`no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`);
  const parts: Rendered[] = [];
  let markdownTotal = 0;
  blocks.forEach((block, i) => {
    const at = `/blocks/${i}`;
    if (!isObject(block) || typeof block.type !== 'string') throw new BlockError(`missing required field: type [json-pointer:${at}]`);
    if (block.block_id !== undefined && (typeof block.block_id !== 'string' || block.block_id.length > 255)) {
      throw new BlockError(`must be at most 255 characters [json-pointer:${at}/block_id]`);
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined)
          throw new BlockError(`must provide either text or fields [json-pointer:${at}]`);
        if (block.text !== undefined) parts.push(textObject(block.text, `${at}/text`, 3000));
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length < 1 || block.fields.length > 10) {
            throw new BlockError(`must be between 1 and 10 items [json-pointer:${at}/fields]`);
          }
          block.fields.forEach((f, j) => parts.push(textObject(f, `${at}/fields/${j}`, 2000)));
        }
        break;
      }
      case 'header':
        parts.push(textObject(block.text, `${at}/text`, 150, true));
        break;
      case 'context': {
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10) {
          throw new BlockError(`must be between 1 and 10 items [json-pointer:${at}/elements]`);
        }
        block.elements.forEach((el, j) => {
          if (isObject(el) && el.type === 'image') return;
          parts.push(textObject(el, `${at}/elements/${j}`, 3000));
        });
        break;
      }
      case 'markdown': {
        if (typeof block.text !== 'string' || block.text.length < 1)
          throw new BlockError(`missing required field: text [json-pointer:${at}]`);
        markdownTotal += block.text.length;
        if (markdownTotal > MAX_MARKDOWN_TOTAL) throw new BlockError(`markdown blocks exceed ${MAX_MARKDOWN_TOTAL} characters in total`);
        parts.push(renderMarkdown(block.text));
        break;
      }
      case 'rich_text':
        parts.push(richText(block.elements, at));
        break;
      case 'image':
        if (typeof block.alt_text !== 'string' || block.alt_text.length > 2000)
          throw new BlockError(`alt_text is required, at most 2000 characters [json-pointer:${at}]`);
        if (block.image_url === undefined && block.slack_file === undefined)
          throw new BlockError(`must provide image_url or slack_file [json-pointer:${at}]`);
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 25) {
          throw new BlockError(`must be between 1 and 25 items [json-pointer:${at}/elements]`);
        }
        break;
      case 'divider':
      case 'file':
      case 'input':
      case 'video':
      case 'table':
      case 'context_actions':
        break;
      default:
        throw new BlockError(`unknown block type ${JSON.stringify(block.type)} [json-pointer:${at}/type]`);
    }
  });
  return { text: parts.map((p) => p.text).join('\n'), formatting: mergeFormatting(...parts.map((p) => p.formatting)) };
}

function renderAttachments(attachments: unknown[]): Rendered {
  const parts: Rendered[] = [];
  for (const a of attachments) {
    if (!isObject(a)) continue;
    for (const key of ['pretext', 'title', 'text'] as const) {
      if (typeof a[key] === 'string') parts.push(renderSlackMrkdwn(a[key]));
    }
    if (Array.isArray(a.blocks)) parts.push(renderBlocks(a.blocks));
  }
  return { text: parts.map((p) => p.text).join('\n'), formatting: mergeFormatting(...parts.map((p) => p.formatting)) };
}

export function slackSink(credentials: Credentials): HttpSink {
  return {
    channel: 'slack',
    matches: (req) => segmentsOf(req.path)[0] === 'services',
    handle(req: PeerRequest): Outcome {
      const segs = segmentsOf(req.path);
      const notFound = plain(404, 'no_service');
      if (segs.length !== 4 || !/^T[A-Z0-9]+$/.test(segs[1]!) || !/^B[A-Z0-9]+$/.test(segs[2]!) || !/^[A-Za-z0-9]+$/.test(segs[3]!)) {
        return reject(notFound, 'not-found', 'not an incoming webhook URL');
      }
      const hook = segs.slice(1).join('/');
      if (!credentials.accepts('slack', hook)) return reject(notFound, 'not-found', `unknown webhook ${hook}`);
      if (req.method !== 'POST') return reject(plain(405, 'invalid_method'), 'invalid', `method ${req.method}`);

      const invalid = (code: string, reason: string, status = 400): Outcome => reject(plain(status, code), 'invalid', `${code}: ${reason}`);
      let raw = req.text;
      if (mediaType(req) === 'application/x-www-form-urlencoded') {
        const payload = new URLSearchParams(req.text).get('payload');
        if (payload === null) return invalid('invalid_payload', 'form body without a payload field');
        raw = payload;
      }
      const parsed = parseJson(raw);
      if (!parsed.ok || !isObject(parsed.value))
        return invalid('invalid_payload', parsed.ok ? 'payload is not a JSON object' : parsed.error);
      const msg = parsed.value;

      const hasText = typeof msg.text === 'string' && msg.text.trim() !== '';
      const hasBlocks = Array.isArray(msg.blocks) && msg.blocks.length > 0;
      const hasAttachments = Array.isArray(msg.attachments) && msg.attachments.length > 0;
      if (msg.text !== undefined && typeof msg.text !== 'string') return invalid('invalid_payload', 'text must be a string');
      if (msg.blocks !== undefined && !Array.isArray(msg.blocks)) return invalid('invalid_blocks', 'blocks must be an array');
      if (msg.attachments !== undefined && !Array.isArray(msg.attachments))
        return invalid('invalid_attachments', 'attachments must be an array');
      if (!hasText && !hasBlocks && !hasAttachments) {
        return invalid('missing_text_or_fallback_or_attachments', 'no text, blocks or attachments');
      }
      if (hasAttachments && (msg.attachments as unknown[]).length > MAX_ATTACHMENTS)
        return invalid('too_many_attachments', `more than ${MAX_ATTACHMENTS} attachments`);

      let shown: Rendered;
      try {
        const blocks = hasBlocks ? renderBlocks(msg.blocks as unknown[]) : undefined;
        const attachments = hasAttachments ? renderAttachments(msg.attachments as unknown[]) : undefined;
        const top = hasText ? renderSlackMrkdwn((msg.text as string).slice(0, MAX_TEXT)) : undefined;
        // With blocks, the top-level text is only the notification fallback; the blocks are what is shown.
        const parts = [blocks ?? top, attachments].filter((p): p is Rendered => p !== undefined);
        shown = {
          text: parts
            .map((p) => p.text)
            .filter((t) => t !== '')
            .join('\n'),
          formatting: mergeFormatting(...parts.map((p) => p.formatting)),
        };
      } catch (err) {
        if (err instanceof BlockError) return invalid('invalid_blocks', err.message);
        throw err;
      }
      return {
        reply: plain(200, 'ok'),
        accepted: { id: `slack-${nextSeq()}`, target: hook, payload: msg, text: shown.text, formatting: shown.formatting },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) return plain(429, 'rate_limited', { 'retry-after': String(Math.ceil(retryAfterSec)) });
      return status === 500
        ? plain(500, 'rollup_error')
        : { status, headers: { 'content-type': 'text/html' }, body: htmlPage(503, 'Service Unavailable') };
    },
    outageReply: () => ({ status: 503, headers: { 'content-type': 'text/html' }, body: htmlPage(503, 'Service Unavailable') }),
  };
}
