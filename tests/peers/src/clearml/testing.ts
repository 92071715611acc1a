/**
 * Minimal raw HTTP client for the peer's own tests (and handy for other tests): sends any method
 * with a JSON body, returns status, parsed body and headers without interpreting the envelope.
 */
import { request } from 'undici';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Envelope<T = any> {
  meta: {
    id: string;
    trx: string;
    endpoint: { name: string; requested_version: string | number; actual_version: string | number | null };
    result_code: number;
    result_subcode: number;
    result_msg: string;
    error_stack: string | null;
    error_data: Record<string, any>;
  };
  data: T;
}

export interface RawResult<T = any> {
  status: number;
  body: Envelope<T>;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Path prefix version, e.g. "2.23" -> /v2.23/<endpoint>. */
  version?: string;
  /** Raw body instead of JSON.stringify(data). */
  rawBody?: string;
  /** Query string (without '?'). */
  query?: string;
  /** Send no Authorization header even if a token is set. */
  anonymous?: boolean;
}

export class PeerClient {
  token?: string;

  constructor(readonly baseUrl: string) {}

  static basic(access: string, secret: string): string {
    return `Basic ${Buffer.from(`${access}:${secret}`).toString('base64')}`;
  }

  async login(access = 'cleargate-access', secret = 'cleargate-secret', data: Record<string, unknown> = {}): Promise<string> {
    const res = await this.call('auth.login', data, { headers: { authorization: PeerClient.basic(access, secret) }, anonymous: true });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    this.token = res.body.data.token as string;
    return this.token;
  }

  async call<T = any>(endpoint: string, data?: unknown, opts: CallOptions = {}): Promise<RawResult<T>> {
    const path = `${opts.version ? `/v${opts.version}` : ''}/${endpoint}${opts.query ? `?${opts.query}` : ''}`;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
    if (this.token && !opts.anonymous && !headers.authorization) headers.authorization = `Bearer ${this.token}`;
    const body = opts.rawBody ?? (data === undefined ? undefined : JSON.stringify(data));
    const res = await request(`${this.baseUrl}${path}`, { method: (opts.method ?? 'POST') as 'POST', headers, body });
    const text = await res.body.text();
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, body: parsed, text, headers: res.headers as Record<string, string | string[] | undefined> };
  }

  /** Call and return data; throws on a non-200 answer. */
  async ok<T = any>(endpoint: string, data?: unknown, opts: CallOptions = {}): Promise<T> {
    const res = await this.call<T>(endpoint, data, opts);
    if (res.status !== 200) throw new Error(`${endpoint} -> ${res.status}: ${res.text}`);
    return res.body.data;
  }
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, stepMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
