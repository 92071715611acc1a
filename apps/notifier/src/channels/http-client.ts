import { Agent, request } from 'undici';
import { AddressPolicy } from '@cleargate/egress';
import { DeliveryError } from './channel';

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  /** At most REPLY_MAX_BYTES of the body. */
  text: string;
}

export interface HttpRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

const REPLY_MAX_BYTES = 64 * 1024;

/**
 * Outbound HTTP for every chat channel: one keep-alive undici agent, a deadline per request, no
 * redirects. Transport failures become transient DeliveryErrors that name only the error code:
 * undici's own messages may carry the address, and the path of a webhook URL is its secret.
 * Every new connection goes through the outbound address policy (literal addresses were checked
 * with the configuration; a name is checked against what it resolves to when connecting), and a
 * refused address is a permanent failure: retrying cannot make it allowed.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(private readonly policy: AddressPolicy = new AddressPolicy()) {
    // An idle connection is kept for 4 s when the server gives no Keep-Alive hint: a self-hosted
    // webhook receiver behind uvicorn closes its idle connections after 5 s without saying so,
    // and a message sent on a connection the server is closing fails with a reset (retried, but
    // a second later). Chat messages are sparse: little is lost by connecting anew.
    this.agent = new Agent({ keepAliveTimeout: 4_000, connections: 16, connect: { timeout: 10_000, lookup: policy.lookup } });
  }

  async send(req: HttpRequest): Promise<HttpReply> {
    const refused = this.policy.refusal(new URL(req.url).hostname);
    if (refused) throw new DeliveryError('permanent', `request refused: ${refused.message}`);
    let res;
    try {
      res = await request(req.url, {
        method: req.method,
        headers: { 'user-agent': 'ClearGate-notifier', ...req.headers },
        body: req.body,
        dispatcher: this.agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: AbortSignal.timeout(req.timeoutMs),
      });
    } catch (err) {
      const refusal = addressRefusal(err);
      if (refusal) throw new DeliveryError('permanent', `request refused: ${refusal}`);
      throw new DeliveryError('transient', `request failed: ${errorCode(err)}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        chunks.push(buf);
        size += buf.length;
        if (size >= REPLY_MAX_BYTES) break;
      }
    } catch (err) {
      throw new DeliveryError('transient', `reading the reply failed: ${errorCode(err)}`, undefined, res.statusCode);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: res.statusCode, headers, text: Buffer.concat(chunks).subarray(0, REPLY_MAX_BYTES).toString('utf8') };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** A short, secret-free name for a transport failure: `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, `TimeoutError`... */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,64}$/.test(code)) return code;
  return typeof e?.name === 'string' && /^[A-Za-z]{2,64}$/.test(e.name) ? e.name : 'Error';
}

/** The policy's message when the connection was refused by it (it names a host and an address, never a path). */
function addressRefusal(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  if (e?.code === 'EADDRNOTALLOWED' && typeof e.message === 'string') return e.message;
  if (e?.cause?.code === 'EADDRNOTALLOWED' && typeof e.cause.message === 'string') return e.cause.message;
  return null;
}
