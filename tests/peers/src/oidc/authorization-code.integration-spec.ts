import { createHash, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import { CONSOLE_CLIENT_ID, startOidcPeer, type OidcPeer } from './index';

/**
 * The browser login a single-page app makes (Authorization Code + PKCE), as Keycloak answers it:
 * the login form and its errors, the code exchange and its errors, single sign-on, silent renewal
 * by refresh token, CORS for the app's origin, and RP-initiated logout.
 */
const CONSOLE = 'http://127.0.0.1:40123/console/';
const CALLBACK = `${CONSOLE}auth-callback`;
const ORIGIN = 'http://127.0.0.1:40123';

let peer: OidcPeer;
beforeAll(async () => {
  peer = await startOidcPeer({ consoleUrl: CONSOLE });
});
afterAll(async () => {
  await peer.close();
});

/** A browser's cookie jar for the realm, and requests that never follow redirects on their own. */
class Browser {
  private readonly jar = new Map<string, string>();

  async get(url: string): Promise<Response> {
    return this.keep(await fetch(url, { redirect: 'manual', headers: this.headers() }));
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.keep(
      await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      }),
    );
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  private headers(): Record<string, string> {
    return this.jar.size ? { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  private keep(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (attributes.some((a) => /max-age=0/i.test(a.trim()))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

function pkce() {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return `${peer.issuer}/protocol/openid-connect/auth?${query}`;
}

const consoleRequest = (challenge: string, extra: Record<string, string> = {}) =>
  authorizeUrl({
    client_id: CONSOLE_CLIENT_ID,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile email',
    state: 's-123',
    nonce: 'n-456',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

/** The login form's action URL from the page. */
function formAction(html: string): string {
  return /<form id="kc-form-login" action="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
}

async function signIn(browser: Browser, url: string, username: string, password = username): Promise<URL> {
  const page = await browser.get(url);
  expect(page.status).toBe(200);
  const done = await browser.post(formAction(await page.text()), { username, password, credentialId: '' });
  expect(done.status).toBe(302);
  return new URL(done.headers.get('location')!);
}

async function exchange(form: Record<string, string>, origin = ORIGIN) {
  const res = await fetch(`${peer.issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams(form),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('authorization endpoint', () => {
  it('shows the login form, refuses a wrong password with Keycloak’s message, and redirects back with a code', async () => {
    const browser = new Browser();
    const { challenge } = pkce();
    const page = await browser.get(consoleRequest(challenge));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const html = await page.text();
    expect(html).toContain('<title>Sign in to snap4city</title>');
    expect(html).toMatch(/<input[^>]+id="username"[^>]+name="username"/);
    expect(html).toMatch(/<input[^>]+id="password"[^>]+name="password"[^>]+type="password"/);
    const action = new URL(formAction(html));
    expect(action.pathname).toBe('/auth/realms/snap4city/login-actions/authenticate');
    expect([...action.searchParams.keys()]).toEqual(['session_code', 'execution', 'client_id', 'tab_id', 'client_data']);
    expect(browser.cookie('AUTH_SESSION_ID')).toBeTruthy();

    const wrong = await browser.post(action.href, { username: 'areamanager', password: 'nope' });
    expect(wrong.status).toBe(200);
    const again = await wrong.text();
    expect(again).toContain('<span id="input-error" class="kc-feedback-text" aria-live="polite">Invalid username or password.</span>');
    expect(again).toContain('value="areamanager"');

    const back = await browser.post(formAction(again), { username: 'areamanager', password: 'areamanager' });
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect([...location.searchParams.keys()]).toEqual(['state', 'session_state', 'iss', 'code']);
    expect(location.searchParams.get('state')).toBe('s-123');
    expect(location.searchParams.get('iss')).toBe(peer.issuer);
    expect(browser.cookie('KEYCLOAK_IDENTITY')).toBeTruthy();
    expect(browser.cookie('AUTH_SESSION_ID')).toBeUndefined();
    const setCookie = back.headers.getSetCookie().find((c) => c.startsWith('KEYCLOAK_IDENTITY='))!;
    expect(setCookie).toContain('Path=/auth/realms/snap4city/');
    expect(setCookie).toContain('HttpOnly');
  });

  it('shows an error page, never a redirect, for an unknown client or a redirect URI the client does not have', async () => {
    const { challenge } = pkce();
    const cases: [string, string][] = [
      [authorizeUrl({ redirect_uri: CALLBACK, response_type: 'code' }), 'Missing parameters: client_id'],
      [consoleRequest(challenge, { client_id: 'nobody' }), 'Client not found.'],
      [consoleRequest(challenge, { redirect_uri: 'http://evil.example/console/auth-callback' }), 'Invalid parameter: redirect_uri'],
      [consoleRequest(challenge, { redirect_uri: 'http://127.0.0.1:40123/other/' }), 'Invalid parameter: redirect_uri'],
    ];
    for (const [url, message] of cases) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(`<div id="kc-error-message"><p class="instruction">${message}</p>`);
    }
    // Loopback redirect URIs match whatever the port, as for native apps (RFC 8252 §7.3).
    const loopback = await fetch(consoleRequest(challenge, { redirect_uri: 'http://localhost:40123/console/auth-callback' }), {
      redirect: 'manual',
    });
    expect(loopback.status).toBe(200);
  });

  it('sends request errors back to the redirect URI with error, error_description, state and iss', async () => {
    const { challenge } = pkce();
    const cases: [Record<string, string | undefined>, string, string | undefined][] = [
      [{ response_type: undefined }, 'invalid_request', 'Missing parameter: response_type'],
      [{ response_type: 'code token' }, 'unauthorized_client', expect.stringContaining('Implicit flow is disabled') as unknown as string],
      [{ response_type: 'magic' }, 'unsupported_response_type', undefined],
      [{ scope: 'openid superpowers' }, 'invalid_scope', 'Invalid scopes: openid superpowers'],
      // The console's client requires PKCE with S256.
      [{ code_challenge_method: undefined }, 'invalid_request', 'Missing parameter: code_challenge_method'],
      [
        { code_challenge_method: 'plain' },
        'invalid_request',
        'Invalid parameter: code challenge method is not matching the configured one',
      ],
      [{ code_challenge: undefined }, 'invalid_request', 'Missing parameter: code_challenge'],
      [{ code_challenge: 'short' }, 'invalid_request', 'Invalid parameter: code_challenge'],
    ];
    for (const [override, error, description] of cases) {
      const url = new URL(consoleRequest(challenge));
      for (const [k, v] of Object.entries(override)) {
        if (v === undefined) url.searchParams.delete(k);
        else url.searchParams.set(k, v);
      }
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      if (override.response_type === 'code token') expect(location.hash).toContain('error=unauthorized_client');
      else {
        expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
        expect(Object.fromEntries(location.searchParams)).toEqual({
          error,
          ...(description === undefined ? {} : { error_description: description }),
          state: 's-123',
          iss: peer.issuer,
        });
      }
    }
  });

  it('signs a browser with a live session in at once, and answers prompt=none without one with login_required', async () => {
    const browser = new Browser();
    await signIn(browser, consoleRequest(pkce().challenge), 'manager');
    const sso = await browser.get(consoleRequest(pkce().challenge, { state: 'again' }));
    expect(sso.status).toBe(302);
    expect(new URL(sso.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const silent = await browser.get(consoleRequest(pkce().challenge, { prompt: 'none' }));
    expect(new URL(silent.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    const stranger = await new Browser().get(consoleRequest(pkce().challenge, { prompt: 'none' }));
    expect(Object.fromEntries(new URL(stranger.headers.get('location')!).searchParams)).toEqual({
      error: 'login_required',
      state: 's-123',
      iss: peer.issuer,
    });
    // prompt=login asks again even with a session.
    expect((await browser.get(consoleRequest(pkce().challenge, { prompt: 'login' }))).status).toBe(200);
  });

  it('refuses a form posted without the sign-in cookie', async () => {
    const page = await new Browser().get(consoleRequest(pkce().challenge));
    const res = await fetch(formAction(await page.text()), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=manager&password=manager',
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Cookie not found. Please make sure cookies are enabled in your browser.');
  });
});

describe('code exchange', () => {
  it('exchanges the code once, with the verifier, for tokens the app’s origin may read', async () => {
    const { verifier, challenge } = pkce();
    const back = await signIn(new Browser(), consoleRequest(challenge), 'rootadmin');
    const code = back.searchParams.get('code')!;
    const res = await exchange({
      grant_type: 'authorization_code',
      client_id: CONSOLE_CLIENT_ID,
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'openid profile email',
      session_state: back.searchParams.get('session_state'),
    });
    const jwks = jose.createLocalJWKSet((await (await fetch(`${peer.issuer}/protocol/openid-connect/certs`)).json()) as jose.JSONWebKeySet);
    const access = (await jose.jwtVerify(res.body['access_token'] as string, jwks, { issuer: peer.issuer })).payload;
    expect(access).toMatchObject({
      azp: CONSOLE_CLIENT_ID,
      preferred_username: 'rootadmin',
      roles: ['RootAdmin'],
      'allowed-origins': [ORIGIN, 'http://localhost:40123'],
    });
    const id = (await jose.jwtVerify(res.body['id_token'] as string, jwks, { issuer: peer.issuer, audience: CONSOLE_CLIENT_ID })).payload;
    expect(id).toMatchObject({ typ: 'ID', nonce: 'n-456', azp: CONSOLE_CLIENT_ID, preferred_username: 'rootadmin' });

    const again = await exchange({
      grant_type: 'authorization_code',
      client_id: CONSOLE_CLIENT_ID,
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    expect(again.body).toEqual({ error: 'invalid_grant', error_description: 'Code not valid' });
    // Using a code twice ends the session it came from: its refresh token stops working.
    const refreshed = await exchange({
      grant_type: 'refresh_token',
      client_id: CONSOLE_CLIENT_ID,
      refresh_token: res.body['refresh_token'] as string,
    });
    expect(refreshed.body).toEqual({ error: 'invalid_grant', error_description: 'Session not active' });
  });

  it('answers each broken exchange with Keycloak’s error, CORS headers included', async () => {
    const cases: [(code: string, verifier: string) => Record<string, string>, number, string, string][] = [
      [
        () => ({ grant_type: 'authorization_code', client_id: CONSOLE_CLIENT_ID, redirect_uri: CALLBACK }),
        400,
        'invalid_request',
        'Missing parameter: code',
      ],
      [
        (code) => ({ grant_type: 'authorization_code', client_id: CONSOLE_CLIENT_ID, code, redirect_uri: CALLBACK }),
        400,
        'invalid_grant',
        'PKCE code verifier not specified',
      ],
      [
        (code) => ({
          grant_type: 'authorization_code',
          client_id: CONSOLE_CLIENT_ID,
          code,
          redirect_uri: CALLBACK,
          code_verifier: pkce().verifier,
        }),
        400,
        'invalid_grant',
        'PKCE verification failed: Code mismatch',
      ],
      [
        (code) => ({
          grant_type: 'authorization_code',
          client_id: CONSOLE_CLIENT_ID,
          code,
          redirect_uri: CALLBACK,
          code_verifier: 'too-short',
        }),
        400,
        'invalid_grant',
        'PKCE verification failed: Invalid code verifier',
      ],
      [
        (code, verifier) => ({
          grant_type: 'authorization_code',
          client_id: CONSOLE_CLIENT_ID,
          code,
          redirect_uri: `${CONSOLE}other`,
          code_verifier: verifier,
        }),
        400,
        'invalid_grant',
        'Incorrect redirect_uri',
      ],
      [
        (code, verifier) => ({
          grant_type: 'authorization_code',
          client_id: 'nodered-iotedge',
          code,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }),
        400,
        'invalid_grant',
        'Auth error: Found different client_id in clientSession',
      ],
      [
        (_code, verifier) => ({
          grant_type: 'authorization_code',
          client_id: CONSOLE_CLIENT_ID,
          code: 'forged',
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }),
        400,
        'invalid_grant',
        'Code not valid',
      ],
    ];
    for (const [form, status, error, description] of cases) {
      const { verifier, challenge } = pkce();
      const code = (await signIn(new Browser(), consoleRequest(challenge), 'observer')).searchParams.get('code')!;
      const request = form(code, verifier);
      const res = await exchange(request);
      expect({ status: res.status, body: res.body }).toEqual({ status, body: { error, error_description: description } });
      // The app's origin may read its client's errors; another client (without web origins) gives it nothing.
      expect(res.headers.get('access-control-allow-origin')).toBe(request['client_id'] === CONSOLE_CLIENT_ID ? ORIGIN : null);
    }
  });

  it('does not let another origin read the answer, and answers preflights like Keycloak', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(new Browser(), consoleRequest(challenge), 'observer')).searchParams.get('code')!;
    const res = await exchange(
      { grant_type: 'authorization_code', client_id: CONSOLE_CLIENT_ID, code, redirect_uri: CALLBACK, code_verifier: verifier },
      'http://evil.example',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${peer.issuer}/protocol/openid-connect/token`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(pre.headers.get('access-control-max-age')).toBe('3600');
    const discovery = await fetch(`${peer.issuer}/.well-known/openid-configuration`, { headers: { origin: ORIGIN } });
    expect(discovery.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(((await discovery.json()) as { grant_types_supported: string[] }).grant_types_supported).toContain('authorization_code');
  });

  it('renews silently with the refresh token, as long as the session lives', async () => {
    const { verifier, challenge } = pkce();
    const code = (await signIn(new Browser(), consoleRequest(challenge), 'manager')).searchParams.get('code')!;
    const tokens = await exchange({
      grant_type: 'authorization_code',
      client_id: CONSOLE_CLIENT_ID,
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    const renewed = await exchange({
      grant_type: 'refresh_token',
      client_id: CONSOLE_CLIENT_ID,
      refresh_token: tokens.body['refresh_token'] as string,
    });
    expect(renewed.status).toBe(200);
    expect(renewed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(renewed.body['access_token']).not.toBe(tokens.body['access_token']);
    expect(peer.endSessions('manager')).toBeGreaterThan(0);
    const ended = await exchange({
      grant_type: 'refresh_token',
      client_id: CONSOLE_CLIENT_ID,
      refresh_token: renewed.body['refresh_token'] as string,
    });
    expect(ended.body).toEqual({ error: 'invalid_grant', error_description: 'Session not active' });
    // The console's client has no password grant.
    const password = await exchange({ grant_type: 'password', client_id: CONSOLE_CLIENT_ID, username: 'manager', password: 'manager' });
    expect(password.body).toEqual({ error: 'unauthorized_client', error_description: 'Client not allowed for direct access grants' });
  });
});

describe('logout', () => {
  it('ends the session and returns to the app with an id_token_hint; without one it asks first', async () => {
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const code = (await signIn(browser, consoleRequest(challenge), 'areamanager')).searchParams.get('code')!;
    const tokens = await exchange({
      grant_type: 'authorization_code',
      client_id: CONSOLE_CLIENT_ID,
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    const logout = (params: Record<string, string>) =>
      browser.get(`${peer.issuer}/protocol/openid-connect/logout?${new URLSearchParams(params)}`);

    const unknown = await logout({ id_token_hint: tokens.body['id_token'] as string, post_logout_redirect_uri: 'http://evil.example/' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Invalid redirect uri');
    const hintless = await logout({ post_logout_redirect_uri: CONSOLE });
    expect(await hintless.text()).toContain('Missing parameters: id_token_hint');

    const done = await logout({ id_token_hint: tokens.body['id_token'] as string, post_logout_redirect_uri: CONSOLE, state: 'bye' });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${CONSOLE}?state=bye`);
    expect(browser.cookie('KEYCLOAK_IDENTITY')).toBeUndefined();
    const refreshed = await exchange({
      grant_type: 'refresh_token',
      client_id: CONSOLE_CLIENT_ID,
      refresh_token: tokens.body['refresh_token'] as string,
    });
    expect(refreshed.body).toEqual({ error: 'invalid_grant', error_description: 'Session not active' });
    // The next login shows the form again.
    expect((await browser.get(consoleRequest(pkce().challenge))).status).toBe(200);

    const other = new Browser();
    await signIn(other, consoleRequest(pkce().challenge), 'observer');
    const ask = await other.get(`${peer.issuer}/protocol/openid-connect/logout`);
    const confirm = await ask.text();
    expect(confirm).toContain('Do you want to log out?');
    const sessionCode = /name="session_code" value="([^"]+)"/.exec(confirm)![1]!;
    const confirmed = await other.post(`${peer.issuer}/protocol/openid-connect/logout/logout-confirm`, { session_code: sessionCode });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are logged out');
    expect(other.cookie('KEYCLOAK_IDENTITY')).toBeUndefined();
  });
});
