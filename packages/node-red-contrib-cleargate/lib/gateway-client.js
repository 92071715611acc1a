// @ts-check
'use strict';

const { httpUrl } = require('./token-source');

/**
 * HTTP calls to a ClearGate gateway with a token from a TokenSource, sent as
 * `Authorization: Bearer` (never in a body or a URL). A 401 drops the token and the call is made
 * once more with a renewed one: the gateway checks the token before it does anything, so the
 * repeat cannot run anything twice.
 */

/** @typedef {import('./token-source').TokenSource} TokenSource */

/**
 * @typedef {object} GatewayResponse
 * @property {number} status
 * @property {string | undefined} contentType
 * @property {Buffer} body
 */

/**
 * @typedef {object} CallOptions
 * @property {Buffer | string} [body]
 * @property {string} [contentType]
 * @property {string} [requestId] sent as `x-request-id`, which the gateway logs and echoes
 * @property {number} [timeoutMs] default the client's
 * @property {AbortSignal} [signal] abandons the call (a node being closed)
 */

/** The request did not get an answer: unreachable gateway, timeout, or abandoned. */
class GatewayUnreachableError extends Error {
  /**
   * @param {string} message
   * @param {{ aborted?: boolean, timedOut?: boolean }} [flags]
   */
  constructor(message, flags = {}) {
    super(message);
    this.name = 'GatewayUnreachableError';
    this.aborted = flags.aborted ?? false;
    this.timedOut = flags.timedOut ?? false;
  }
}

class GatewayClient {
  /**
   * @param {{ url: string, tokens: TokenSource, timeoutMs?: number, fetch?: typeof fetch }} options
   */
  constructor(options) {
    const url = httpUrl(options.url, 'the gateway URL');
    if (url.search || url.hash) throw new TypeError('the gateway URL must not have a query or a fragment');
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.tokens = options.tokens;
    this.timeoutMs = options.timeoutMs ?? 130_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * @param {string} method
   * @param {string} path starting with `/`, already encoded
   * @param {CallOptions} [options]
   * @returns {Promise<GatewayResponse>}
   */
  async call(method, path, options = {}) {
    let token = await this.tokens.getToken();
    let res = await this.#send(method, path, token, options);
    if (res.status === 401) {
      this.tokens.invalidate(token);
      token = await this.tokens.getToken();
      res = await this.#send(method, path, token, options);
    }
    return res;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {string} token
   * @param {CallOptions} options
   * @returns {Promise<GatewayResponse>}
   */
  async #send(method, path, token, options) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json, */*;q=0.8' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/octet-stream';
    if (options.requestId) headers['x-request-id'] = options.requestId;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    // One controller for both the timeout and the caller's signal (AbortSignal.any needs Node 20.3).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (options.signal?.aborted) throw new GatewayUnreachableError('the call was abandoned', { aborted: true });
      const res = await this.fetch(this.baseUrl + path, {
        method,
        headers,
        // undici takes a Buffer as it is; the typing of a fetch body does not list it
        body: /** @type {RequestInit['body']} */ (/** @type {unknown} */ (options.body)),
        signal: controller.signal,
      });
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, contentType: res.headers.get('content-type') ?? undefined, body };
    } catch (err) {
      if (err instanceof GatewayUnreachableError) throw err;
      if (timedOut)
        throw new GatewayUnreachableError(`the gateway did not answer within ${Math.round(timeoutMs / 1000)} s`, { timedOut: true });
      if (options.signal?.aborted) throw new GatewayUnreachableError('the call was abandoned', { aborted: true });
      throw new GatewayUnreachableError(`the gateway ${new URL(this.baseUrl).host} could not be reached (${causeOf(err)})`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * @param {unknown} err
 */
function causeOf(err) {
  const e = /** @type {{ message?: string, cause?: { code?: string, message?: string } }} */ (err);
  return String(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? err).slice(0, 200);
}

/**
 * The answer's body as a flow wants it: parsed JSON for a JSON media type, text for `text/*`,
 * the bytes otherwise (an image a model returned).
 * @param {GatewayResponse} res
 * @returns {{ ok: true, value: unknown } | { ok: false, text: string }}
 */
function decodeBody(res) {
  const media = (res.contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  const json = media === 'application/json' || media.endsWith('+json');
  if (json || (media === '' && res.body.length > 0)) {
    const text = res.body.toString('utf8');
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return json ? { ok: false, text } : { ok: true, value: res.body };
    }
  }
  if (media.startsWith('text/')) return { ok: true, value: res.body.toString('utf8') };
  if (res.body.length === 0) return { ok: true, value: null };
  return { ok: true, value: res.body };
}

module.exports = { GatewayClient, GatewayUnreachableError, decodeBody };
