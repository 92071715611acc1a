import { createHash } from 'node:crypto';
import { htmlPage, isObject, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import { renderHtml } from '../markup';
import { emptyFormatting } from '../types';
import { reject, type Credentials, type HttpSink, type Outcome } from './sink';

// Client-server API, PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}
// (https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid):
// 200 {"event_id"}; m.room.message content needs msgtype and body, `format: org.matrix.custom.html` goes with
// formatted_body (#mroommessage). Transaction ids make the request idempotent per access token: a repeat returns the
// first answer and posts nothing (#transaction-identifiers; Synapse caches by path + token). Events are limited to
// 65536 bytes as a PDU (#size-limits), Synapse answers 413 M_TOO_LARGE "event too large". Errors: 401 M_MISSING_TOKEN /
// M_UNKNOWN_TOKEN (soft_logout), 400 M_NOT_JSON / M_BAD_JSON, 429 M_LIMIT_EXCEEDED with retry_after_ms and, since
// v1.10, a Retry-After header (#rate-limiting).

export const MATRIX_MAX_PDU_BYTES = 65_536;

const matrixError = (status: number, errcode: string, error: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { errcode, error, ...extra },
});

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Size of the event as the homeserver would sign and federate it (room v10 shape, realistic placeholder hashes). */
export function pduSize(roomId: string, sender: string, type: string, content: unknown): number {
  const eventId = `$${'A'.repeat(43)}`;
  const pdu = {
    auth_events: [eventId, eventId, eventId],
    content,
    depth: 1_000_000,
    hashes: { sha256: 'B'.repeat(43) },
    origin: sender.split(':')[1] ?? 'peer.local',
    origin_server_ts: Date.now(),
    prev_events: [eventId],
    room_id: roomId,
    sender,
    signatures: { [sender.split(':')[1] ?? 'peer.local']: { 'ed25519:a_AAAA': 'C'.repeat(86) } },
    type,
  };
  return Buffer.byteLength(canonicalJson(pdu));
}

function eventIdFor(seed: string): string {
  return `$${createHash('sha256').update(seed).digest('base64url')}`;
}

export function matrixSink(credentials: Credentials): HttpSink {
  const transactions = new Map<string, { eventId: string }>();
  let seq = 0;
  return {
    channel: 'matrix',
    matches: (req) => req.path.startsWith('/_matrix/'),
    reset: () => transactions.clear(),
    handle(req: PeerRequest): Outcome {
      const segs = segmentsOf(req.path);
      const [, client, version, rooms, roomId, send, eventType, txnId] = segs;
      if (segs.length !== 8 || client !== 'client' || !['v3', 'r0'].includes(version ?? '') || rooms !== 'rooms' || send !== 'send') {
        return reject(matrixError(404, 'M_UNRECOGNIZED', 'Unrecognized request'), 'not-found', 'not a send-event path');
      }
      if (req.method !== 'PUT')
        return reject(matrixError(405, 'M_UNRECOGNIZED', 'Unrecognized request'), 'invalid', `method ${req.method}`);

      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : (req.query.get('access_token') ?? undefined);
      if (!token) return reject(matrixError(401, 'M_MISSING_TOKEN', 'Missing access token'), 'auth', 'no access token');
      if (!credentials.accepts('matrix', token)) {
        return reject(
          matrixError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false }),
          'auth',
          'unknown access token',
        );
      }

      const txnKey = `${token}\u0000${req.path}`;
      const seen = transactions.get(txnKey);
      if (seen) return { reply: { status: 200, body: { event_id: seen.eventId } }, replayOf: seen.eventId };

      if (!roomId!.startsWith('!') || !roomId!.includes(':')) {
        return reject(matrixError(400, 'M_INVALID_PARAM', `${roomId} is not a legal room ID`), 'invalid', `room ${roomId}`);
      }
      const parsed = parseJson(req.text);
      if (!parsed.ok) return reject(matrixError(400, 'M_NOT_JSON', 'Content not JSON.'), 'invalid', parsed.error);
      if (!isObject(parsed.value))
        return reject(matrixError(400, 'M_BAD_JSON', 'Content must be a JSON object.'), 'invalid', 'not an object');
      const content = parsed.value;

      let text = '';
      let formatting = emptyFormatting();
      if (eventType === 'm.room.message') {
        if (typeof content.msgtype !== 'string')
          return reject(matrixError(400, 'M_BAD_JSON', "'msgtype' not in content"), 'invalid', 'no msgtype');
        if (typeof content.body !== 'string') return reject(matrixError(400, 'M_BAD_JSON', "'body' not in content"), 'invalid', 'no body');
        if (content.format !== undefined) {
          if (content.format !== 'org.matrix.custom.html')
            return reject(matrixError(400, 'M_BAD_JSON', 'Unknown format'), 'invalid', `format ${String(content.format)}`);
          if (typeof content.formatted_body !== 'string')
            return reject(matrixError(400, 'M_BAD_JSON', "'formatted_body' not in content"), 'invalid', 'format without formatted_body');
        }
        text = content.body;
        if (typeof content.formatted_body === 'string') formatting = renderHtml(content.formatted_body).formatting;
      } else if (typeof content.body === 'string') text = content.body;

      const sender = '@cleargate:peer.local';
      const size = pduSize(roomId!, sender, eventType!, content);
      if (size > MATRIX_MAX_PDU_BYTES) return reject(matrixError(413, 'M_TOO_LARGE', 'event too large'), 'invalid', `PDU of ${size} bytes`);

      seq += 1;
      const eventId = eventIdFor(`${txnKey}\u0000${seq}\u0000${Date.now()}`);
      transactions.set(txnKey, { eventId });
      return {
        reply: { status: 200, body: { event_id: eventId } },
        accepted: { id: eventId, target: roomId!, payload: { type: eventType, txnId, content }, text, formatting },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) {
        const ms = Math.round(retryAfterSec * 1000);
        return {
          ...matrixError(429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', { retry_after_ms: ms }),
          headers: { 'retry-after': String(Math.ceil(retryAfterSec)) },
        };
      }
      return status === 500
        ? matrixError(500, 'M_UNKNOWN', 'Internal server error')
        : { status: 503, headers: { 'content-type': 'text/html' }, body: htmlPage(503, 'Service Temporarily Unavailable') };
    },
    // Homeservers sit behind a reverse proxy; while Synapse is down the proxy answers.
    outageReply: () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: htmlPage(502, 'Bad Gateway') }),
  };
}
