// @ts-check
'use strict';

/**
 * Access tokens from an OpenID Connect token endpoint (Keycloak's
 * `{base}/realms/{realm}/protocol/openid-connect/token`), with nothing Node-RED specific: the
 * config node drives it, and so can anything else that has a token URL and a client id.
 *
 * - Grants: `password` (resource owner password, what Snap4City's Node-RED blocks use with the
 *   public client `nodered-iotedge`) or `client_credentials` (a confidential client).
 * - One token is cached and renewed before it expires: a quarter of its lifetime early, at most
 *   `refreshMarginMs` (30 s) early. Renewal uses the refresh token while the realm still honours
 *   it and falls back to a new login when it does not (session ended, token revoked or expired).
 * - Callers that need a token while one is being fetched share that one request.
 * - Secrets (password, client secret, access and refresh tokens) never appear in an error
 *   message; the messages quote only the realm's `error` and `error_description`.
 */

/** @typedef {'password' | 'client_credentials'} Grant */

/**
 * @typedef {object} TokenSourceOptions
 * @property {string} tokenUrl the realm's token endpoint
 * @property {string} clientId
 * @property {string} [clientSecret] for confidential clients (required with `client_credentials`)
 * @property {Grant} [grant] default `password`
 * @property {string} [username] with the password grant
 * @property {string} [password] with the password grant
 * @property {string} [scope] requested scope, default `openid` (a realm's userinfo endpoint needs it)
 * @property {number} [timeoutMs] per request to the token endpoint, default 10 000
 * @property {number} [refreshMarginMs] renew at most this long before expiry, default 30 000
 * @property {typeof fetch} [fetch] default the global fetch
 * @property {() => number} [now] clock in ms, default Date.now
 */

/**
 * @typedef {object} TokenState
 * @property {string} accessToken
 * @property {number} expiresAt
 * @property {number} renewAt
 * @property {string | undefined} refreshToken
 * @property {number} refreshExpiresAt
 */

/** The realm refused the credentials, or could not be reached or understood. */
class TokenError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, error?: string }} [details]
   */
  constructor(message, details = {}) {
    super(message);
    this.name = 'TokenError';
    /** HTTP status of the token endpoint's answer, if there was one */
    this.status = details.status;
    /** OAuth `error` code, e.g. `invalid_grant` */
    this.error = details.error;
  }
}

/**
 * Keycloak's token endpoint for a server URL (with its context path, e.g.
 * `https://www.snap4city.org/auth`) and a realm name.
 * @param {string} keycloakUrl
 * @param {string} realm
 */
function keycloakTokenUrl(keycloakUrl, realm) {
  return `${keycloakUrl.replace(/\/+$/, '')}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
}

/**
 * The token endpoint a configuration names: its token URL; or Keycloak's URL and a realm; or,
 * in Keycloak's URL, the realm's issuer URL (`…/realms/<realm>`, what ClearGate's
 * OIDC_ISSUER_URL holds), which needs no realm.
 * @param {{ tokenUrl?: unknown, keycloakUrl?: unknown, realm?: unknown }} config
 * @returns {string}
 */
function realmTokenUrl(config) {
  const text = (/** @type {unknown} */ v) => (typeof v === 'string' ? v.trim() : '');
  if (text(config.tokenUrl)) return text(config.tokenUrl);
  const keycloak = text(config.keycloakUrl).replace(/\/+$/, '');
  if (keycloak && /\/realms\/[^/]+$/.test(keycloak)) return `${keycloak}/protocol/openid-connect/token`;
  if (keycloak && text(config.realm)) return keycloakTokenUrl(keycloak, text(config.realm));
  throw new TypeError('set the token URL, or the Keycloak URL and the realm');
}

/**
 * An http(s) URL without user information, or a TypeError naming `what`.
 * @param {unknown} value
 * @param {string} what
 */
function httpUrl(value, what) {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} is missing`);
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TypeError(`${what} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${what} must be an http or https URL`);
  if (url.username || url.password) throw new TypeError(`${what} must not hold credentials`);
  return url;
}

/**
 * @param {unknown} value
 * @returns {value is string}
 */
const nonEmpty = (value) => typeof value === 'string' && value !== '';

/** Realm texts quoted in errors: short, one line. */
const quote = (/** @type {unknown} */ text) => String(text).replace(/\s+/g, ' ').slice(0, 200);

class TokenSource {
  /** @param {TokenSourceOptions} options */
  constructor(options) {
    const grant = options.grant ?? 'password';
    if (grant !== 'password' && grant !== 'client_credentials') throw new TypeError(`unknown grant "${quote(grant)}"`);
    this.tokenUrl = httpUrl(options.tokenUrl, 'the token URL').toString();
    if (!nonEmpty(options.clientId)) throw new TypeError('the client id is missing');
    if (grant === 'password' && !nonEmpty(options.username)) throw new TypeError('the username is missing');
    if (grant === 'password' && !nonEmpty(options.password)) throw new TypeError('the password is missing');
    if (grant === 'client_credentials' && !nonEmpty(options.clientSecret)) throw new TypeError('the client secret is missing');
    /** @type {Grant} */
    this.grant = grant;
    this.clientId = options.clientId;
    // Secrets live in a closure-free private field so that printing the object shows none of them.
    /** @type {{ username?: string, password?: string, clientSecret?: string }} */
    this.#secrets = { username: options.username, password: options.password, clientSecret: options.clientSecret };
    this.scope = options.scope === undefined ? 'openid' : options.scope.trim();
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.refreshMarginMs = options.refreshMarginMs ?? 30_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    /** @type {TokenState | undefined} */
    this.#state = undefined;
    /** @type {Promise<string> | undefined} */
    this.#inFlight = undefined;
    this.#counts = { logins: 0, refreshes: 0, refreshFailures: 0, invalidations: 0 };
  }

  /** @type {{ username?: string, password?: string, clientSecret?: string }} */
  #secrets;
  /** @type {TokenState | undefined} */
  #state;
  /** @type {Promise<string> | undefined} */
  #inFlight;
  #counts;

  /**
   * A valid access token: the cached one, or a renewed one when it is due (one request shared by
   * every caller that asks meanwhile).
   * @returns {Promise<string>}
   */
  getToken() {
    const state = this.#state;
    if (state && this.now() < state.renewAt) return Promise.resolve(state.accessToken);
    if (!this.#inFlight) {
      this.#inFlight = this.#renew().finally(() => {
        this.#inFlight = undefined;
      });
    }
    return this.#inFlight;
  }

  /**
   * A resource server refused `token` (401): the next getToken() renews it, through the refresh
   * token first. Does nothing if the token was already replaced.
   * @param {string} token
   */
  invalidate(token) {
    if (this.#state?.accessToken !== token) return;
    this.#counts.invalidations++;
    this.#state = { ...this.#state, renewAt: 0, expiresAt: 0 };
  }

  /** How many logins, refreshes, failed refreshes and invalidations happened so far. */
  stats() {
    return { ...this.#counts };
  }

  /** Forget every token (e.g. when the configuration is removed). */
  clear() {
    this.#state = undefined;
  }

  /** @returns {Promise<string>} */
  async #renew() {
    const state = this.#state;
    if (state?.refreshToken && this.now() < state.refreshExpiresAt) {
      try {
        return await this.#request(
          this.#withClientAuth({ grant_type: 'refresh_token', client_id: this.clientId, refresh_token: state.refreshToken }),
          'refresh',
        );
      } catch {
        // refused (session ended, token revoked) or unreachable: a new login says which
        this.#counts.refreshFailures++;
      }
    }
    try {
      return await this.#request(this.#loginForm(), 'login');
    } catch (err) {
      // The realm is unreachable or refuses, but the token in hand has not expired yet: keep using it.
      if (state && this.now() < state.expiresAt && !(err instanceof TokenError && err.status !== undefined)) {
        return state.accessToken;
      }
      this.#state = undefined;
      throw err;
    }
  }

  /** @returns {Record<string, string>} */
  #loginForm() {
    /** @type {Record<string, string>} */
    const form =
      this.grant === 'password'
        ? {
            grant_type: 'password',
            client_id: this.clientId,
            username: /** @type {string} */ (this.#secrets.username),
            password: /** @type {string} */ (this.#secrets.password),
          }
        : { grant_type: 'client_credentials', client_id: this.clientId };
    if (this.scope) form.scope = this.scope;
    return this.#withClientAuth(form);
  }

  /**
   * client_secret_post, which Keycloak accepts for every confidential client.
   * @param {Record<string, string>} form
   */
  #withClientAuth(form) {
    if (nonEmpty(this.#secrets.clientSecret)) form.client_secret = this.#secrets.clientSecret;
    return form;
  }

  /**
   * @param {Record<string, string>} form
   * @param {'login' | 'refresh'} kind
   * @returns {Promise<string>}
   */
  async #request(form, kind) {
    const sentAt = this.now();
    let res;
    let text;
    try {
      res = await this.fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new TokenError(`the token endpoint ${this.#where()} could not be reached (${causeOf(err)})`);
    }
    /** @type {Record<string, unknown> | undefined} */
    let body;
    try {
      const parsed = JSON.parse(text);
      body = parsed !== null && typeof parsed === 'object' ? parsed : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const reason =
        body && nonEmpty(body.error)
          ? `${quote(body.error)}${nonEmpty(body.error_description) ? ` (${quote(body.error_description)})` : ''}`
          : `HTTP ${res.status}`;
      const what = kind === 'login' ? 'refused the login' : 'refused the refresh token';
      throw new TokenError(`the token endpoint ${what}: ${reason}`, {
        status: res.status,
        error: body && nonEmpty(body.error) ? body.error : undefined,
      });
    }
    const expiresIn = Number(body?.expires_in);
    if (!body || !nonEmpty(body.access_token) || !(expiresIn > 0)) {
      throw new TokenError(`the token endpoint ${this.#where()} answered without an access token and its lifetime`, { status: res.status });
    }
    if (nonEmpty(body.token_type) && body.token_type.toLowerCase() !== 'bearer') {
      throw new TokenError(`the token endpoint issued a ${quote(body.token_type)} token, not a bearer token`, { status: res.status });
    }
    const lifetime = expiresIn * 1000;
    const margin = Math.min(this.refreshMarginMs, lifetime / 4);
    const refreshIn = Number(body.refresh_expires_in);
    const refreshToken = nonEmpty(body.refresh_token) ? body.refresh_token : kind === 'refresh' ? this.#state?.refreshToken : undefined;
    let refreshExpiresAt = Infinity; // Keycloak's offline tokens report 0: no expiry of their own
    if (refreshIn > 0) refreshExpiresAt = sentAt + refreshIn * 1000 - margin;
    else if (!nonEmpty(body.refresh_token) && kind === 'refresh') refreshExpiresAt = this.#state?.refreshExpiresAt ?? 0;
    this.#state = {
      accessToken: body.access_token,
      expiresAt: sentAt + lifetime,
      renewAt: sentAt + lifetime - margin,
      refreshToken,
      refreshExpiresAt,
    };
    if (kind === 'login') this.#counts.logins++;
    else this.#counts.refreshes++;
    return body.access_token;
  }

  #where() {
    const url = new URL(this.tokenUrl);
    return `${url.origin}${url.pathname}`;
  }
}

/**
 * fetch() rejects with "fetch failed" and the reason in `cause` (ECONNREFUSED, a timeout...).
 * @param {unknown} err
 */
function causeOf(err) {
  const e = /** @type {{ name?: string, message?: string, cause?: { code?: string, message?: string } }} */ (err);
  if (e?.name === 'TimeoutError') return 'timed out';
  return quote(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err));
}

module.exports = { TokenSource, TokenError, keycloakTokenUrl, realmTokenUrl, httpUrl };
