import * as jose from 'jose';
import { Agent, request } from 'undici';
import { startOidcPeer, type OidcPeer } from './index';
import { startStandalonePeer } from '../standalone';

describe('oidc peer: token, userinfo, introspection and logout endpoints', () => {
  let peer: OidcPeer;
  let tokenUrl: string;
  let userinfoUrl: string;
  let jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  beforeAll(async () => {
    peer = await startOidcPeer();
    tokenUrl = `${peer.issuer}/protocol/openid-connect/token`;
    userinfoUrl = `${peer.issuer}/protocol/openid-connect/userinfo`;
    jwks = jose.createRemoteJWKSet(new URL(`${peer.issuer}/protocol/openid-connect/certs`));
  });
  afterAll(async () => {
    await agent.close();
    await peer.close();
  });

  async function post(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await request(url, {
      method: 'POST',
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      dispatcher: agent,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  }
  const basic = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
  });
  const verify = (token: string) =>
    jose.jwtVerify(token, jwks, { issuer: peer.issuer, audience: 'account', algorithms: ['RS256', 'ES256'] });
  /**
   * A token response with the realm's lifespans as Keycloak writes it (Bearer, scope `profile
   * email`), whose access token verifies and carries `claims`.
   */
  async function expectTokenResponse(body: Record<string, unknown>, refreshExpiresIn: number, claims: Record<string, unknown>) {
    expect(body).toMatchObject({
      expires_in: 300,
      refresh_expires_in: refreshExpiresIn,
      token_type: 'Bearer',
      'not-before-policy': 0,
      scope: 'profile email',
    });
    expect(typeof body['access_token']).toBe('string');
    const { payload } = await verify(body['access_token'] as string);
    expect(payload).toMatchObject(claims);
  }
  const login = (username: string, password = username, extra: Record<string, string> = {}) =>
    post(tokenUrl, { grant_type: 'password', client_id: 'nodered-iotedge', username, password, ...extra });

  it("answers the Node-RED edge password grant with Keycloak's token response", async () => {
    const res = await login('areamanager');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body)).toEqual([
      'access_token',
      'expires_in',
      'refresh_expires_in',
      'refresh_token',
      'token_type',
      'not-before-policy',
      'session_state',
      'scope',
    ]);
    await expectTokenResponse(res.body, 1800, {
      azp: 'nodered-iotedge',
      preferred_username: 'areamanager',
      username: 'areamanager',
      roles: ['AreaManager'],
      session_state: res.body['session_state'],
      typ: 'Bearer',
    });
    const refresh = res.body['refresh_token'] as string;
    expect(jose.decodeProtectedHeader(refresh).alg).toBe('HS512');
    expect(jose.decodeJwt(refresh)).toMatchObject({ typ: 'Refresh', azp: 'nodered-iotedge', aud: peer.issuer });
  });

  it("accepts the token URL with the trailing slash Snap4City's Node-RED nodes append", async () => {
    const res = await post(`${tokenUrl}/`, {
      grant_type: 'password',
      client_id: 'nodered-iotedge',
      username: 'public',
      password: 'public',
    });
    expect(res.status).toBe(200);
    expect((await verify(res.body['access_token'] as string)).payload['roles']).toEqual(['Public']);
  });

  it('adds an id_token for scope=openid and keeps Keycloak quirks: lower-cased usernames, exact passwords', async () => {
    const res = await login('toolAdmin', 'toolAdmin', { scope: 'openid profile' });
    expect(res.status).toBe(200);
    expect(res.body['scope']).toBe('openid profile email');
    const id = await jose.jwtVerify(res.body['id_token'] as string, jwks, {
      issuer: peer.issuer,
      audience: 'nodered-iotedge',
    });
    expect(id.payload).toMatchObject({ typ: 'ID', preferred_username: 'tooladmin', at_hash: expect.any(String) });
    expect((await verify(res.body['access_token'] as string)).payload['preferred_username']).toBe('tooladmin');
    expect((await login('TOOLADMIN', 'toolAdmin')).status).toBe(200);
    expect((await login('tooladmin', 'tooladmin')).status).toBe(401);
  });

  it("reports bad requests with Keycloak's error bodies and status codes", async () => {
    const cases: Array<[Promise<{ status: number; body: Record<string, unknown> }>, number, string, string]> = [
      [login('areamanager', 'wrong'), 401, 'invalid_grant', 'Invalid user credentials'],
      [login('nobody'), 401, 'invalid_grant', 'Invalid user credentials'],
      [post(tokenUrl, { grant_type: 'password', client_id: 'nodered-iotedge' }), 401, 'invalid_request', 'Missing parameter: username'],
      [post(tokenUrl, { grant_type: 'implicit', client_id: 'nodered' }), 400, 'unsupported_grant_type', 'Unsupported grant_type'],
      [post(tokenUrl, { grant_type: 'authorization_code', client_id: 'nodered' }), 400, 'invalid_request', 'Missing parameter: code'],
      [post(tokenUrl, { client_id: 'nodered' }), 400, 'invalid_request', 'Missing form parameter: grant_type'],
      [
        post(tokenUrl, { grant_type: 'password', username: 'observer', password: 'observer' }),
        400,
        'invalid_client',
        'Missing client_id parameter',
      ],
      [
        post(tokenUrl, { grant_type: 'client_credentials', client_id: 'ghost', client_secret: 'x' }),
        401,
        'invalid_client',
        'Invalid client or Invalid client credentials',
      ],
      [
        post(tokenUrl, { grant_type: 'client_credentials' }, basic('cleargate-demo', 'wrong')),
        401,
        'unauthorized_client',
        'Invalid client or Invalid client credentials',
      ],
      [
        post(tokenUrl, { grant_type: 'client_credentials', client_id: 'cleargate-demo' }),
        401,
        'unauthorized_client',
        'Invalid client or Invalid client credentials',
      ],
      [
        post(tokenUrl, { grant_type: 'client_credentials', client_id: 'nodered-iotedge' }),
        401,
        'unauthorized_client',
        'Public client not allowed to retrieve service account',
      ],
      [login('observer', 'observer', { scope: 'openid admin' }), 400, 'invalid_scope', 'Invalid scopes: openid admin'],
      [
        post(`${tokenUrl}`, { grant_type: 'refresh_token', client_id: 'nodered-iotedge' }),
        400,
        'invalid_request',
        'Missing parameter: refresh_token',
      ],
      [
        post(tokenUrl, { grant_type: 'refresh_token', client_id: 'nodered-iotedge', refresh_token: 'garbage' }),
        400,
        'invalid_grant',
        'Invalid refresh token',
      ],
    ];
    for (const [pending, status, error, description] of cases) {
      const res = await pending;
      expect({ status: res.status, body: res.body }).toEqual({
        status,
        body: { error, error_description: description },
      });
    }
    const json = await request(tokenUrl, {
      method: 'POST',
      body: JSON.stringify({
        grant_type: 'password',
        client_id: 'nodered-iotedge',
        username: 'observer',
        password: 'observer',
      }),
      headers: { 'content-type': 'application/json' },
      dispatcher: agent,
    });
    expect(json.statusCode).toBe(400);
    expect(await json.body.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Missing form parameter: grant_type',
    });
    const dup = await request(tokenUrl, {
      method: 'POST',
      body: 'grant_type=password&grant_type=password&client_id=nodered',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      dispatcher: agent,
    });
    expect(dup.statusCode).toBe(400);
    expect(await dup.body.json()).toEqual({ error: 'invalid_request', error_description: 'duplicated parameter' });
  });

  it('issues service-account tokens for client_credentials, with Basic or body credentials', async () => {
    for (const res of [
      await post(tokenUrl, { grant_type: 'client_credentials' }, basic('cleargate-demo', 'cleargate-demo-secret')),
      await post(tokenUrl, {
        grant_type: 'client_credentials',
        client_id: 'cleargate-demo',
        client_secret: 'cleargate-demo-secret',
      }),
    ]) {
      expect(res.status).toBe(200);
      // No refresh token and no session: just these fields.
      expect(Object.keys(res.body).sort()).toEqual([
        'access_token',
        'expires_in',
        'not-before-policy',
        'refresh_expires_in',
        'scope',
        'token_type',
      ]);
      await expectTokenResponse(res.body, 0, {
        azp: 'cleargate-demo',
        client_id: 'cleargate-demo',
        preferred_username: 'service-account-cleargate-demo',
        roles: ['AreaManager'],
      });
    }
  });

  it('refreshes: a new access token for the same session until the session ends', async () => {
    const first = await login('manager');
    const refreshed = await post(tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'nodered-iotedge',
      refresh_token: first.body['refresh_token'] as string,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['session_state']).toBe(first.body['session_state']);
    expect((await verify(refreshed.body['access_token'] as string)).payload['roles']).toEqual(['Manager']);

    const wrongClient = await post(tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'nodered',
      refresh_token: first.body['refresh_token'] as string,
    });
    expect(wrongClient.body).toEqual({
      error: 'invalid_grant',
      error_description: "Invalid refresh token. Token client and authorized client don't match",
    });
    expect(peer.endSessions('manager')).toBeGreaterThan(0);
    const ended = await post(tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'nodered-iotedge',
      refresh_token: refreshed.body['refresh_token'] as string,
    });
    expect({ status: ended.status, body: ended.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Session not active' },
    });
  });

  it('logs a session out with its refresh token', async () => {
    const session = await login('public');
    const out = await post(`${peer.issuer}/protocol/openid-connect/logout`, {
      client_id: 'nodered-iotedge',
      refresh_token: session.body['refresh_token'] as string,
    });
    expect(out.status).toBe(204);
    const after = await post(tokenUrl, {
      grant_type: 'refresh_token',
      client_id: 'nodered-iotedge',
      refresh_token: session.body['refresh_token'] as string,
    });
    expect(after.body['error_description']).toBe('Session not active');
  });

  describe('userinfo', () => {
    const get = async (token?: string) => {
      const res = await request(userinfoUrl, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        dispatcher: agent,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        challenge: res.headers['www-authenticate'],
        text,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      };
    };

    it("returns the user's claims for a valid token, by GET or POST", async () => {
      const token = await peer.mint({ username: 'rootadmin' });
      const res = await get(token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        sub: jose.decodeJwt(token).sub,
        preferred_username: 'rootadmin',
        username: 'rootadmin',
        roles: ['RootAdmin'],
        email: 'rootadmin@snap4city.local',
      });
      const viaForm = await post(userinfoUrl, { access_token: token });
      expect(viaForm.body).toEqual(res.body);
      const both = await post(userinfoUrl, { access_token: token }, { authorization: `Bearer ${token}` });
      expect(both.status).toBe(400);
      expect(both.body['error_description']).toBe('More than one method used for including an access token');
    });

    it('rejects missing, invalid and expired tokens with 401 and a Bearer challenge', async () => {
      const missing = await get();
      expect({ status: missing.status, challenge: missing.challenge, text: missing.text }).toEqual({
        status: 401,
        challenge: 'Bearer realm="snap4city"',
        text: '',
      });
      for (const kind of ['expired', 'bad-signature', 'alg-none', 'hs256', 'unknown-kid', 'wrong-issuer'] as const) {
        const res = await get(await peer.mintBad(kind));
        expect({ kind, status: res.status, body: res.body, challenge: res.challenge }).toEqual({
          kind,
          status: 401,
          body: { error: 'invalid_token', error_description: 'Token verification failed' },
          challenge: 'Bearer realm="snap4city", error="invalid_token", error_description="Token verification failed"',
        });
      }
    });

    it('demands the openid scope and a live session, as Keycloak does', async () => {
      const edge = await login('observer');
      const noOpenid = await get(edge.body['access_token'] as string);
      expect(noOpenid.status).toBe(403);
      expect(noOpenid.body).toEqual({ error: 'insufficient_scope', error_description: 'Missing openid scope' });
      expect(noOpenid.challenge).toContain('error="insufficient_scope"');

      const withOpenid = await login('observer', 'observer', { scope: 'openid' });
      const token = withOpenid.body['access_token'] as string;
      expect((await get(token)).status).toBe(200);
      peer.endSessions('observer');
      const gone = await get(token);
      expect(gone.status).toBe(401);
      expect(gone.body).toEqual({ error: 'invalid_token', error_description: 'user_session_not_found' });
    });
  });

  it('introspects tokens for confidential clients only', async () => {
    const introspectUrl = `${peer.issuer}/protocol/openid-connect/token/introspect`;
    const token = await peer.mint({ username: 'manager' });
    const active = await post(introspectUrl, { token }, basic('cleargate-demo', 'cleargate-demo-secret'));
    expect(active.body).toMatchObject({
      active: true,
      username: 'manager',
      client_id: 'nodered-iotedge',
      token_type: 'Bearer',
    });
    const forged = await post(
      introspectUrl,
      { token: await peer.mintBad('bad-signature') },
      basic('cleargate-demo', 'cleargate-demo-secret'),
    );
    expect(forged.body).toEqual({ active: false });
    const publicClient = await post(introspectUrl, { token, client_id: 'nodered-iotedge' });
    expect({ status: publicClient.status, body: publicClient.body }).toEqual({
      status: 403,
      body: { error: 'invalid_request', error_description: 'Client not allowed.' },
    });
  });

  it('counts calls per route', async () => {
    peer.resetStats();
    await request(`${peer.issuer}/.well-known/openid-configuration`, { dispatcher: agent }).then((r) => r.body.dump());
    await request(`${peer.issuer}/protocol/openid-connect/certs`, { dispatcher: agent }).then((r) => r.body.dump());
    await login('observer');
    await login('observer', 'bad');
    await request(userinfoUrl, { dispatcher: agent }).then((r) => r.body.dump());
    expect(peer.stats()).toEqual({
      discovery: 1,
      certs: 1,
      token: 2,
      userinfo: 1,
      introspect: 0,
      logout: 0,
      grants: { password: 2 },
      authorize: 0,
    });
  });

  it('accepts users and clients added at run time', async () => {
    peer.addUser({
      username: 'Giulia',
      password: 's3cret',
      roles: ['Manager'],
      firstName: 'Giulia',
      lastName: 'Rossi',
    });
    peer.addClient({
      clientId: 'dashboard',
      secret: 'dash-secret',
      serviceAccount: true,
      serviceAccountRoles: ['ToolAdmin'],
    });
    const res = await post(tokenUrl, { grant_type: 'password', username: 'giulia', password: 's3cret' }, basic('dashboard', 'dash-secret'));
    expect(res.status).toBe(200);
    expect((await verify(res.body['access_token'] as string)).payload).toMatchObject({
      name: 'Giulia Rossi',
      roles: ['Manager'],
      azp: 'dashboard',
    });
    peer.addUser({ username: 'giulia', password: 's3cret', roles: ['Manager'], enabled: false });
    const disabled = await post(
      tokenUrl,
      { grant_type: 'password', username: 'giulia', password: 's3cret' },
      basic('dashboard', 'dash-secret'),
    );
    expect({ status: disabled.status, body: disabled.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Account disabled' },
    });
    expect(peer.users.map((u) => u.username)).toEqual(
      expect.arrayContaining(['rootadmin', 'tooladmin', 'areamanager', 'manager', 'observer', 'public', 'giulia']),
    );
  });

  it('runs standalone: prints its issuer as one JSON line and exits cleanly on SIGTERM', async () => {
    const standalone = await startStandalonePeer('oidc', ['--port=0', '--realm', 'demo']);
    try {
      const info = standalone.info as { peer: string; issuer: string };
      expect(info).toMatchObject({
        peer: 'oidc',
        issuer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/demo$/),
      });
      const discovery = await request(`${info.issuer}/.well-known/openid-configuration`, { dispatcher: agent });
      expect(((await discovery.body.json()) as { issuer: string }).issuer).toBe(info.issuer);
      expect(await standalone.stop()).toBe(0);
    } finally {
      standalone.dispose();
    }
  });
});
