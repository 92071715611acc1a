/**
 * The server's clock. A real ClearML server stamps every date it writes (status_changed,
 * last_update, created, log event timestamps when the client sends none, token iat/exp) with
 * its own clock, which may differ from the client's. `skewMs` reproduces that difference.
 */
export class ServerClock {
  constructor(public skewMs = 0) {}

  /** Server time in epoch milliseconds. */
  now(): number {
    return Date.now() + this.skewMs;
  }

  date(): Date {
    return new Date(this.now());
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Dates as the server serialises them: python-rapidjson with DM_ISO8601 | DM_NAIVE_IS_UTC
 * (apiserver/utilities/json.py). MongoDB keeps millisecond precision, the encoder prints
 * microseconds and an explicit +00:00 offset, and leaves the fraction out when it is zero.
 */
export function toWireDate(d: Date): string {
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return ms ? `${base}.${pad(ms * 1000, 6)}+00:00` : `${base}+00:00`;
}

/** Elasticsearch "@timestamp" as written by the events service. */
export function toEsTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

const DATE_RE =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/**
 * A subset of dateutil.parser.parse, which the server uses for date filters
 * (database/model/base.py): ISO 8601 with 'T' or ' ' separator, optional seconds and fraction,
 * optional 'Z' / '+HH:MM' / '+HHMM' / 'UTC'. Naive values are UTC (pymongo stores naive
 * datetimes as UTC). Sub-millisecond digits are truncated as pymongo does. Returns undefined when
 * the value cannot be parsed (the server then silently drops that condition).
 */
export function parseServerDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== 'string') return undefined;
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  const check = new Date(t);
  if (check.getUTCDate() !== day) return undefined;
  if (tz && !/^(Z|UTC|GMT)$/i.test(tz)) {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    t -= sign * (offH * 60 + offM) * 60_000;
  }
  return new Date(t);
}
