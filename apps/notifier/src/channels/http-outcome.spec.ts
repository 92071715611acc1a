import { DeliveryError } from './channel';
import { Redactor } from './channel';
import { checkReply, parseRetryAfter } from './http-outcome';

const reply = (status: number, text = '', headers: Record<string, string> = {}) => ({ status, text, headers });
const failure = (fn: () => void): DeliveryError => {
  try {
    fn();
  } catch (err) {
    return err as DeliveryError;
  }
  throw new Error('no error');
};
const same = (t: string) => t;

describe('parseRetryAfter', () => {
  it('reads delay-seconds, decimals and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('checkReply', () => {
  it('accepts 2xx, and applies a provider success rule', () => {
    expect(() => checkReply(reply(202), same)).not.toThrow();
    expect(failure(() => checkReply(reply(200, '{"ok":false,"description":"Bad"}'), same, { ok: () => false })).kind).toBe('permanent');
  });

  it('turns 429 into rate_limited with the provider wait, else the Retry-After header', () => {
    const withBody = failure(() =>
      checkReply(reply(429, '{"retry_after":1.25}', { 'retry-after': '2' }), same, { retryAfterMs: () => 1250 }),
    );
    expect([withBody.kind, withBody.retryAfterMs]).toEqual(['rate_limited', 1250]);
    const header = failure(() => checkReply(reply(429, 'rate_limited', { 'retry-after': '3' }), same));
    expect([header.kind, header.retryAfterMs, header.message]).toEqual(['rate_limited', 3000, 'HTTP 429: rate_limited']);
  });

  it('treats 5xx, 408 and 425 as transient and other 4xx as permanent', () => {
    expect(failure(() => checkReply(reply(503, '<html>down</html>', { 'content-type': 'text/html' }), same))).toMatchObject({
      kind: 'transient',
      message: 'HTTP 503',
    });
    expect(failure(() => checkReply(reply(408), same)).kind).toBe('transient');
    expect(failure(() => checkReply(reply(404, 'no_service'), same))).toMatchObject({ kind: 'permanent', message: 'HTTP 404: no_service' });
    expect(
      failure(() => checkReply(reply(401, '{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}'), same)).message,
    ).toBe('HTTP 401: M_UNKNOWN_TOKEN Invalid access token passed.');
  });

  it('removes secrets from what the provider said', () => {
    const redactor = new Redactor(Redactor.urlParts('https://hooks.slack.com/services/T0001/B0001/sEcReT0123456789'));
    const err = failure(() =>
      checkReply(reply(400, 'invalid_payload for /services/T0001/B0001/sEcReT0123456789'), (t) => redactor.redact(t)),
    );
    expect(err.message).toBe('HTTP 400: invalid_payload for ***');
    expect(redactor.redact('token sEcReT0123456789 and services')).toBe('token *** and services');
  });
});
