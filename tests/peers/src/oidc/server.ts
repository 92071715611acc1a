import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SignJWT, base64url, jwtVerify, type JWTPayload } from 'jose';
import { closeServer, listen } from '../process';
import { RealmKeys, type SigningAlg } from './keys';
import {
  OAuthError,
  Realm,
  SSO_SESSION_IDLE_SEC,
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
}

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

function sendError(res: ServerResponse, e: OAuthError): void {
  if (e.error === '') return send(res, e.status, undefined, { ...NO_STORE, ...e.headers });
  const body = e.description === undefined ? { error: e.error } : { error: e.error, error_description: e.description };
  send(res, e.status, body, { ...NO_STORE, ...e.headers });
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
  private counts: OidcPeerStats = { discovery: 0, certs: 0, token: 0, userinfo: 0, introspect: 0, logout: 0 };

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
    return { ...this.counts };
  }

  resetStats(): void {
    this.counts = { discovery: 0, certs: 0, token: 0, userinfo: 0, introspect: 0, logout: 0 };
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
        if (!allow('GET')) return;
        this.counts.discovery++;
        return send(res, 200, this.discovery());
      case '/protocol/openid-connect/certs':
        if (!allow('GET')) return;
        this.counts.certs++;
        return send(res, 200, this.keys.jwks(), { 'cache-control': 'no-cache' });
      case '/protocol/openid-connect/token':
        if (!allow('POST')) return;
        this.counts.token++;
        return this.token(req, res, await readBody(req));
      case '/protocol/openid-connect/userinfo':
        if (!allow('GET', 'POST')) return;
        this.counts.userinfo++;
        return this.userinfo(req, res, await readBody(req));
      case '/protocol/openid-connect/token/introspect':
        if (!allow('POST')) return;
        this.counts.introspect++;
        return this.introspect(req, res, await readBody(req));
      case '/protocol/openid-connect/logout':
        if (!allow('POST')) return;
        this.counts.logout++;
        return this.logout(req, res, await readBody(req));
      case '/protocol/openid-connect/auth':
        // browser logins (authorization code) are not part of this peer
        res.writeHead(501, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('The authorization endpoint (browser login) is not available on this test issuer.');
        return;
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
      grant_types_supported: ['client_credentials', 'password', 'refresh_token'],
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
    try {
      const form = formParams(req, body);
      checkDuplicated(form);
      const grant = first(form, 'grant_type');
      if (grant === undefined) throw new OAuthError(400, 'invalid_request', 'Missing form parameter: grant_type');
      if (!['password', 'client_credentials', 'refresh_token'].includes(grant)) {
        throw new OAuthError(400, 'unsupported_grant_type', 'Unsupported grant_type');
      }
      const client = this.authenticateClient(req, form);
      if (grant === 'password') return send(res, 200, await this.passwordGrant(client, form), NO_STORE);
      if (grant === 'client_credentials') {
        return send(res, 200, await this.clientCredentialsGrant(client, form, req.socket.remoteAddress ?? '127.0.0.1'), NO_STORE);
      }
      return send(res, 200, await this.refreshGrant(client, form), NO_STORE);
    } catch (e) {
      if (e instanceof OAuthError) return sendError(res, e);
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

  private async userTokenResponse(user: OidcUser, client: OidcClient, session: Session): Promise<unknown> {
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
      response['id_token'] = await this.keys.sign(this.realm.idTokenClaims(user, session, this.issuer, this.accessTtl, atHash));
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
    const fail = (status: number, error: string, description: string) =>
      sendError(res, new OAuthError(status, error, description, challenge(error, description)));
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
    if (!claims.scope?.split(' ').includes('openid')) return fail(403, 'insufficient_scope', 'Missing openid scope');
    const client = this.realm.clients.get(claims.azp);
    if (!client) return fail(401, 'invalid_token', 'Client not found');
    if (!client.enabled) return fail(401, 'invalid_token', 'Client disabled');
    const session = this.realm.sessionValid(claims.sid ?? claims.session_state);
    if (!session) return fail(401, 'invalid_token', 'user_session_not_found');
    const user = this.realm.userById(session.userId);
    if (!user) return fail(401, 'invalid_token', 'User not found');
    if (!user.enabled) return fail(401, 'invalid_token', 'User disabled');
    send(res, 200, this.realm.userinfo(user, claims.scope), NO_STORE);
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
    try {
      const form = formParams(req, body);
      checkDuplicated(form);
      const client = this.authenticateClient(req, form);
      const token = first(form, 'refresh_token');
      if (token === undefined) throw new OAuthError(400, 'invalid_request', 'Missing parameter: refresh_token');
      const claims = await this.verifyRefresh(token);
      if (claims['azp'] !== client.clientId) {
        throw new OAuthError(400, 'invalid_grant', "Invalid refresh token. Token client and authorized client don't match");
      }
      const session = this.realm.sessionValid(claims['sid']);
      if (!session) throw new OAuthError(400, 'invalid_grant', 'Session not active');
      session.active = false;
      send(res, 204, undefined);
    } catch (e) {
      if (e instanceof OAuthError) return sendError(res, e);
      throw e;
    }
  }
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
