import { errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { request } from 'undici';
import { missingUserMessage, namesUser } from './identity';
import { RemoteKeySet } from './jwks';

export type VerificationMode = 'offline' | 'userinfo';

export interface TokenVerifierOptions {
  issuerUrl: string;
  /**
   * Accepted audiences: a token passes when `aud` contains one of them or `azp` equals one. An
   * empty list is refused unless `anyAudience` says so: any client of the realm would then do.
   */
  audiences: string[];
  /** Accept tokens issued for any client of the realm (only with an empty `audiences`; a local demo). */
  anyAudience?: boolean;
  mode: VerificationMode;
  clockToleranceSec: number;
  /** Verified tokens are remembered (until they expire, at most this long) to keep verification off the hot path. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  /**
   * A token signed by a key not held yet causes one JWKS refetch at once; only when that refetch
   * does not find the key either are unknown `kid`s refused without a fetch for this long.
   */
  jwksCooldownMs: number;
  /** The JWKS is fetched again before use when older than this (default 10 minutes). */
  jwksMaxAgeMs?: number;
  httpTimeoutMs: number;
  /** How documents are fetched from the realm (discovery, JWKS, userinfo); undici by default. */
  http?: HttpGet;
}

/** An answer of the realm as the verifier reads it: status, headers and the body as text. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A GET to the realm; throws when the realm cannot be reached. */
export type HttpGet = (url: string, headers: Record<string, string>, timeoutMs: number) => Promise<HttpAnswer>;

/** undici's request, with the timeout for the headers and for the body. */
export const undiciGet: HttpGet = async (url, headers, timeoutMs) => {
  const res = await request(url, { method: 'GET', headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
};

export const TOKEN_REJECTION_REASONS = [
  'missing',
  'malformed',
  'signature',
  'expired',
  'not_yet_valid',
  'issuer',
  'audience',
  'algorithm',
  'inactive',
  'scope',
  'no_identity',
  'type',
] as const;

/** Why a token was refused; the message is safe to show to the client. */
export class TokenRejected extends Error {
  constructor(
    message: string,
    readonly reason: (typeof TOKEN_REJECTION_REASONS)[number],
  ) {
    super(message);
    this.name = 'TokenRejected';
  }
}

/** The identity provider could not be reached: a 503, not the caller's fault. */
export class IdentityProviderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityProviderUnavailable';
  }
}

interface Discovery {
  issuer: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
}

/**
 * Verifies Keycloak (OIDC) access tokens. Offline mode checks the signature against the
 * realm's JWKS (found through discovery, cached, refetched on an unknown `kid`: see
 * RemoteKeySet), RS256/ES256 only, `iss` exactly, `exp`/`nbf` with a small leeway and the
 * audience when configured. Userinfo mode asks the realm's userinfo endpoint instead, as
 * Snap4City's PHP services do. Both cache results briefly, in memory only. A token that names no
 * user (a Keycloak lightweight access token) is refused with a message naming the realm setting.
 */
export class TokenVerifier {
  private discovery?: Promise<Discovery>;
  private jwks?: RemoteKeySet;
  private readonly cache: LRUCache<string, JWTPayload & Record<string, unknown>>;
  private readonly http: HttpGet;

  constructor(private readonly options: TokenVerifierOptions) {
    this.http = options.http ?? undiciGet;
    if (options.audiences.length === 0 && !options.anyAudience) {
      throw new Error('no accepted audience: name the clients whose tokens are accepted, or accept any audience explicitly');
    }
    this.cache = new LRUCache({ max: options.cacheMaxEntries, ttl: options.cacheTtlMs, ttlAutopurge: false });
  }

  async verify(token: string | undefined | null): Promise<JWTPayload & Record<string, unknown>> {
    if (!token) throw new TokenRejected('an access token is required', 'missing');
    // Keyed by the token itself: hashing it first costs more than the rest of a cache hit.
    const key = token;
    const cached = this.cache.get(key);
    if (cached && (cached.exp === undefined || cached.exp * 1000 > Date.now() - this.options.clockToleranceSec * 1000)) return cached;
    const claims = this.options.mode === 'offline' ? await this.verifyOffline(token) : await this.verifyOnline(token);
    if (!namesUser(claims)) throw new TokenRejected(missingUserMessage(claims), 'no_identity');
    // Keycloak signs ID and refresh tokens with the realm's keys too (`typ` "ID", "Refresh"): an ID
    // token carries the client as its audience, so only the type tells it from an access token.
    if (claims.typ !== 'Bearer') throw new TokenRejected('the token is not an access token (typ must be "Bearer")', 'type');
    const ttl = claims.exp ? Math.min(this.options.cacheTtlMs, claims.exp * 1000 - Date.now()) : this.options.cacheTtlMs;
    if (ttl > 0) this.cache.set(key, claims, { ttl });
    return claims;
  }

  /** Fetches discovery and keys now, so the first request does not pay for it. */
  async warmUp(): Promise<void> {
    const d = await this.discover();
    if (this.options.mode === 'offline') await this.keySet(d).refresh();
  }

  /** How many times the realm's keys were fetched (offline mode). */
  get jwksFetches(): number {
    return this.jwks?.fetches ?? 0;
  }

  private keySet(discovery: Discovery): RemoteKeySet {
    this.jwks ??= new RemoteKeySet({
      load: () => this.fetchJson(discovery.jwks_uri),
      cooldownMs: this.options.jwksCooldownMs,
      maxAgeMs: this.options.jwksMaxAgeMs ?? 600_000,
      issuer: discovery.issuer,
    });
    return this.jwks;
  }

  private discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const url = `${this.options.issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const doc = (await this.fetchJson(url)) as Partial<Discovery>;
      if (doc.issuer !== this.options.issuerUrl.replace(/\/+$/, '') || typeof doc.jwks_uri !== 'string') {
        throw new IdentityProviderUnavailable(`discovery document at ${url} does not describe issuer ${this.options.issuerUrl}`);
      }
      return doc as Discovery;
    })().catch((err) => {
      this.discovery = undefined; // retry on the next request
      throw err instanceof IdentityProviderUnavailable ? err : new IdentityProviderUnavailable(`OIDC discovery failed: ${String(err)}`);
    });
    return this.discovery;
  }

  private async verifyOffline(token: string): Promise<JWTPayload & Record<string, unknown>> {
    const discovery = await this.discover();
    const keys = this.keySet(discovery);
    try {
      const { payload } = await jwtVerify(token, keys.getKey, {
        issuer: discovery.issuer,
        algorithms: ['RS256', 'ES256'],
        clockTolerance: this.options.clockToleranceSec,
      });
      this.checkAudience(payload);
      return payload as JWTPayload & Record<string, unknown>;
    } catch (err) {
      throw mapJoseError(err);
    }
  }

  private async verifyOnline(token: string): Promise<JWTPayload & Record<string, unknown>> {
    const discovery = await this.discover();
    if (!discovery.userinfo_endpoint) throw new IdentityProviderUnavailable('the issuer publishes no userinfo endpoint');
    let res: HttpAnswer;
    try {
      res = await this.http(
        discovery.userinfo_endpoint,
        { authorization: `Bearer ${token}`, accept: 'application/json' },
        this.options.httpTimeoutMs,
      );
    } catch (err) {
      throw new IdentityProviderUnavailable(`userinfo request failed: ${(err as Error).message}`);
    }
    if (res.status === 401 || res.status === 403) throw userinfoRefusal(res.headers['www-authenticate'], token);
    if (res.status !== 200) throw new IdentityProviderUnavailable(`userinfo answered ${res.status}`);
    let claims: JWTPayload & Record<string, unknown>;
    try {
      claims = JSON.parse(res.text) as JWTPayload & Record<string, unknown>;
    } catch {
      throw new IdentityProviderUnavailable('userinfo answered something that is not JSON');
    }
    if (!claims || typeof claims !== 'object' || Array.isArray(claims))
      throw new IdentityProviderUnavailable('userinfo answered no JSON object');
    // Userinfo returns neither exp nor typ: they come from the token Keycloak has just accepted.
    const { exp, typ } = unverifiedClaims(token);
    return { ...claims, typ, ...(typeof exp === 'number' ? { exp } : {}) };
  }

  /** A JSON document of the realm (discovery, JWKS); anything but a 200 with JSON means the realm is unavailable. */
  private async fetchJson(url: string): Promise<unknown> {
    const res = await this.http(url, { accept: 'application/json' }, this.options.httpTimeoutMs);
    if (res.status !== 200) throw new IdentityProviderUnavailable(`${url} answered ${res.status}`);
    try {
      return JSON.parse(res.text);
    } catch {
      throw new IdentityProviderUnavailable(`${url} answered something that is not JSON`);
    }
  }

  private checkAudience(payload: JWTPayload): void {
    const accepted = this.options.audiences;
    if (!accepted.length && this.options.anyAudience) return;
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    const azp = (payload as { azp?: unknown }).azp;
    if (aud.some((a) => accepted.includes(a)) || (typeof azp === 'string' && accepted.includes(azp))) return;
    throw new TokenRejected('the access token is not meant for this service (audience)', 'audience');
  }
}

function mapJoseError(err: unknown): Error {
  if (err instanceof TokenRejected || err instanceof IdentityProviderUnavailable) return err;
  if (err instanceof joseErrors.JWTExpired) return new TokenRejected('the access token has expired', 'expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new TokenRejected('the access token is not valid yet', 'not_yet_valid');
    if (err.claim === 'iss') return new TokenRejected('the access token was issued by an unexpected issuer', 'issuer');
    return new TokenRejected(`the access token's ${err.claim} claim is invalid`, 'malformed');
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return new TokenRejected('the access token uses a signature algorithm that is not accepted', 'algorithm');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    return new TokenRejected('the access token signature is invalid', 'signature');
  }
  // Anything that is not a JOSE verdict on the token (a failed JWKS fetch) is the provider's problem.
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || !(err instanceof joseErrors.JOSEError)) {
    return new IdentityProviderUnavailable(`could not fetch the signing keys: ${(err as Error).message}`);
  }
  return new TokenRejected('the access token is malformed', 'malformed');
}

/**
 * Keycloak says why in `WWW-Authenticate`: `insufficient_scope` ("Missing openid scope") for a
 * token asked for without the `openid` scope, `invalid_token` with "Lightweight access token not
 * allowed for userinfo endpoint" for a lightweight one, `invalid_token` otherwise (expired, logged
 * out, bad signature).
 */
function userinfoRefusal(header: string | string[] | undefined, token: string): TokenRejected {
  const value = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const error = /\berror="([^"]*)"/.exec(value)?.[1];
  const description = /\berror_description="([^"]*)"/.exec(value)?.[1] ?? '';
  if (error === 'insufficient_scope') {
    return new TokenRejected('the access token lacks the openid scope, which userinfo verification needs (ask for scope=openid)', 'scope');
  }
  if (/lightweight/i.test(description)) return new TokenRejected(missingUserMessage(unverifiedClaims(token)), 'no_identity');
  return new TokenRejected('the access token is not active', 'inactive');
}

function unverifiedClaims(token: string): Record<string, unknown> {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
