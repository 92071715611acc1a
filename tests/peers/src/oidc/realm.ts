import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';

/** Snap4City's roles, highest first. */
export const SNAP4CITY_ROLES = ['RootAdmin', 'ToolAdmin', 'AreaManager', 'Manager', 'Observer', 'Public'] as const;

export interface OidcUser {
  id: string;
  /** stored lower-cased, as Keycloak does; logins match case-insensitively */
  username: string;
  password: string;
  /** Snap4City roles, emitted in the top-level `roles` claim and in `realm_access.roles` */
  roles: string[];
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled: boolean;
  /** extra claims added to this user's access tokens and userinfo */
  attributes: Record<string, unknown>;
}

export interface NewUser {
  username: string;
  /** default: the username as given */
  password?: string;
  roles?: string[];
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled?: boolean;
  attributes?: Record<string, unknown>;
}

export interface OidcClient {
  clientId: string;
  secret?: string;
  publicClient: boolean;
  directAccessGrants: boolean;
  serviceAccount: boolean;
  serviceAccountRoles: string[];
  enabled: boolean;
  serviceAccountUserId: string;
  /** Browser logins (Authorization Code): Keycloak's "Standard flow". */
  standardFlow: boolean;
  /** Valid redirect URIs: exact, or ending in `*` for a prefix; `http://127.0.0.1`/`localhost` match any port. */
  redirectUris: string[];
  /** Web origins for CORS; `+` stands for the origins of the redirect URIs, `*` for any. */
  webOrigins: string[];
  /** Valid post-logout redirect URIs; `+` stands for the redirect URIs. */
  postLogoutRedirectUris: string[];
  /** "Proof Key for Code Exchange Code Challenge Method": when set, every authorization request must use it. */
  pkceMethod?: 'S256' | 'plain';
}

export interface NewClient {
  clientId: string;
  /** required for a confidential client */
  secret?: string;
  publicClient?: boolean;
  directAccessGrants?: boolean;
  serviceAccount?: boolean;
  serviceAccountRoles?: string[];
  enabled?: boolean;
  standardFlow?: boolean;
  redirectUris?: string[];
  webOrigins?: string[];
  postLogoutRedirectUris?: string[];
  pkceMethod?: 'S256' | 'plain';
}

/** An authorization code: one use, for one client and redirect URI, within Keycloak's 60 s "Client login timeout". */
export interface AuthorizationCode {
  clientId: string;
  sessionId: string;
  /** The redirect_uri parameter as sent, which the token request must repeat. */
  redirectUriParam: string | undefined;
  scope: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  expiresSec: number;
  used: boolean;
}

export const CODE_LIFESPAN_SEC = 60;

export interface Session {
  id: string;
  userId: string;
  clientId: string;
  startedSec: number;
  lastRefreshSec: number;
  scope: string;
  active: boolean;
}

/** An OAuth error as Keycloak answers it. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
    readonly headers: Record<string, string> = {},
  ) {
    super(description ?? error);
  }
}

/** Keycloak's "SSO Session Idle" and "SSO Session Max" defaults. */
export const SSO_SESSION_IDLE_SEC = 1800;
export const SSO_SESSION_MAX_SEC = 36_000;

const DEFAULT_SCOPES = ['profile', 'email'];
const OPTIONAL_SCOPES = new Set([
  'openid',
  'offline_access',
  'address',
  'phone',
  'roles',
  'web-origins',
  'acr',
  'basic',
  'microprofile-jwt',
  'organization',
  'service_account',
  // the client scope Snap4City's Node-RED login asks for, mapping the `username` claim
  'username',
]);

export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** A stable UUID (v5 layout) from a name, so users keep their `sub` across restarts of the peer. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Users, clients and sessions of one realm, and the claims Keycloak puts into its tokens. */
export class Realm {
  readonly users = new Map<string, OidcUser>();
  readonly clients = new Map<string, OidcClient>();
  readonly sessions = new Map<string, Session>();
  readonly codes = new Map<string, AuthorizationCode>();

  constructor(
    readonly name: string,
    private readonly audience: string | string[],
  ) {}

  addUser(u: NewUser): OidcUser {
    const username = u.username.toLowerCase();
    const user: OidcUser = {
      id: this.users.get(username)?.id ?? stableUuid(`${this.name}/user/${username}`),
      username,
      password: u.password ?? u.username,
      roles: [...(u.roles ?? [])],
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      enabled: u.enabled ?? true,
      attributes: { ...(u.attributes ?? {}) },
    };
    this.users.set(username, user);
    return user;
  }

  findUser(username: string): OidcUser | undefined {
    return this.users.get(username.toLowerCase());
  }

  addClient(c: NewClient): OidcClient {
    const publicClient = c.publicClient ?? c.secret === undefined;
    if (!publicClient && !c.secret) throw new Error(`confidential client ${c.clientId} needs a secret`);
    const client: OidcClient = {
      clientId: c.clientId,
      secret: publicClient ? undefined : c.secret,
      publicClient,
      directAccessGrants: c.directAccessGrants ?? true,
      serviceAccount: !publicClient && (c.serviceAccount ?? false),
      serviceAccountRoles: [...(c.serviceAccountRoles ?? [])],
      enabled: c.enabled ?? true,
      serviceAccountUserId: stableUuid(`${this.name}/service-account/${c.clientId}`),
      standardFlow: c.standardFlow ?? true,
      redirectUris: [...(c.redirectUris ?? [])],
      webOrigins: [...(c.webOrigins ?? [])],
      postLogoutRedirectUris: [...(c.postLogoutRedirectUris ?? ['+'])],
      ...(c.pkceMethod ? { pkceMethod: c.pkceMethod } : {}),
    };
    this.clients.set(c.clientId, client);
    return client;
  }

  /** A one-time authorization code for a logged-in session, in Keycloak's `<uuid>.<session>.<client>` form. */
  issueCode(code: Omit<AuthorizationCode, 'expiresSec' | 'used'>): string {
    const client = this.clients.get(code.clientId)!;
    const id = `${randomUUID()}.${code.sessionId}.${stableUuid(`${this.name}/client/${client.clientId}`)}`;
    const t = nowSec();
    for (const [k, c] of this.codes) if (c.expiresSec < t) this.codes.delete(k);
    this.codes.set(id, { ...code, expiresSec: t + CODE_LIFESPAN_SEC, used: false });
    return id;
  }

  /**
   * RedirectUtils.verifyRedirectUri: the URI (decoded, normalised, host lower-cased) must equal a
   * valid one or start with a wildcard one's prefix; a loopback URI (http://localhost,
   * http://127.0.0.1) is also tried without its port. Returns the URI to redirect to, or undefined.
   */
  verifyRedirectUri(client: OidcClient, redirectUri: string | undefined, valid: string[] = client.redirectUris): string | undefined {
    if (redirectUri === undefined || valid.length === 0) return undefined;
    let uri: string;
    try {
      const parsed = new URL(redirectUri);
      if (parsed.username || parsed.password) return undefined;
      uri = redirectUri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i, (authority) => authority.toLowerCase());
      uri = decodePath(uri);
    } catch {
      return undefined;
    }
    if (matchesRedirect(valid, uri)) return uri;
    const loopback = /^http:\/\/(localhost|127\.0\.0\.1):\d+(.*)$/i.exec(uri);
    if (loopback && matchesRedirect(valid, `http://${loopback[1]!.toLowerCase()}${loopback[2]}`)) return uri;
    return undefined;
  }

  /** Post-logout redirect URIs: the client's own list, `+` meaning its redirect URIs. */
  verifyPostLogoutRedirectUri(client: OidcClient, uri: string): string | undefined {
    const valid = client.postLogoutRedirectUris.flatMap((u) => (u === '+' ? client.redirectUris : [u]));
    return this.verifyRedirectUri(client, uri, valid);
  }

  /** WebOriginsUtils.resolveValidWebOrigins: `+` adds the origin of every absolute redirect URI. */
  webOrigins(client: OidcClient): Set<string> {
    const origins = new Set<string>();
    for (const o of client.webOrigins) {
      if (o !== '+') {
        origins.add(o);
        continue;
      }
      for (const r of client.redirectUris) {
        try {
          if (/^[a-z]+:\/\//i.test(r)) origins.add(new URL(r.replace(/\*$/, '')).origin);
        } catch {
          /* a relative or malformed redirect URI gives no origin */
        }
      }
    }
    return origins;
  }

  /** Requested scope → granted scope, or Keycloak's invalid_scope error. */
  grantScope(requested: string | undefined): string {
    const asked = (requested ?? '').split(' ').filter(Boolean);
    const unknown = asked.filter((s) => !OPTIONAL_SCOPES.has(s) && !DEFAULT_SCOPES.includes(s));
    if (unknown.length) throw new OAuthError(400, 'invalid_scope', `Invalid scopes: ${requested}`);
    const granted: string[] = [];
    if (asked.includes('openid')) granted.push('openid');
    for (const s of asked) if (s !== 'openid' && !granted.includes(s)) granted.push(s);
    for (const s of DEFAULT_SCOPES) if (!granted.includes(s)) granted.push(s);
    return granted.join(' ');
  }

  openSession(userId: string, clientId: string, scope: string): Session {
    const t = nowSec();
    const s: Session = { id: randomUUID(), userId, clientId, startedSec: t, lastRefreshSec: t, scope, active: true };
    this.sessions.set(s.id, s);
    return s;
  }

  /** Valid = not logged out, not idle for longer than SSO Session Idle, younger than SSO Session Max. */
  sessionValid(id: unknown): Session | undefined {
    if (typeof id !== 'string') return undefined;
    const s = this.sessions.get(id);
    if (!s || !s.active) return undefined;
    const t = nowSec();
    if (t > s.lastRefreshSec + SSO_SESSION_IDLE_SEC || t > s.startedSec + SSO_SESSION_MAX_SEC) return undefined;
    return s;
  }

  endSessions(username?: string): number {
    const user = username === undefined ? undefined : this.findUser(username);
    let n = 0;
    for (const s of this.sessions.values()) {
      if (s.active && (username === undefined || s.userId === user?.id)) {
        s.active = false;
        n++;
      }
    }
    return n;
  }

  private realmRoles(roles: string[]): string[] {
    return [...roles, 'offline_access', 'uma_authorization', `default-roles-${this.name.toLowerCase()}`];
  }

  private profileClaims(user: OidcUser, scope: string): Record<string, unknown> {
    const scopes = scope.split(' ');
    const c: Record<string, unknown> = {};
    if (scopes.includes('email')) c['email_verified'] = false;
    if (scopes.includes('profile')) {
      const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
      if (name) c['name'] = name;
      c['preferred_username'] = user.username;
      if (user.firstName) c['given_name'] = user.firstName;
      if (user.lastName) c['family_name'] = user.lastName;
    }
    if (scopes.includes('email') && user.email) c['email'] = user.email;
    return c;
  }

  /** The access token payload of a user session, with Snap4City's `roles` and `username` mappers
   * (and `allowed-origins`, the client's web origins, when it has any). */
  userAccessClaims(user: OidcUser, clientId: string, session: Session | undefined, issuer: string, ttlSec: number): JWTPayload {
    const iat = nowSec();
    const sessionClaims = session ? { sid: session.id, session_state: session.id } : {};
    const scope = session?.scope ?? 'openid profile email';
    return {
      exp: iat + ttlSec,
      iat,
      jti: randomUUID(),
      iss: issuer,
      aud: this.audience,
      sub: user.id,
      typ: 'Bearer',
      azp: clientId,
      ...sessionClaims,
      acr: '1',
      ...this.allowedOrigins(clientId),
      realm_access: { roles: this.realmRoles(user.roles) },
      resource_access: { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] } },
      scope,
      ...this.profileClaims(user, scope),
      preferred_username: user.username,
      username: user.username,
      roles: [...user.roles],
      ...user.attributes,
    };
  }

  private allowedOrigins(clientId: string): { 'allowed-origins'?: string[] } {
    const client = this.clients.get(clientId);
    const origins = client ? [...this.webOrigins(client)] : [];
    return origins.length ? { 'allowed-origins': origins } : {};
  }

  /** A client_credentials token: the client's service-account user, no user session. */
  serviceAccountClaims(client: OidcClient, issuer: string, ttlSec: number, scope: string, remoteAddress: string): JWTPayload {
    const iat = nowSec();
    const username = `service-account-${client.clientId}`;
    return {
      exp: iat + ttlSec,
      iat,
      jti: randomUUID(),
      iss: issuer,
      aud: this.audience,
      sub: client.serviceAccountUserId,
      typ: 'Bearer',
      azp: client.clientId,
      acr: '1',
      realm_access: { roles: this.realmRoles(client.serviceAccountRoles) },
      resource_access: { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] } },
      scope,
      ...(scope.split(' ').includes('email') ? { email_verified: false } : {}),
      clientHost: remoteAddress,
      preferred_username: username,
      username,
      clientAddress: remoteAddress,
      client_id: client.clientId,
      roles: [...client.serviceAccountRoles],
    };
  }

  refreshClaims(session: Session, issuer: string): JWTPayload {
    const iat = nowSec();
    const exp = Math.min(iat + SSO_SESSION_IDLE_SEC, session.startedSec + SSO_SESSION_MAX_SEC);
    return {
      exp,
      iat,
      jti: randomUUID(),
      iss: issuer,
      aud: issuer,
      sub: session.userId,
      typ: 'Refresh',
      azp: session.clientId,
      sid: session.id,
      session_state: session.id,
      scope: session.scope,
    };
  }

  idTokenClaims(user: OidcUser, session: Session, issuer: string, ttlSec: number, atHash: string, nonce?: string): JWTPayload {
    const iat = nowSec();
    return {
      exp: iat + ttlSec,
      iat,
      auth_time: session.startedSec,
      jti: randomUUID(),
      iss: issuer,
      aud: session.clientId,
      sub: user.id,
      typ: 'ID',
      azp: session.clientId,
      ...(nonce === undefined ? {} : { nonce }),
      sid: session.id,
      session_state: session.id,
      at_hash: atHash,
      acr: '1',
      ...this.profileClaims(user, session.scope),
      username: user.username,
      roles: [...user.roles],
    };
  }

  /** What `/userinfo` returns: `sub` plus the profile/email claims and Snap4City's mappers. */
  userinfo(user: OidcUser, scope: string): Record<string, unknown> {
    return {
      sub: user.id,
      ...this.profileClaims(user, scope),
      username: user.username,
      roles: [...user.roles],
      ...user.attributes,
    };
  }

  userById(id: string): OidcUser | undefined {
    for (const u of this.users.values()) if (u.id === id) return u;
    return undefined;
  }
}

function matchesRedirect(valid: string[], redirect: string): boolean {
  for (const v of valid) {
    if (v.endsWith('*') && !v.includes('?')) {
      // wildcards ignore the query
      const r = redirect.includes('?') ? redirect.slice(0, redirect.indexOf('?')) : redirect;
      let prefix = v.slice(0, -1);
      if (r.startsWith(prefix)) return true;
      if (prefix.length > 1 && prefix.endsWith('/')) prefix = prefix.slice(0, -1);
      if (prefix === r) return true;
    } else if (v === redirect) return true;
  }
  return false;
}

/** Percent-decoding of the path (repeatedly, as Keycloak does), the query and fragment left as sent. */
function decodePath(uri: string): string {
  const cut = uri.search(/[?#]/);
  let head = cut === -1 ? uri : uri.slice(0, cut);
  const tail = cut === -1 ? '' : uri.slice(cut);
  for (let i = 0; i < 5; i++) {
    const next = decodeURIComponent(head);
    if (next === head) break;
    head = next;
  }
  return new URL(head).href.replace(/\/$/, head.endsWith('/') ? '/' : '') + tail;
}
