import { createHmac, timingSafeEqual } from 'node:crypto';
import { isObject, parseJson, segmentsOf, type PeerRequest, type Reply } from '../http';
import { emptyFormatting } from '../types';
import { nextSeq, reject, type HttpSink, type Outcome } from './sink';

// ClearGate's own generic webhook contract:
//   X-Cleargate-Timestamp: <unix seconds>
//   X-Cleargate-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>
// A timestamp more than 5 minutes away from the receiver's clock is refused (replay protection).

export const DEFAULT_WEBHOOK_SECRET = 'webhook-secret';
export const WEBHOOK_TOLERANCE_SEC = 300;

export function signWebhook(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

const refuse = (status: number, error: string): Reply => ({ status, body: { ok: false, error } });

export function webhookSink(secrets: Map<string, string>, now: () => number = Date.now): HttpSink {
  return {
    channel: 'webhook',
    matches: (req) => segmentsOf(req.path)[0] === 'webhook',
    handle(req: PeerRequest): Outcome {
      const segs = segmentsOf(req.path);
      if (segs.length !== 2) return reject(refuse(404, 'not_found'), 'not-found', 'no webhook name');
      if (req.method !== 'POST') return reject(refuse(405, 'method_not_allowed'), 'invalid', `method ${req.method}`);
      const name = segs[1]!;
      const secret = secrets.get(name) ?? DEFAULT_WEBHOOK_SECRET;
      const timestamp = req.headers['x-cleargate-timestamp'];
      const signature = req.headers['x-cleargate-signature'];
      if (!timestamp || !signature) return reject(refuse(401, 'missing_signature'), 'auth', 'no timestamp or signature header');
      if (!/^\d+$/.test(timestamp)) return reject(refuse(401, 'invalid_timestamp'), 'auth', `timestamp ${timestamp}`);
      const skew = Math.abs(now() / 1000 - Number(timestamp));
      if (skew > WEBHOOK_TOLERANCE_SEC) return reject(refuse(401, 'stale_timestamp'), 'auth', `timestamp ${Math.round(skew)} s away`);
      const expected = Buffer.from(signWebhook(secret, timestamp, req.body));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given))
        return reject(refuse(401, 'invalid_signature'), 'auth', 'signature mismatch');
      const parsed = parseJson(req.text);
      if (!parsed.ok || !isObject(parsed.value))
        return reject(refuse(400, 'invalid_json'), 'invalid', parsed.ok ? 'not an object' : parsed.error);
      const payload = parsed.value;
      const text =
        typeof payload.text === 'string' ? payload.text : typeof payload.message === 'string' ? payload.message : JSON.stringify(payload);
      return {
        reply: { status: 200, body: { ok: true } },
        accepted: { id: `webhook-${nextSeq()}`, target: name, payload, text, formatting: emptyFormatting() },
      };
    },
    faultReply(status, retryAfterSec): Reply {
      if (status === 429) return { ...refuse(429, 'rate_limited'), headers: { 'retry-after': String(Math.ceil(retryAfterSec)) } };
      return refuse(status, status === 500 ? 'internal_error' : 'unavailable');
    },
    outageReply: () => refuse(503, 'unavailable'),
  };
}
