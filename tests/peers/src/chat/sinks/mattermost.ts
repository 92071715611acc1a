import { randomBytes } from 'node:crypto';
import { htmlPage, isObject, mediaType, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import { renderMarkdown, type Rendered } from '../markup';
import { mergeFormatting } from '../types';
import { nextSeq, reject, type Credentials, type HttpSink, type Outcome } from './sink';

// Incoming webhooks: https://developers.mattermost.com/integrate/webhooks/incoming/
// Behaviour follows the server code (mattermost/mattermost server/channels/web/webhook.go and
// server/channels/app/webhook.go): a form body carries JSON in `payload`, anything else is read as JSON; no text and
// no attachments is 400 "No text specified."; an unknown hook is 400 "Invalid webhook."; success is 200 `ok`
// (text/plain). Text longer than the post limit (16383 runes by default) is NOT refused: SplitWebhookPost cuts
// it into several posts. Props (without attachments) over PostPropsMaxUserRunes are refused.
// Rate limiting (RateLimitSettings, off by default) answers 429 "limit exceeded" with X-Ratelimit-* and Retry-After.

export const MATTERMOST_MAX_POST_RUNES = 16_383;
const PROPS_MAX_USER_RUNES = 400_000;

function appError(status: number, id: string, message: string): Reply {
  return {
    status,
    body: { id, message, detailed_error: '', request_id: randomBytes(13).toString('hex').slice(0, 26), status_code: status },
  };
}

function splitRunes(text: string, max: number): string[] {
  const runes = Array.from(text);
  if (runes.length <= max) return [text];
  const parts: string[] = [];
  for (let i = 0; i < runes.length; i += max) parts.push(runes.slice(i, i + max).join(''));
  return parts;
}

function renderAttachments(attachments: unknown[]): Rendered[] {
  const out: Rendered[] = [];
  for (const a of attachments) {
    if (!isObject(a)) continue;
    if (typeof a.pretext === 'string') out.push(renderMarkdown(a.pretext, { slackLinks: true }));
    if (typeof a.title === 'string') {
      const r = renderMarkdown(a.title, { slackLinks: true });
      if (typeof a.title_link === 'string') r.formatting.links.push({ text: r.text, url: a.title_link });
      out.push(r);
    }
    if (typeof a.text === 'string') out.push(renderMarkdown(a.text, { slackLinks: true }));
    for (const field of Array.isArray(a.fields) ? a.fields : []) {
      if (isObject(field)) out.push(renderMarkdown(`${String(field.title ?? '')}: ${String(field.value ?? '')}`, { slackLinks: true }));
    }
    if (typeof a.footer === 'string') out.push(renderMarkdown(a.footer, { slackLinks: true }));
  }
  return out;
}

const STRING_FIELDS = ['text', 'username', 'icon_url', 'icon_emoji', 'channel', 'type'] as const;

export function mattermostSink(credentials: Credentials): HttpSink {
  return {
    channel: 'mattermost',
    matches: (req) => segmentsOf(req.path)[0] === 'hooks',
    handle(req: PeerRequest): Outcome {
      const segs = segmentsOf(req.path);
      if (segs.length !== 2 || !/^[A-Za-z0-9]+$/.test(segs[1]!) || req.method !== 'POST') {
        return reject(
          { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found\n' },
          'not-found',
          'no such route',
        );
      }
      const key = segs[1]!;
      let raw = req.text;
      const type = mediaType(req);
      if (type === 'application/x-www-form-urlencoded') raw = new URLSearchParams(req.text).get('payload') ?? '';
      else if (type === 'multipart/form-data') {
        return reject(
          appError(400, 'api.webhook.incoming.error', 'multipart bodies are not supported by this peer'),
          'invalid',
          'multipart',
        );
      }
      const parsed = parseJson(raw);
      const parseError = appError(400, 'model.incoming_hook.parse_data.app_error', 'Unable to parse incoming data.');
      if (!parsed.ok || !isObject(parsed.value))
        return reject(parseError, 'invalid', parsed.ok ? 'payload is not a JSON object' : parsed.error);
      const msg = parsed.value;
      for (const field of STRING_FIELDS) {
        if (msg[field] !== undefined && msg[field] !== null && typeof msg[field] !== 'string')
          return reject(parseError, 'invalid', `${field} is not a string`);
      }
      if (
        msg.attachments !== undefined &&
        msg.attachments !== null &&
        !(Array.isArray(msg.attachments) && msg.attachments.every(isObject))
      ) {
        return reject(parseError, 'invalid', 'attachments is not an array of objects');
      }
      if (msg.props !== undefined && msg.props !== null && !isObject(msg.props))
        return reject(parseError, 'invalid', 'props is not an object');

      const text = typeof msg.text === 'string' ? msg.text : '';
      const attachments = Array.isArray(msg.attachments) ? msg.attachments : undefined;
      if (text === '' && attachments === undefined) {
        return reject(appError(400, 'web.incoming_webhook.text.app_error', 'No text specified.'), 'invalid', 'no text and no attachments');
      }
      if (!credentials.accepts('mattermost', key))
        return reject(appError(400, 'web.incoming_webhook.invalid.app_error', 'Invalid webhook.'), 'not-found', `unknown hook ${key}`);
      if (typeof msg.type === 'string' && msg.type.startsWith('system_')) {
        return reject(appError(400, 'api.context.invalid_param.app_error', 'Invalid post.type parameter.'), 'invalid', 'system post type');
      }
      const props = isObject(msg.props) ? { ...msg.props } : {};
      if (Array.from(JSON.stringify(props)).length > PROPS_MAX_USER_RUNES) {
        return reject(
          appError(
            400,
            'web.incoming_webhook.split_props_length.app_error',
            `Unable to split webhook props into ${PROPS_MAX_USER_RUNES} character parts.`,
          ),
          'invalid',
          'props too long',
        );
      }

      const parts = splitRunes(text, MATTERMOST_MAX_POST_RUNES);
      const rendered = [renderMarkdown(text, { slackLinks: true }), ...renderAttachments(attachments ?? [])];
      if (isObject(props.card) || typeof props.card === 'string') rendered.push(renderMarkdown(String(props.card)));
      return {
        reply: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' },
        accepted: {
          id: `mattermost-${nextSeq()}`,
          target: typeof msg.channel === 'string' && msg.channel !== '' ? msg.channel : key,
          payload: msg,
          text: rendered
            .map((r) => r.text)
            .filter((t) => t !== '')
            .join('\n'),
          formatting: mergeFormatting(...rendered.map((r) => r.formatting)),
          ...(parts.length > 1 ? { parts } : {}),
        },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) {
        const secs = Math.ceil(retryAfterSec);
        return {
          status,
          headers: {
            'content-type': 'text/plain; charset=utf-8',
            'x-ratelimit-limit': '10',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(secs),
            'retry-after': String(secs),
          },
          body: 'limit exceeded\n',
        };
      }
      return status === 500
        ? appError(500, 'app.post.save.app_error', 'We encountered an error saving the post.')
        : { status: 503, headers: { 'content-type': 'text/html' }, body: htmlPage(503, 'Service Temporarily Unavailable') };
    },
    // Self-hosted behind a reverse proxy: the proxy answers while the server is down.
    outageReply: () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: htmlPage(502, 'Bad Gateway') }),
  };
}
