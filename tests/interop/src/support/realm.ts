import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KEYCLOAK_ENV, REALM_FILE, type KeycloakInfo } from './keycloak-server';

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope?: string;
}

/** The users of the realm file: one per Snap4City role, password = user name. */
export const USERS = {
  RootAdmin: 'rootadmin',
  ToolAdmin: 'tooladmin',
  AreaManager: 'areamanager',
  Manager: 'manager',
  Observer: 'observer',
  Public: 'public',
} as const;

/** The public client the Snap4City Node-RED blocks log in with (password grant). */
export const NODERED_CLIENT = 'nodered-iotedge';
/** The console's public client: authorization code with PKCE (S256), any loopback redirect. */
export const CONSOLE_CLIENT = 'cleargate-console';

interface AdminToken {
  token: string;
  expiresAt: number;
}

/**
 * The Keycloak realm of this test run, as clients and an administrator use it: token requests,
 * logout, the browser login of a public client with PKCE, and the admin REST API (keys, clients).
 */
export class KeycloakRealm {
  private admin?: AdminToken;

  constructor(readonly info: KeycloakInfo) {}

  /** The Keycloak globalSetup started (or the one named in CLEARGATE_KEYCLOAK). */
  static fromEnv(): KeycloakRealm {
    const raw = process.env[KEYCLOAK_ENV];
    if (!raw)
      throw new Error(`${KEYCLOAK_ENV} is not set: run the interop specs through Jest's \`interop\` project (globalSetup starts Keycloak)`);
    return new KeycloakRealm(JSON.parse(raw) as KeycloakInfo);
  }

  /** The same realm reached over HTTPS (its tokens then carry the `https://` issuer). */
  overHttps(): KeycloakRealm {
    return new KeycloakRealm({ ...this.info, url: this.info.httpsUrl, issuer: `${this.info.httpsUrl}/realms/${this.info.realm}` });
  }

  get issuer(): string {
    return this.info.issuer;
  }

  endpoint(name: 'token' | 'auth' | 'userinfo' | 'logout' | 'certs'): string {
    return `${this.issuer}/protocol/openid-connect/${name}`;
  }

  /** Resource Owner Password grant, as the Snap4City Node-RED blocks log in. */
  async passwordGrant(username: string, options: { clientId?: string; password?: string; scope?: string } = {}): Promise<TokenSet> {
    const form: Record<string, string> = {
      grant_type: 'password',
      client_id: options.clientId ?? NODERED_CLIENT,
      username,
      password: options.password ?? username,
    };
    if (options.scope) form.scope = options.scope;
    return this.tokenRequest(form);
  }

  async refresh(refreshToken: string, clientId = NODERED_CLIENT): Promise<TokenSet> {
    return this.tokenRequest({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
  }

  /** Ends the session of a refresh token (what a client's logout does). */
  async logout(refreshToken: string, clientId = NODERED_CLIENT): Promise<void> {
    const res = await fetch(this.endpoint('logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, refresh_token: refreshToken }),
    });
    if (res.status !== 204) throw new Error(`logout answered ${res.status}: ${await res.text()}`);
  }

  /**
   * The browser login of a public client with Authorization Code + PKCE (S256), done the way a
   * browser does it: the login page, its form posted with the session cookies, the redirect to
   * `redirectUri` carrying the code, and the code exchanged with the verifier.
   */
  async pkceLogin(options: {
    username: string;
    password?: string;
    redirectUri: string;
    clientId?: string;
    /** Sent instead of the right verifier when the code is exchanged (to see it refused). */
    wrongVerifier?: string;
  }): Promise<TokenSet> {
    const clientId = options.clientId ?? CONSOLE_CLIENT;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(8).toString('hex');
    const auth = new URL(this.endpoint('auth'));
    auth.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: options.redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const page = await fetch(auth, { redirect: 'manual' });
    const html = await page.text();
    if (page.status !== 200) throw new Error(`the login page answered ${page.status}`);
    const form = /<form[^>]*id="kc-form-login"[^>]*>/.exec(html)?.[0];
    const action = form && /action="([^"]+)"/.exec(form)?.[1];
    if (!action) throw new Error(`no login form in the page: ${loginError(html) ?? html.slice(0, 300)}`);
    const cookies = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const posted = await fetch(action.replace(/&amp;/g, '&'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ username: options.username, password: options.password ?? options.username, credentialId: '' }),
    });
    const location = posted.headers.get('location');
    if (posted.status !== 302 || !location) {
      throw new Error(`the login was refused (${posted.status}): ${loginError(await posted.text()) ?? 'no message'}`);
    }
    const back = new URL(location);
    if (`${back.origin}${back.pathname}` !== options.redirectUri.split('?')[0]) throw new Error(`redirected to ${location}`);
    if (back.searchParams.get('state') !== state) throw new Error('the state came back changed');
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`no code in the redirect: ${location}`);
    return this.tokenRequest({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: options.redirectUri,
      code_verifier: options.wrongVerifier ?? verifier,
    });
  }

  /**
   * A realm of its own for a spec that changes what others rely on (keys, clients, passwords): a
   * copy of the realm file under another name, created through the admin REST API. `remove()`
   * deletes it.
   */
  async copy(name: string): Promise<KeycloakRealm & { remove(): Promise<void> }> {
    const representation = JSON.parse(readFileSync(REALM_FILE, 'utf8')) as Record<string, unknown>;
    await this.adminRequest('POST', '/admin/realms', { ...representation, realm: name });
    const copy = new KeycloakRealm({ ...this.info, realm: name, issuer: `${this.info.url}/realms/${name}` });
    return Object.assign(copy, { remove: async () => void (await this.adminRequest('DELETE', `/admin/realms/${name}`)) });
  }

  /** One call to the realm's admin REST API (`/admin/realms/{realm}{path}`) as the master realm's administrator. */
  async adminApi(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; location: string | null }> {
    return this.adminRequest(method, `/admin/realms/${this.info.realm}${path}`, body);
  }

  private async adminRequest(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; location: string | null }> {
    const res = await fetch(`${this.info.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.adminToken()}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    if (res.status >= 400) throw new Error(`admin API ${method} ${path} answered ${res.status}: ${text}`);
    return { status: res.status, json, location: res.headers.get('location') };
  }

  /** The realm's RS256 keys as the admin API lists them (provider, kid, status, priority). */
  async rsaKeys(): Promise<Array<{ providerId: string; kid: string; status: string; providerPriority: number }>> {
    const { json } = await this.adminApi('GET', '/keys');
    const keys = (json as { keys: Array<{ providerId: string; kid: string; status: string; algorithm: string; providerPriority: number }> })
      .keys;
    return keys.filter((k) => k.algorithm === 'RS256');
  }

  /**
   * Rotates the realm's signing key as an administrator does: a new `rsa-generated` key provider
   * with a higher priority than every other, which makes its key the active one at once.
   */
  async rotateKeys(): Promise<{ providerId: string; kid: string }> {
    const before = await this.rsaKeys();
    const priority = Math.max(100, ...before.map((k) => k.providerPriority)) + 100;
    const realm = (await this.adminApi('GET', '')).json as { id: string };
    const created = await this.adminApi('POST', '/components', {
      name: `rsa-rotated-${priority}`,
      providerId: 'rsa-generated',
      providerType: 'org.keycloak.keys.KeyProvider',
      parentId: realm.id,
      config: { priority: [String(priority)], keySize: ['2048'], algorithm: ['RS256'], active: ['true'], enabled: ['true'] },
    });
    const providerId = created.location!.split('/').pop()!;
    const key = (await this.rsaKeys()).find((k) => k.providerId === providerId);
    if (!key) throw new Error(`the new key provider ${providerId} has no RS256 key`);
    return { providerId, kid: key.kid };
  }

  /** Switches a key provider off (its key is then neither used nor published) or on again. */
  async setKeyProviderEnabled(providerId: string, enabled: boolean): Promise<void> {
    const component = (await this.adminApi('GET', `/components/${providerId}`)).json as { config: Record<string, string[]> };
    component.config.enabled = [String(enabled)];
    await this.adminApi('PUT', `/components/${providerId}`, component);
  }

  async removeKeyProvider(providerId: string): Promise<void> {
    await this.adminApi('DELETE', `/components/${providerId}`);
  }

  /** Gives a user of the realm a new (permanent) password, as an administrator does. */
  async setPassword(username: string, password: string): Promise<void> {
    const found = (await this.adminApi('GET', `/users?exact=true&username=${encodeURIComponent(username)}`)).json as Array<{ id: string }>;
    if (!found[0]) throw new Error(`no user ${username}`);
    await this.adminApi('PUT', `/users/${found[0].id}/reset-password`, { type: 'password', value: password, temporary: false });
  }

  /** Sets one attribute of a client (e.g. `client.use.lightweight.access.token.enabled`). */
  async setClientAttribute(clientId: string, name: string, value: string): Promise<void> {
    await this.updateClient(clientId, (client) => ({ attributes: { ...client.attributes, [name]: value } }));
  }

  /**
   * Changes a client as an administrator does in its settings: `change` gets the client's
   * representation and returns the fields to replace (`redirectUris`, `webOrigins`, `attributes`…).
   */
  async updateClient(
    clientId: string,
    change: (client: { attributes?: Record<string, string> } & Record<string, unknown>) => Record<string, unknown>,
  ): Promise<void> {
    const found = (await this.adminApi('GET', `/clients?clientId=${encodeURIComponent(clientId)}`)).json as Array<
      { id: string; attributes?: Record<string, string> } & Record<string, unknown>
    >;
    const client = found[0];
    if (!client) throw new Error(`no client ${clientId}`);
    await this.adminApi('PUT', `/clients/${client.id}`, { ...client, ...change(client) });
  }

  private async tokenRequest(form: Record<string, string>): Promise<TokenSet> {
    const res = await fetch(this.endpoint('token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    const json = (await res.json()) as TokenSet & { error?: string; error_description?: string };
    if (res.status !== 200)
      throw new Error(`token request (${form.grant_type}) answered ${res.status}: ${json.error} ${json.error_description ?? ''}`);
    return json;
  }

  private async adminToken(): Promise<string> {
    if (this.admin && this.admin.expiresAt > Date.now() + 10_000) return this.admin.token;
    const res = await fetch(`${this.info.url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: this.info.adminUser,
        password: this.info.adminPassword,
      }),
    });
    const json = (await res.json()) as TokenSet;
    if (res.status !== 200) throw new Error(`admin login answered ${res.status}`);
    this.admin = { token: json.access_token, expiresAt: Date.now() + json.expires_in * 1000 };
    return this.admin.token;
  }
}

/** The message Keycloak's login page shows (an error or a field problem). */
function loginError(html: string): string | null {
  const match = /class="[^"]*kc-feedback-text[^"]*"[^>]*>\s*([^<]+)</.exec(html) ?? /id="input-error[^"]*"[^>]*>\s*([^<]+)</.exec(html);
  return match?.[1]?.trim() ?? null;
}

/** The claims of a JWT, unverified (for looking at what Keycloak issued). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(token: string): { kid?: string; alg?: string } {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: string; alg?: string };
}
