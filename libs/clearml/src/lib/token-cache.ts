import { decodeJwtTimes } from './jwt';
import type { ClearmlLogger } from './transport';

export interface TokenCacheOptions {
  /** Performs `auth.login` and returns the token. */
  login: () => Promise<string>;
  /** Refresh this many seconds before `exp` (at most half the token's lifetime). */
  refreshMarginSec: number;
  now: () => number;
  logger?: ClearmlLogger;
}

/**
 * Holds the bearer token. One login at a time: concurrent callers share the in-flight login.
 * The token lives in a private field so it never shows up when the client is logged or serialised.
 */
export class TokenCache {
  readonly #options: TokenCacheOptions;
  #token: string | undefined;
  #refreshAtMs = 0;
  #expiresAtMs = 0;
  #inflight: Promise<string> | undefined;

  constructor(options: TokenCacheOptions) {
    this.#options = options;
  }

  async get(): Promise<string> {
    const now = this.#options.now();
    if (this.#token !== undefined && now < this.#refreshAtMs) return this.#token;
    const stale = this.#token;
    try {
      return await this.#refresh();
    } catch (err) {
      // A refresh ahead of expiry failed: the current token still works until it expires.
      if (stale !== undefined && stale === this.#token && this.#options.now() < this.#expiresAtMs) {
        this.#options.logger?.warn(
          { endpoint: 'auth.login', error: err instanceof Error ? err.name : 'unknown' },
          'clearml token refresh failed; using the current token until it expires',
        );
        return stale;
      }
      throw err;
    }
  }

  /** Drops `token` after the server rejected it, unless a newer token has replaced it already. */
  invalidate(token: string): void {
    if (this.#token === token) {
      this.#token = undefined;
      this.#refreshAtMs = 0;
      this.#expiresAtMs = 0;
    }
  }

  #refresh(): Promise<string> {
    this.#inflight ??= this.#login().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #login(): Promise<string> {
    const token = await this.#options.login();
    const obtainedAtMs = this.#options.now();
    const { exp, iat } = decodeJwtTimes(token);
    if (exp === undefined) {
      // No readable expiry: keep the token until the server rejects it with a 401.
      this.#refreshAtMs = Number.POSITIVE_INFINITY;
      this.#expiresAtMs = Number.POSITIVE_INFINITY;
    } else {
      // With `iat` the lifetime is measured on the server's clock, so local clock skew does not matter.
      const lifetimeSec = iat !== undefined ? exp - iat : exp - obtainedAtMs / 1000;
      const marginSec = Math.min(this.#options.refreshMarginSec, Math.max(lifetimeSec, 0) / 2);
      this.#expiresAtMs = obtainedAtMs + lifetimeSec * 1000;
      this.#refreshAtMs = this.#expiresAtMs - marginSec * 1000;
    }
    this.#token = token;
    this.#options.logger?.info(
      {
        endpoint: 'auth.login',
        expiresInSec: Number.isFinite(this.#expiresAtMs) ? Math.round((this.#expiresAtMs - obtainedAtMs) / 1000) : null,
      },
      'clearml token obtained',
    );
    return token;
  }
}
