import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SignJWT, base64url, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { closeServer, listen } from '../process';
import {
  COOKIES,
  LOGIN_TIMEOUT_SEC,
  cookie,
  errorPage,
  infoPage,
  loginPage,
  logoutConfirmPage,
  readCookies,
  redirect,
  sendPage,
  type PendingLogin,
} from './browser';
import { RealmKeys, type SigningAlg } from './keys';
import {
  OAuthError,
  Realm,
  SSO_SESSION_IDLE_SEC,
  SSO_SESSION_MAX_SEC,
  nowSec,
  safeEqual,
  type NewClient,
  type NewUser,
  type OidcClient,
  type OidcUser,
  type Session,
} from './realm';

export interface OidcPeerOptions {
  /** 0 or absent = an ephemeral port, kept across stop()/start() */
  port?: number;
  host?: string;
  /** default `snap4city` */
  realm?: string;
  /** default `/auth`, the legacy prefix Snap4City's Keycloak keeps (KC_HTTP_RELATIVE_PATH=/auth) */
  contextPath?: string;
  /** Keycloak's Access Token Lifespan, default 300 */
  accessTokenTtlSec?: number;
  /** `aud` of access tokens, default `account` like Keycloak's default roles produce */
  audience?: string | string[];
  /**
   * Base URL clients reach the issuer at (Keycloak's KC_HOSTNAME), e.g. `http://oidc:8081` in a
   * compose network; default the listening address. The issuer and all endpoints derive from it.
   */
  publicUrl?: string;
  /**
   * Where the admin console is served (e.g. `http://127.0.0.1:8080/console/`): the public client
   * `cleargate-console` accepts redirects below it and CORS from its origin. Default that URL.
   */
  consoleUrl?: string;
}

/** The admin console's public client: Authorization Code with PKCE (S256) only. */
export const CONSOLE_CLIENT_ID = 'cleargate-console';

/** Claims of an access token as this issuer produces them (Keycloak's, plus Snap4City's mappers). */
export interface AccessTokenClaims extends JWTPayload {
  exp: number;
  iat: number;
  jti: string;
  iss: string;
  aud: string | string[];
  sub: string;
  typ: 'Bearer';
  azp: string;
  session_state?: string;
  sid?: string;
  scope: string;
  preferred_username: string;
  username: string;
  roles: string[];
  realm_access: { roles: string[] };
  resource_access: Record<string, { roles: string[] }>;
}

export type MintClaims = Partial<AccessTokenClaims> & { username?: string; roles?: string[]; [claim: string]: unknown };

export interface MintOptions {
  /** lifetime, default the peer's access token lifespan */
  ttlSec?: number;
  alg?: SigningAlg;
  /** `azp` and session client, default `nodered-iotedge` */
  clientId?: string;
  /** default `openid profile email`, as a browser (authorization code) login gets */
  scope?: string;
}

export type BadTokenKind =
  'bad-signature' | 'alg-none' | 'hs256' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'wrong-audience' | 'unknown-kid';

export interface OidcPeerStats {
  discovery: number;
  certs: number;
  token: number;
  userinfo: number;
  introspect: number;
  logout: number;
  /** Token requests by grant type (authorization_code, refresh_token, ...). */
  grants: Record<string, number>;
  /** Authorization requests (browser logins and silent ones). */
  authorize: number;
}

const JSON_TYPE = 'application/json';
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: OAuthError, headers: Record<string, string> = {}): void {
  if (e.error === '') return send(res, e.status, undefined, { ...NO_STORE, ...e.headers, ...headers });
  const body = e.description === undefined ? { error: e.error } : { error: e.error, error_description: e.description };
  send(res, e.status, body, { ...NO_STORE, ...e.headers, ...headers });
}

/** Keycloak's Cors.DEFAULT_ALLOW_HEADERS, plus Authorization for endpoints that authenticate. */
const CORS_ALLOW_HEADERS =
  'Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, DPoP, Authorization';

/**
 * DefaultCors.add: without an Origin header nothing; an origin the endpoint does not allow gets
 * no CORS headers (the browser then refuses the answer); an allowed one is echoed, never `*`.
 */
function corsHeaders(req: IncomingMessage, allowed: Set<string> | '*', exposed?: string): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || (allowed !== '*' && !allowed.has(origin) && !allowed.has('*'))) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    ...(exposed ? { 'access-control-expose-headers': exposed } : {}),
  };
}

/** A CORS preflight: Keycloak answers every origin, and checks the actual request. */
function preflight(req: IncomingMessage, res: ServerResponse, methods: string[]): void {
  const origin = req.headers.origin;
  const headers: Record<string, string> = origin
    ? {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-credentials': 'true',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': '3600',
      }
    : {};
  res.writeHead(200, { ...headers, 'content-length': 0 });
  res.end();
}

/** RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~], for both the verifier and the challenge. */
const PKCE_VALUE = /^[0-9a-zA-Z\-._~]{43,128}$/;

function queryParams(url: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const q = url.indexOf('?');
  if (q === -1) return params;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
    const list = params.get(k);
    if (list) list.push(v);
    else params.set(k, [v]);
  }
  return params;
}

/** `application/x-www-form-urlencoded` body, or nothing, as JAX-RS decodes form parameters. */
function formParams(req: IncomingMessage, body: Buffer): Map<string, string[]> {
  const params = new Map<string, string[]>();
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return params;
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
    const list = params.get(k);
    if (list) list.push(v);
    else params.set(k, [v]);
  }
  return params;
}

const first = (p: Map<string, string[]>, k: string): string | undefined => p.get(k)?.[0];

function checkDuplicated(p: Map<string, string[]>): void {
  for (const v of p.values()) if (v.length !== 1) throw new OAuthError(400, 'invalid_request', 'duplicated parameter');
}

/** RFC 6749 §2.3.1 Basic credentials: base64 of form-urlencoded `id:secret`. */
function parseBasic(header: string): [string, string] | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const d = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return [d(decoded.slice(0, colon)), d(decoded.slice(colon + 1))];
}

/** `Authorization: Bearer <token>` (or DPoP), else undefined. */
function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) return undefined;
  const scheme = parts[0]!.toLowerCase();
  return scheme === 'bearer' || scheme === 'dpop' ? parts[1] : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * An OIDC issuer with Keycloak's paths, responses and errors, issuing Keycloak-style access
 * tokens of Snap4City's realm. Stands in for Keycloak where it cannot run.
 */
export class OidcPeer {
  readonly realmName: string;
  readonly contextPath: string;
  readonly host: string;
  private boundPort: number;
  private readonly server: Server;
  private readonly realm: Realm;
  private readonly accessTtl: number;
  private readonly publicUrl: string | undefined;
  private listening = false;
  private closed = false;
  private counts: OidcPeerStats = emptyStats();
  /** Sign-ins in progress, by AUTH_SESSION_ID cookie and tab. */
  private readonly pending = new Map<string, Map<string, PendingLogin>>();
  /** Logouts waiting for the user's confirmation, by session code. */
  private readonly logoutConfirmations = new Map<
    string,
    { sessionId: string | undefined; redirect: string | undefined; state: string | undefined }
  >();

  private constructor(
    private readonly keys: RealmKeys,
    options: OidcPeerOptions,
  ) {
    this.realmName = options.realm ?? 'snap4city';
    this.contextPath = (options.contextPath ?? '/auth').replace(/\/+$/, '');
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.accessTtl = options.accessTokenTtlSec ?? 300;
    this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.realm = new Realm(this.realmName, options.audience ?? 'account');
    for (const role of ['RootAdmin', 'ToolAdmin', 'AreaManager', 'Manager', 'Observer', 'Public']) {
      const username = role === 'ToolAdmin' ? 'toolAdmin' : role.toLowerCase();
      this.realm.addUser({ username, roles: [role], email: `${username.toLowerCase()}@snap4city.local` });
    }
    this.realm.addClient({ clientId: 'nodered-iotedge', publicClient: true });
    this.realm.addClient({ clientId: 'nodered', publicClient: true });
    this.realm.addClient({
      clientId: 'cleargate-demo',
      secret: 'cleargate-demo-secret',
      serviceAccount: true,
      serviceAccountRoles: ['AreaManager'],
    });
    this.registerConsole(options.consoleUrl ?? 'http://127.0.0.1:8080/console/');
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof OAuthError) return sendError(res, err);
        send(res, 500, { error: 'unknown_error' });
      });
    });
  }

  static async create(options: OidcPeerOptions = {}): Promise<OidcPeer> {
    return new OidcPeer(await RealmKeys.create(), options);
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const h = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '::1' : this.host;
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.boundPort}`;
  }

  get issuer(): string {
    return `${this.publicUrl ?? this.url}${this.realmPath}`;
  }

  private get realmPath(): string {
    return `${this.contextPath}/realms/${this.realmName}`;
  }

  get users(): readonly OidcUser[] {
    return [...this.realm.users.values()];
  }

  get clients(): readonly OidcClient[] {
    return [...this.realm.clients.values()];
  }

  /** Add or replace a user (usernames are case-insensitive, stored lower-cased). */
  addUser(user: NewUser): OidcUser {
    return this.realm.addUser(user);
  }

  addClient(client: NewClient): OidcClient {
    return this.realm.addClient(client);
  }

  /**
   * The console's public client for a console served at `consoleUrl` (its redirect URIs below that
   * URL, CORS from its origin, PKCE with S256 required, no password grant), as an administrator
   * would register it. A loopback URL is registered for `localhost` and `127.0.0.1` alike.
   */
  registerConsole(consoleUrl: string): OidcClient {
    const base = new URL(consoleUrl);
    const urls = [base.href];
    if (base.hostname === '127.0.0.1' || base.hostname === 'localhost') {
      const other = new URL(base.href);
      other.hostname = base.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
      urls.push(other.href);
    }
    return this.realm.addClient({
      clientId: CONSOLE_CLIENT_ID,
      publicClient: true,
      directAccessGrants: false,
      redirectUris: urls.map((u) => `${u.replace(/\/?$/, '/')}*`),
      webOrigins: ['+'],
      postLogoutRedirectUris: ['+'],
      pkceMethod: 'S256',
    });
  }

  /** Log sessions out (all, or one user's): their refresh tokens and userinfo calls stop working. */
  endSessions(username?: string): number {
    return this.realm.endSessions(username);
  }

  /** The kid new tokens are signed with (RS256). */
  get activeKid(): string {
    return this.keys.activeRsaKid;
  }

  async rotateKeys(options: { keepPrevious?: boolean } = {}): Promise<void> {
    await this.keys.rotate(options.keepPrevious ?? false);
  }

  stats(): OidcPeerStats {
    return { ...this.counts, grants: { ...this.counts.grants } };
  }

  resetStats(): void {
    this.counts = emptyStats();
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('oidc peer is closed');
    if (this.listening) return;
    this.boundPort = await listen(this.server, this.boundPort, this.host);
    this.listening = true;
  }

  /** Unreachable issuer: close the listening socket and open connections, keeping keys and sessions. */
  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await closeServer(this.server);
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }

  /**
   * A signed access token as this realm issues it, backed by a live session (so userinfo accepts
   * it). `username` picks a user (default `observer`; unknown names get a user with `roles`).
   */
  async mint(claims: MintClaims = {}, opts: MintOptions = {}): Promise<string> {
    const { username = 'observer', roles, ...overrides } = claims;
    const user = this.realm.findUser(username) ?? this.realm.addUser({ username, roles: roles ?? [] });
    const effective: OidcUser = roles ? { ...user, roles } : user;
    const clientId = opts.clientId ?? 'nodered-iotedge';
    const scope = opts.scope ?? 'openid profile email';
    const session = this.realm.openSession(user.id, clientId, scope);
    const payload = this.realm.userAccessClaims(effective, clientId, session, this.issuer, opts.ttlSec ?? this.accessTtl);
    return this.keys.sign({ ...payload, ...overrides }, opts.alg ?? 'RS256');
  }

  /** A token a correctly configured verifier must reject, for the reason its name says. */
  async mintBad(kind: BadTokenKind): Promise<string> {
    const user = this.realm.findUser('observer')!;
    const good = this.realm.userAccessClaims(user, 'nodered-iotedge', undefined, this.issuer, this.accessTtl);
    const t = nowSec();
    switch (kind) {
      case 'bad-signature':
        return this.keys.sign(good, 'RS256', await this.keys.stranger('bad-signature'), this.keys.activeRsaKid);
      case 'unknown-kid':
        return this.keys.sign(good, 'RS256', await this.keys.stranger('unknown-kid'));
      case 'alg-none': {
        const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(good)}.`;
      }
      case 'hs256': {
        // key confusion: HMAC keyed with the published RSA public key, under that key's kid
        const secret = new TextEncoder().encode(await this.keys.rsaPublicPem());
        return new SignJWT(good).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.keys.activeRsaKid }).sign(secret);
      }
      case 'expired':
        return this.keys.sign({ ...good, iat: t - 3600, exp: t - 600 });
      case 'not-yet-valid':
        return this.keys.sign({ ...good, iat: t, nbf: t + 600, exp: t + 900 });
      case 'wrong-issuer':
        return this.keys.sign({ ...good, iss: `${this.issuer}-other` });
      case 'wrong-audience':
        return this.keys.sign({ ...good, aud: 'some-other-service' });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = (q === -1 ? rawUrl : rawUrl.slice(0, q)).replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const realmsPrefix = `${this.contextPath}/realms/`;
    if (!path.startsWith(realmsPrefix)) return send(res, 404, notFound());
    const rest = path.slice(realmsPrefix.length);
    const slash = rest.indexOf('/');
    const realm = slash === -1 ? rest : rest.slice(0, slash);
    if (realm !== this.realmName) return send(res, 404, { error: 'Realm does not exist' });
    const sub = slash === -1 ? '' : rest.slice(slash);
    const allow = (...methods: string[]): boolean => {
      if (methods.includes(method)) return true;
      send(
        res,
        405,
        { error: 'HTTP 405 Method Not Allowed', error_description: 'For more on this error consult the server log.' },
        { allow: methods.join(', ') },
      );
      return false;
    };
    switch (sub) {
      case '':
        if (!allow('GET')) return;
        return send(res, 200, await this.realmInfo());
      case '/.well-known/openid-configuration':
        if (method === 'OPTIONS') return preflight(req, res, ['GET', 'OPTIONS']);
        if (!allow('GET')) return;
        this.counts.discovery++;
        return send(res, 200, this.discovery(), corsHeaders(req, '*'));
      case '/protocol/openid-connect/certs':
        if (method === 'OPTIONS') return preflight(req, res, ['GET', 'OPTIONS']);
        if (!allow('GET')) return;
        this.counts.certs++;
        return send(res, 200, this.keys.jwks(), { 'cache-control': 'no-cache', ...corsHeaders(req, '*') });
      case '/protocol/openid-connect/token':
        if (method === 'OPTIONS') return preflight(req, res, ['POST', 'OPTIONS']);
        if (!allow('POST')) return;
        this.counts.token++;
        return this.token(req, res, await readBody(req));
      case '/protocol/openid-connect/userinfo':
        if (method === 'OPTIONS') return preflight(req, res, ['GET', 'POST', 'OPTIONS']);
        if (!allow('GET', 'POST')) return;
        this.counts.userinfo++;
        return this.userinfo(req, res, await readBody(req));
      case '/protocol/openid-connect/token/introspect':
        if (!allow('POST')) return;
        this.counts.introspect++;
        return this.introspect(req, res, await readBody(req));
      case '/protocol/openid-connect/logout':
        if (method === 'OPTIONS') return preflight(req, res, ['GET', 'POST', 'OPTIONS']);
        if (!allow('GET', 'POST')) return;
        this.counts.logout++;
        if (method === 'GET') return this.browserLogout(req, res);
        return this.logout(req, res, await readBody(req));
      case '/protocol/openid-connect/logout/logout-confirm':
        if (!allow('POST')) return;
        return this.confirmLogout(req, res, await readBody(req));
      case '/protocol/openid-connect/auth':
        if (!allow('GET', 'POST')) return;
        this.counts.authorize++;
        return this.authorize(req, res, method === 'GET' ? queryParams(rawUrl) : formParams(req, await readBody(req)));
      case '/login-actions/authenticate':
        if (!allow('GET', 'POST')) return;
        return this.authenticate(req, res, queryParams(rawUrl), method === 'POST' ? formParams(req, await readBody(req)) : undefined);
      default:
        return send(res, 404, notFound());
    }
  }

  private async realmInfo(): Promise<unknown> {
    const pem = await this.keys.rsaPublicPem();
    return {
      realm: this.realmName,
      public_key: pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
      'token-service': `${this.issuer}/protocol/openid-connect`,
      'account-service': `${this.issuer}/account`,
      'tokens-not-before': 0,
    };
  }

  /** Keycloak's discovery document; endpoints and capability lists are limited to what this peer implements. */
  private discovery(): unknown {
    const oidc = `${this.issuer}/protocol/openid-connect`;
    const sigAlgs = ['RS256', 'ES256'];
    const clientAuth = ['client_secret_basic', 'client_secret_post'];
    return {
      issuer: this.issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      introspection_endpoint: `${oidc}/token/introspect`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
      frontchannel_logout_session_supported: true,
      frontchannel_logout_supported: true,
      jwks_uri: `${oidc}/certs`,
      grant_types_supported: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
      acr_values_supported: ['0', '1'],
      response_types_supported: [
        'code',
        'none',
        'id_token',
        'token',
        'id_token token',
        'code id_token',
        'code token',
        'code id_token token',
      ],
      subject_types_supported: ['public', 'pairwise'],
      prompt_values_supported: ['none', 'login', 'consent'],
      id_token_signing_alg_values_supported: sigAlgs,
      userinfo_signing_alg_values_supported: [...sigAlgs, 'none'],
      request_object_signing_alg_values_supported: [...sigAlgs, 'none'],
      response_modes_supported: ['query', 'fragment', 'form_post', 'query.jwt', 'fragment.jwt', 'form_post.jwt', 'jwt'],
      token_endpoint_auth_methods_supported: clientAuth,
      token_endpoint_auth_signing_alg_values_supported: sigAlgs,
      introspection_endpoint_auth_methods_supported: clientAuth,
      introspection_endpoint_auth_signing_alg_values_supported: sigAlgs,
      claims_supported: ['aud', 'sub', 'iss', 'auth_time', 'name', 'given_name', 'family_name', 'preferred_username', 'email', 'acr'],
      claim_types_supported: ['normal'],
      claims_parameter_supported: true,
      scopes_supported: [
        'openid',
        'offline_access',
        'profile',
        'email',
        'address',
        'phone',
        'roles',
        'web-origins',
        'acr',
        'basic',
        'username',
      ],
      request_parameter_supported: true,
      request_uri_parameter_supported: true,
      require_request_uri_registration: true,
      code_challenge_methods_supported: ['plain', 'S256'],
      tls_client_certificate_bound_access_tokens: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      authorization_response_iss_parameter_supported: true,
    };
  }

  /**
   * ClientIdAndSecretAuthenticator: Basic header or client_id/client_secret in the form; public
   * clients need only client_id. Errors as Keycloak 20+ words them (keycloak/keycloak#12162).
   */
  private authenticateClient(req: IncomingMessage, form: Map<string, string[]>): OidcClient {
    let clientId: string | undefined;
    let secret: string | undefined;
    const auth = req.headers['authorization'];
    if (auth) {
      const basic = parseBasic(auth);
      if (basic) [clientId, secret] = basic;
      else if (!form.has('client_id')) {
        throw new OAuthError(401, '', undefined, { 'www-authenticate': `Basic realm="${this.realmName}"` });
      }
    }
    if (form.has('client_id')) clientId = first(form, 'client_id');
    if (form.has('client_secret')) secret = first(form, 'client_secret');
    if (clientId === undefined) throw new OAuthError(400, 'invalid_client', 'Missing client_id parameter');
    const client = this.realm.clients.get(clientId);
    if (!client || !client.enabled) throw new OAuthError(401, 'invalid_client', 'Invalid client or Invalid client credentials');
    if (client.publicClient) return client;
    if (secret === undefined || !safeEqual(secret, client.secret!)) {
      throw new OAuthError(401, 'unauthorized_client', 'Invalid client or Invalid client credentials');
    }
    return client;
  }

  private async token(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    // Known once the client is: its web origins may read the answer, errors included.
    let cors: Record<string, string> = {};
    try {
      const form = formParams(req, body);
      checkDuplicated(form);
      const grant = first(form, 'grant_type');
      if (grant === undefined) throw new OAuthError(400, 'invalid_request', 'Missing form parameter: grant_type');
      if (!['authorization_code', 'password', 'client_credentials', 'refresh_token'].includes(grant)) {
        throw new OAuthError(400, 'unsupported_grant_type', 'Unsupported grant_type');
      }
      const client = this.authenticateClient(req, form);
      cors = corsHeaders(req, this.realm.webOrigins(client), 'Access-Control-Allow-Methods');
      this.counts.grants[grant] = (this.counts.grants[grant] ?? 0) + 1;
      if (grant === 'authorization_code') return send(res, 200, await this.authorizationCodeGrant(client, form), { ...NO_STORE, ...cors });
      if (grant === 'password') return send(res, 200, await this.passwordGrant(client, form), { ...NO_STORE, ...cors });
      if (grant === 'client_credentials') {
        return send(res, 200, await this.clientCredentialsGrant(client, form, req.socket.remoteAddress ?? '127.0.0.1'), {
          ...NO_STORE,
          ...cors,
        });
      }
      return send(res, 200, await this.refreshGrant(client, form), { ...NO_STORE, ...cors });
    } catch (e) {
      if (e instanceof OAuthError) return sendError(res, e, cors);
      throw e;
    }
  }

  private async passwordGrant(client: OidcClient, form: Map<string, string[]>): Promise<unknown> {
    if (!client.directAccessGrants) throw new OAuthError(400, 'unauthorized_client', 'Client not allowed for direct access grants');
    const username = first(form, 'username');
    if (username === undefined) throw new OAuthError(401, 'invalid_request', 'Missing parameter: username');
    const user = this.realm.findUser(username);
    const password = first(form, 'password');
    if (!user || password === undefined || !safeEqual(password, user.password)) {
      throw new OAuthError(401, 'invalid_grant', 'Invalid user credentials');
    }
    if (!user.enabled) throw new OAuthError(400, 'invalid_grant', 'Account disabled');
    const scope = this.realm.grantScope(first(form, 'scope'));
    const session = this.realm.openSession(user.id, client.clientId, scope);
    return this.userTokenResponse(user, client, session);
  }

  private async clientCredentialsGrant(client: OidcClient, form: Map<string, string[]>, remote: string): Promise<unknown> {
    if (client.publicClient) throw new OAuthError(401, 'unauthorized_client', 'Public client not allowed to retrieve service account');
    if (!client.serviceAccount) throw new OAuthError(401, 'unauthorized_client', 'Client not enabled to retrieve service account');
    const scope = this.realm.grantScope(first(form, 'scope'));
    const access = await this.keys.sign(this.realm.serviceAccountClaims(client, this.issuer, this.accessTtl, scope, remote));
    // client_credentials.use_refresh_token is off by default since Keycloak 12: no refresh token, no session
    return {
      access_token: access,
      expires_in: this.accessTtl,
      refresh_expires_in: 0,
      token_type: 'Bearer',
      'not-before-policy': 0,
      scope,
    };
  }

  private async refreshGrant(client: OidcClient, form: Map<string, string[]>): Promise<unknown> {
    const token = first(form, 'refresh_token');
    if (token === undefined) throw new OAuthError(400, 'invalid_request', 'Missing parameter: refresh_token');
    const claims = await this.verifyRefresh(token);
    if (claims['azp'] !== client.clientId) {
      throw new OAuthError(400, 'invalid_grant', "Invalid refresh token. Token client and authorized client don't match");
    }
    const session = this.realm.sessionValid(claims['sid']);
    const user = session ? this.realm.userById(session.userId) : undefined;
    if (!session || !user) throw new OAuthError(400, 'invalid_grant', 'Session not active');
    if (!user.enabled) throw new OAuthError(400, 'invalid_grant', 'User disabled');
    const requested = first(form, 'scope');
    if (requested?.split(' ').includes('openid') && !session.scope.split(' ').includes('openid')) {
      session.scope = `openid ${session.scope}`;
    }
    session.lastRefreshSec = nowSec();
    return this.userTokenResponse(user, client, session);
  }

  private async verifyRefresh(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.keys.refreshSecret, {
        algorithms: ['HS512'],
        issuer: this.issuer,
      });
      if (payload['typ'] !== 'Refresh') throw new Error('wrong type');
      return payload;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new OAuthError(400, 'invalid_grant', 'Token is not active');
      throw new OAuthError(400, 'invalid_grant', 'Invalid refresh token');
    }
  }

  private async userTokenResponse(user: OidcUser, client: OidcClient, session: Session, nonce?: string): Promise<unknown> {
    const access = await this.keys.sign(this.realm.userAccessClaims(user, client.clientId, session, this.issuer, this.accessTtl));
    const refreshClaims = this.realm.refreshClaims(session, this.issuer);
    const refresh = await this.keys.signRefresh(refreshClaims);
    const response: Record<string, unknown> = {
      access_token: access,
      expires_in: this.accessTtl,
      refresh_expires_in: Math.min(SSO_SESSION_IDLE_SEC, (refreshClaims.exp as number) - (refreshClaims.iat as number)),
      refresh_token: refresh,
      token_type: 'Bearer',
    };
    if (session.scope.split(' ').includes('openid')) {
      const digest = createHash('sha256').update(access).digest();
      const atHash = base64url.encode(digest.subarray(0, digest.length / 2));
      response['id_token'] = await this.keys.sign(this.realm.idTokenClaims(user, session, this.issuer, this.accessTtl, atHash, nonce));
    }
    response['not-before-policy'] = 0;
    response['session_state'] = session.id;
    response['scope'] = session.scope;
    return response;
  }

  /** Verification as Keycloak's TokenVerifier default checks: signature by a published key, iss, exp/nbf, typ Bearer, sub. */
  private async verifyAccess(token: string): Promise<AccessTokenClaims> {
    const { payload } = await jwtVerify(token, this.keys.localJwks(), {
      issuer: this.issuer,
      algorithms: ['RS256', 'ES256'],
    });
    if (payload['typ'] !== 'Bearer' || typeof payload.sub !== 'string') throw new Error('not an access token');
    return payload as AccessTokenClaims;
  }

  private async userinfo(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const challenge = (error?: string, description?: string) => {
      let h = `Bearer realm="${this.realmName}"`;
      if (error) h += `, error="${error}"`;
      if (description) h += `, error_description="${description}"`;
      return { 'www-authenticate': h };
    };
    // The token's allowed-origins may read the answer (known once the token is verified).
    let cors: Record<string, string> = {};
    const fail = (status: number, error: string, description: string) =>
      sendError(res, new OAuthError(status, error, description, challenge(error, description)), cors);
    let token = bearer(req.headers['authorization']);
    if (req.method === 'POST') {
      const form = formParams(req, body);
      const values = form.get('access_token');
      if (values && values.length !== 1) return fail(400, 'invalid_request', 'Duplicate parameter');
      if (values) {
        if (token !== undefined) return fail(400, 'invalid_request', 'More than one method used for including an access token');
        token = values[0];
      }
    }
    if (token === undefined) {
      res.writeHead(401, { ...NO_STORE, ...challenge() });
      res.end();
      return;
    }
    let claims: AccessTokenClaims;
    try {
      claims = await this.verifyAccess(token);
    } catch {
      return fail(401, 'invalid_token', 'Token verification failed');
    }
    cors = corsHeaders(req, new Set((claims as { 'allowed-origins'?: string[] })['allowed-origins'] ?? []));
    if (!claims.scope?.split(' ').includes('openid')) return fail(403, 'insufficient_scope', 'Missing openid scope');
    const client = this.realm.clients.get(claims.azp);
    if (!client) return fail(401, 'invalid_token', 'Client not found');
    if (!client.enabled) return fail(401, 'invalid_token', 'Client disabled');
    const session = this.realm.sessionValid(claims.sid ?? claims.session_state);
    if (!session) return fail(401, 'invalid_token', 'user_session_not_found');
    const user = this.realm.userById(session.userId);
    if (!user) return fail(401, 'invalid_token', 'User not found');
    if (!user.enabled) return fail(401, 'invalid_token', 'User disabled');
    send(res, 200, this.realm.userinfo(user, claims.scope), { ...NO_STORE, ...cors });
  }

  private async introspect(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const form = formParams(req, body);
    let client: OidcClient;
    try {
      client = this.authenticateClient(req, form);
    } catch {
      return sendError(res, new OAuthError(401, 'invalid_request', 'Authentication failed.'));
    }
    if (client.publicClient) return sendError(res, new OAuthError(403, 'invalid_request', 'Client not allowed.'));
    try {
      checkDuplicated(form);
    } catch (e) {
      return sendError(res, e as OAuthError);
    }
    const token = first(form, 'token');
    if (token === undefined) return sendError(res, new OAuthError(400, 'invalid_request', 'Token not provided.'));
    const hint = first(form, 'token_type_hint') ?? 'access_token';
    if (hint === 'refresh_token') {
      try {
        const claims = await this.verifyRefresh(token);
        if (!this.realm.sessionValid(claims['sid'])) return send(res, 200, { active: false });
        return send(res, 200, { ...claims, client_id: claims['azp'], active: true });
      } catch {
        return send(res, 200, { active: false });
      }
    }
    if (hint !== 'access_token') return sendError(res, new OAuthError(400, 'invalid_request', 'Unsupported token type.'));
    try {
      const claims = await this.verifyAccess(token);
      const sid = claims.sid ?? claims.session_state;
      if (sid !== undefined && !this.realm.sessionValid(sid)) return send(res, 200, { active: false });
      return send(res, 200, {
        ...claims,
        client_id: claims.azp,
        username: claims.preferred_username,
        token_type: 'Bearer',
        active: true,
      });
    } catch {
      return send(res, 200, { active: false });
    }
  }

  /** Back-channel logout with a refresh token, as keycloak-connect and Node-RED clients do it. */
  private async logout(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    let cors: Record<string, string> = {};
    try {
      const form = formParams(req, body);
      checkDuplicated(form);
      const client = this.authenticateClient(req, form);
      cors = corsHeaders(req, this.realm.webOrigins(client));
      const token = first(form, 'refresh_token');
      if (token === undefined) throw new OAuthError(400, 'invalid_request', 'Missing parameter: refresh_token');
      const claims = await this.verifyRefresh(token);
      if (claims['azp'] !== client.clientId) {
        throw new OAuthError(400, 'invalid_grant', "Invalid refresh token. Token client and authorized client don't match");
      }
      const session = this.realm.sessionValid(claims['sid']);
      if (!session) throw new OAuthError(400, 'invalid_grant', 'Session not active');
      session.active = false;
      send(res, 204, undefined, cors);
    } catch (e) {
      if (e instanceof OAuthError) return sendError(res, e, cors);
      throw e;
    }
  }

  // ---- browser logins: Authorization Code (+ PKCE), single sign-on, RP-initiated logout ----

  private get cookiePath(): string {
    return `${this.realmPath}/`;
  }

  /**
   * The authorization endpoint as AuthorizationEndpoint + AuthorizationEndpointChecker order their
   * checks: without a known client or a valid redirect URI an error page (nowhere safe to send the
   * browser); every later problem is sent back to the redirect URI as `error`, `error_description`,
   * `state` and `iss`. A browser with a live session (KEYCLOAK_IDENTITY) gets its code at once;
   * `prompt=none` without one gets `login_required`; otherwise the login form.
   */
  private async authorize(req: IncomingMessage, res: ServerResponse, params: Map<string, string[]>): Promise<void> {
    const p = (k: string) => params.get(k)?.[0];
    const page = (status: number, message: string) => sendPage(res, status, errorPage(this.realmName, message));
    const clientId = p('client_id');
    if (clientId === undefined) return page(400, 'Missing parameters: client_id');
    const client = this.realm.clients.get(clientId);
    if (!client) return page(400, 'Client not found.');
    if (!client.enabled) return page(400, 'Client disabled.');
    const scopeParam = p('scope');
    const isOidc = (scopeParam ?? '').split(' ').includes('openid');
    const redirectUriParam = p('redirect_uri');
    // redirect_uri is required by OpenID Connect; a plain OAuth2 request may omit it when the client has one.
    const redirectUri =
      redirectUriParam !== undefined
        ? this.realm.verifyRedirectUri(client, redirectUriParam)
        : !isOidc && client.redirectUris.length === 1
          ? client.redirectUris[0]!.replace(/\/\*$/, '')
          : undefined;
    if (!redirectUri) return page(400, 'Invalid parameter: redirect_uri');

    const state = p('state');
    const responseType = p('response_type');
    const modeParam = p('response_mode');
    const types = (responseType ?? '').split(' ').filter(Boolean);
    const implicit = types.includes('token') || types.includes('id_token');
    const mode: 'query' | 'fragment' | undefined =
      modeParam === undefined
        ? implicit
          ? 'fragment'
          : 'query'
        : modeParam === 'query' || modeParam === 'fragment'
          ? modeParam
          : undefined;
    const fail = (error: string, description?: string) =>
      redirect(res, this.responseUrl(redirectUri, mode ?? 'query', { error, error_description: description, state, iss: this.issuer }));
    if (responseType === undefined) return fail('invalid_request', 'Missing parameter: response_type');
    const known = ['code', 'token', 'id_token', 'none'];
    if (!types.length || !types.every((t) => known.includes(t)) || (types.includes('none') && types.length > 1)) {
      return fail('unsupported_response_type');
    }
    // This peer answers in the query or the fragment; form_post and the JWT modes are Keycloak's too, not this peer's.
    if (!mode) return fail('invalid_request', 'Invalid parameter: response_mode');
    if (implicit && mode === 'query') return fail('invalid_request', "Response_mode 'query' not allowed for implicit or hybrid flow");
    if ((types.includes('code') || types.includes('none')) && !client.standardFlow) {
      return fail(
        'unauthorized_client',
        'Client is not allowed to initiate browser login with given response_type. Standard flow is disabled for the client.',
      );
    }
    if (implicit) {
      return fail(
        'unauthorized_client',
        'Client is not allowed to initiate browser login with given response_type. Implicit flow is disabled for the client.',
      );
    }
    let scope: string;
    try {
      scope = this.realm.grantScope(scopeParam);
    } catch {
      return fail('invalid_scope', `Invalid scopes: ${scopeParam}`);
    }
    const challenge = p('code_challenge');
    const method = p('code_challenge_method');
    if (client.pkceMethod) {
      if (method === undefined) return fail('invalid_request', 'Missing parameter: code_challenge_method');
      if (method !== client.pkceMethod)
        return fail('invalid_request', 'Invalid parameter: code challenge method is not matching the configured one');
      if (challenge === undefined) return fail('invalid_request', 'Missing parameter: code_challenge');
      if (!PKCE_VALUE.test(challenge)) return fail('invalid_request', 'Invalid parameter: code_challenge');
    } else if (challenge === undefined) {
      if (method !== undefined) return fail('invalid_request', 'Missing parameter: code_challenge');
    } else {
      if (method !== undefined && method !== 'S256' && method !== 'plain')
        return fail('invalid_request', 'Invalid parameter: code_challenge_method');
      if (!PKCE_VALUE.test(challenge)) return fail('invalid_request', 'Invalid parameter: code_challenge');
    }

    const login: PendingLogin = {
      tabId: randomUUID().replace(/-/g, '').slice(0, 11),
      clientId,
      redirectUri,
      redirectUriParam,
      responseMode: mode,
      scope,
      state,
      nonce: p('nonce'),
      codeChallenge: challenge,
      codeChallengeMethod: method,
      loginHint: p('login_hint'),
      expiresSec: nowSec() + LOGIN_TIMEOUT_SEC,
    };
    const prompts = (p('prompt') ?? '').split(' ');
    const sso = await this.browserSession(req);
    if (sso && !prompts.includes('login')) return this.completeLogin(res, login, sso, []);
    if (prompts.includes('none')) return fail('login_required');

    let authSessionId = readCookies(req).get(COOKIES.authSession);
    if (!authSessionId || !this.pending.has(authSessionId)) authSessionId = randomUUID();
    const tabs = this.pending.get(authSessionId) ?? new Map<string, PendingLogin>();
    this.pending.set(authSessionId, tabs);
    tabs.set(login.tabId, login);
    sendPage(res, 200, loginPage(this.realmName, this.loginAction(login), { username: login.loginHint }), [
      cookie(COOKIES.authSession, authSessionId, this.cookiePath),
    ]);
  }

  /** The login form's action: Keycloak's login-actions URL, with `client_data` to find the way back if the sign-in expires. */
  private loginAction(login: PendingLogin): string {
    const clientData = Buffer.from(
      JSON.stringify({ ru: login.redirectUri, rt: 'code', rm: login.responseMode, ...(login.state ? { st: login.state } : {}) }),
    ).toString('base64url');
    const query = new URLSearchParams({
      session_code: randomUUID().replace(/-/g, ''),
      execution: LOGIN_EXECUTION,
      client_id: login.clientId,
      tab_id: login.tabId,
      client_data: clientData,
    });
    return `${this.issuer}/login-actions/authenticate?${query}`;
  }

  /** The login form's submission: a wrong password shows the form again (200) with Keycloak's message. */
  private async authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    query: Map<string, string[]>,
    form: Map<string, string[]> | undefined,
  ): Promise<void> {
    const authSessionId = readCookies(req).get(COOKIES.authSession);
    if (!authSessionId)
      return sendPage(res, 400, errorPage(this.realmName, 'Cookie not found. Please make sure cookies are enabled in your browser.'));
    const tabId = query.get('tab_id')?.[0] ?? '';
    const login = this.pending.get(authSessionId)?.get(tabId);
    if (!login || login.expiresSec < nowSec()) {
      let back: string | undefined;
      try {
        back = (JSON.parse(Buffer.from(query.get('client_data')?.[0] ?? '', 'base64url').toString('utf8')) as { ru?: string }).ru;
      } catch {
        back = undefined;
      }
      return sendPage(res, 400, errorPage(this.realmName, 'Your login attempt timed out.  Login will start from the beginning.', back));
    }
    if (!form) return sendPage(res, 200, loginPage(this.realmName, this.loginAction(login), { username: login.loginHint }));
    const username = (first(form, 'username') ?? '').trim();
    const password = first(form, 'password') ?? '';
    const user =
      this.realm.findUser(username) ??
      [...this.realm.users.values()].find((u) => u.email !== undefined && u.email.toLowerCase() === username.toLowerCase());
    const again = (error: string) => sendPage(res, 200, loginPage(this.realmName, this.loginAction(login), { username, error }));
    if (!user || !safeEqual(password, user.password)) return again('Invalid username or password.');
    if (!user.enabled) return again('Account is disabled, contact your administrator.');
    this.pending.get(authSessionId)!.delete(tabId);
    const session = this.realm.openSession(user.id, login.clientId, login.scope);
    const identity = await this.keys.signRefresh({
      iat: nowSec(),
      exp: session.startedSec + SSO_SESSION_MAX_SEC,
      iss: this.issuer,
      sub: user.id,
      typ: 'Serialized-ID',
      sid: session.id,
    });
    return this.completeLogin(res, login, session, [
      cookie(COOKIES.authSession, '', this.cookiePath, { maxAgeSec: 0 }),
      cookie(COOKIES.identity, identity, this.cookiePath),
      cookie(COOKIES.session, createHash('sha256').update(session.id).digest('base64url'), this.cookiePath, { httpOnly: false }),
    ]);
  }

  /** Back to the client with a code: `state`, `session_state`, `iss` and `code`, as OIDCLoginProtocol.authenticated adds them. */
  private completeLogin(res: ServerResponse, login: PendingLogin, session: Session, cookies: string[]): void {
    const code = this.realm.issueCode({
      clientId: login.clientId,
      sessionId: session.id,
      redirectUriParam: login.redirectUriParam,
      scope: login.scope,
      nonce: login.nonce,
      codeChallenge: login.codeChallenge,
      codeChallengeMethod: login.codeChallengeMethod,
    });
    redirect(
      res,
      this.responseUrl(login.redirectUri, login.responseMode, { state: login.state, session_state: session.id, iss: this.issuer, code }),
      cookies,
    );
  }

  private responseUrl(redirectUri: string, mode: 'query' | 'fragment', params: Record<string, string | undefined>): string {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
    if (mode === 'fragment') return `${redirectUri}#${query}`;
    return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query}`;
  }

  /** The browser's single sign-on session, from its KEYCLOAK_IDENTITY cookie, while the session is valid. */
  private async browserSession(req: IncomingMessage): Promise<Session | undefined> {
    const token = readCookies(req).get(COOKIES.identity);
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.keys.refreshSecret, { algorithms: ['HS512'], issuer: this.issuer });
      return payload['typ'] === 'Serialized-ID' ? this.realm.sessionValid(payload['sid']) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * AuthorizationCodeGrantType with PkceUtils: the checks and messages in Keycloak's order. A code
   * is good once, within 60 s, for the client and redirect_uri it was issued to; a reused code
   * also ends its session.
   */
  private async authorizationCodeGrant(client: OidcClient, form: Map<string, string[]>): Promise<unknown> {
    const code = first(form, 'code');
    if (code === undefined) throw new OAuthError(400, 'invalid_request', 'Missing parameter: code');
    const data = this.realm.codes.get(code);
    if (!data || data.used) {
      if (data) {
        const reused = this.realm.sessions.get(data.sessionId);
        if (reused) reused.active = false;
      }
      throw new OAuthError(400, 'invalid_grant', 'Code not valid');
    }
    data.used = true;
    if (data.expiresSec < nowSec()) throw new OAuthError(400, 'invalid_grant', 'Code is expired');
    const session = this.realm.sessions.get(data.sessionId);
    if (!session) throw new OAuthError(400, 'invalid_grant', 'User session not found');
    const user = this.realm.userById(session.userId);
    if (!user) throw new OAuthError(400, 'invalid_grant', 'User not found');
    if (!user.enabled) throw new OAuthError(400, 'invalid_grant', 'User disabled');
    if (data.redirectUriParam !== undefined && data.redirectUriParam !== first(form, 'redirect_uri')) {
      throw new OAuthError(400, 'invalid_grant', 'Incorrect redirect_uri');
    }
    if (client.clientId !== data.clientId)
      throw new OAuthError(400, 'invalid_grant', 'Auth error: Found different client_id in clientSession');
    if (!client.standardFlow) throw new OAuthError(400, 'invalid_grant', 'Client not allowed to exchange code');
    if (!this.realm.sessionValid(session.id)) throw new OAuthError(400, 'invalid_grant', 'Session not active');
    const verifier = first(form, 'code_verifier');
    if (data.codeChallengeMethod) {
      if (verifier === undefined) throw new OAuthError(400, 'invalid_grant', 'PKCE code verifier not specified');
      verifyPkce(verifier, data.codeChallenge!, data.codeChallengeMethod);
    } else {
      if (data.codeChallenge !== undefined && verifier === undefined)
        throw new OAuthError(400, 'invalid_grant', 'PKCE code verifier not specified');
      if (data.codeChallenge === undefined && verifier !== undefined) {
        throw new OAuthError(400, 'invalid_grant', 'PKCE code verifier specified but challenge not present in authorization');
      }
      if (data.codeChallenge !== undefined) verifyPkce(verifier!, data.codeChallenge, undefined);
    }
    session.scope = data.scope;
    session.lastRefreshSec = nowSec();
    return this.userTokenResponse(user, client, session, data.nonce);
  }

  /**
   * RP-initiated logout (LogoutEndpoint, GET): with an id_token_hint naming the client, the session
   * ends and the browser goes to the post_logout_redirect_uri (with `state`); otherwise Keycloak
   * asks "Do you want to log out?" first.
   */
  private async browserLogout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = queryParams(req.url ?? '');
    const p = (k: string) => params.get(k)?.[0];
    const page = (message: string) => sendPage(res, 400, errorPage(this.realmName, message));
    if (p('redirect_uri') !== undefined) return page('Invalid parameter: redirect_uri');
    const postLogout = p('post_logout_redirect_uri');
    const hint = p('id_token_hint');
    const clientId = p('client_id');
    const state = p('state');
    if (postLogout !== undefined && hint === undefined && clientId === undefined) return page('Missing parameters: id_token_hint');
    let confirmationNeeded = true;
    let forced = false;
    let client = clientId === undefined ? undefined : this.realm.clients.get(clientId);
    if (clientId !== undefined && !client) forced = true;
    let idToken: JWTPayload | undefined;
    if (hint !== undefined) {
      idToken = await this.verifyIdToken(hint);
      if (!idToken) return page('Invalid parameter: id_token_hint');
    }
    const issuedFor = typeof idToken?.['azp'] === 'string' ? (idToken['azp'] as string) : undefined;
    if (clientId === undefined) {
      client = issuedFor ? this.realm.clients.get(issuedFor) : undefined;
      if (client) confirmationNeeded = false;
    } else if (issuedFor) {
      if (issuedFor !== clientId) return page('Invalid parameter: id_token_hint');
      confirmationNeeded = false;
    }
    let validated: string | undefined;
    if (postLogout !== undefined) {
      if (client) validated = this.realm.verifyPostLogoutRedirectUri(client, postLogout);
      else if (clientId === undefined) {
        for (const c of this.realm.clients.values()) validated ??= this.realm.verifyPostLogoutRedirectUri(c, postLogout);
      }
      if (!validated) return page('Invalid redirect uri');
    }
    const browser = await this.browserSession(req);
    const hintedSession = typeof idToken?.['sid'] === 'string' ? (idToken['sid'] as string) : undefined;
    if (browser) {
      if (hintedSession && hintedSession !== browser.id) forced = true;
    } else if (hint === undefined && client && validated) {
      confirmationNeeded = false;
    }
    const sessionId = browser?.id ?? hintedSession;
    if (confirmationNeeded || forced) {
      const code = randomUUID();
      this.logoutConfirmations.set(code, { sessionId, redirect: validated, state });
      return sendPage(res, 200, logoutConfirmPage(this.realmName, `${this.issuer}/protocol/openid-connect/logout/logout-confirm`, code));
    }
    this.finishLogout(res, sessionId, validated, state);
  }

  private confirmLogout(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const code = first(formParams(req, body), 'session_code') ?? '';
    const pending = this.logoutConfirmations.get(code);
    if (!pending) return sendPage(res, 400, errorPage(this.realmName, 'Logout failed'));
    this.logoutConfirmations.delete(code);
    this.finishLogout(res, pending.sessionId, pending.redirect, pending.state);
  }

  private finishLogout(
    res: ServerResponse,
    sessionId: string | undefined,
    redirectUri: string | undefined,
    state: string | undefined,
  ): void {
    const session = sessionId === undefined ? undefined : this.realm.sessions.get(sessionId);
    if (session) session.active = false;
    const cookies = [
      cookie(COOKIES.identity, '', this.cookiePath, { maxAgeSec: 0 }),
      cookie(COOKIES.session, '', this.cookiePath, { maxAgeSec: 0, httpOnly: false }),
    ];
    if (redirectUri) return redirect(res, state === undefined ? redirectUri : this.responseUrl(redirectUri, 'query', { state }), cookies);
    sendPage(res, 200, infoPage(this.realmName, 'You are logged out'), cookies);
  }

  /** An ID token of this realm (signature and type; an expired one still names its session, as Keycloak accepts). */
  private async verifyIdToken(token: string): Promise<JWTPayload | undefined> {
    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(token, this.keys.localJwks(), { issuer: this.issuer, algorithms: ['RS256', 'ES256'] })).payload;
    } catch (e) {
      // jose checks the signature before the times: an expired token here is one of ours.
      if ((e as { code?: string }).code !== 'ERR_JWT_EXPIRED') return undefined;
      payload = decodeJwt(token);
    }
    return payload['typ'] === 'ID' ? payload : undefined;
  }
}

/** The id of Keycloak's built-in "Username Password Form" execution, as the login form's action names it. */
const LOGIN_EXECUTION = '3b6c1b8e-5f70-4d3c-9a8f-4c4e8b1f2d11';

/** PkceUtils.verifyCodeVerifier: the verifier's form, then S256 (or plain) against the stored challenge. */
function verifyPkce(verifier: string, challenge: string, method: string | undefined): void {
  if (!PKCE_VALUE.test(verifier)) throw new OAuthError(400, 'invalid_grant', 'PKCE verification failed: Invalid code verifier');
  const encoded = method === 'S256' ? createHash('sha256').update(verifier, 'latin1').digest('base64url') : verifier;
  if (encoded !== challenge) throw new OAuthError(400, 'invalid_grant', 'PKCE verification failed: Code mismatch');
}

function emptyStats(): OidcPeerStats {
  return { discovery: 0, certs: 0, token: 0, userinfo: 0, introspect: 0, logout: 0, grants: {}, authorize: 0 };
}

function notFound(): unknown {
  return {
    error: 'Unable to find matching target resource method',
    error_description: 'For more on this error consult the server log.',
  };
}

export async function startOidcPeer(options: OidcPeerOptions = {}): Promise<OidcPeer> {
  const peer = await OidcPeer.create(options);
  await peer.start();
  return peer;
}
