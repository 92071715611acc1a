import { freePort } from '@cleargate/testing';
import { claimsOf, CONSOLE_CLIENT, KeycloakRealm, NODERED_CLIENT, USERS } from './support/realm';

// The realm file (tests/interop/keycloak/snap4city-realm.json) against the real Keycloak: the
// claims Snap4City's services read, and the two kinds of client ClearGate's users log in with.
const keycloak = KeycloakRealm.fromEnv();

describe(`Keycloak ${keycloak.info.version}: the Snap4City realm`, () => {
  it('publishes its endpoints under /auth/realms/<realm>, as Snap4City’s Keycloak does', async () => {
    const discovery = (await (await fetch(`${keycloak.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const oidc = `${keycloak.issuer}/protocol/openid-connect`;
    expect(keycloak.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/snap4city$/);
    expect(discovery).toMatchObject({
      issuer: keycloak.issuer,
      token_endpoint: `${oidc}/token`,
      userinfo_endpoint: `${oidc}/userinfo`,
      jwks_uri: `${oidc}/certs`,
      end_session_endpoint: `${oidc}/logout`,
      code_challenge_methods_supported: expect.arrayContaining(['S256']),
    });
  });

  it.each(Object.entries(USERS))(
    'gives %s’s user (%s) the role in the top-level `roles` claim, with the user names',
    async (role, user) => {
      const tokens = await keycloak.passwordGrant(user);
      const claims = claimsOf(tokens.access_token);
      expect(claims).toMatchObject({
        iss: keycloak.issuer,
        azp: NODERED_CLIENT,
        typ: 'Bearer',
        preferred_username: user,
        username: user,
        sub: expect.any(String),
        roles: expect.arrayContaining([role]),
        realm_access: { roles: expect.arrayContaining([role]) },
      });
      // exactly one Snap4City role each
      expect((claims.roles as string[]).filter((r) => Object.keys(USERS).includes(r))).toEqual([role]);
    },
  );

  it('lets the Node-RED client use the password grant (no secret) and refresh, but not the browser login', async () => {
    const tokens = await keycloak.passwordGrant(USERS.Manager);
    expect(tokens).toMatchObject({ refresh_token: expect.any(String), expires_in: 300 });
    const refreshed = await keycloak.refresh(tokens.refresh_token!);
    expect(claimsOf(refreshed.access_token)).toMatchObject({
      preferred_username: USERS.Manager,
      roles: expect.arrayContaining(['Manager']),
    });
    await expect(keycloak.passwordGrant(USERS.Manager, { password: 'wrong' })).rejects.toThrow(/invalid_grant Invalid user credentials/);
    const redirect = `http://127.0.0.1:${await freePort()}/cb`;
    await expect(keycloak.pkceLogin({ username: USERS.Manager, redirectUri: redirect, clientId: NODERED_CLIENT })).rejects.toThrow();
  });

  it('logs a user in to the console client with PKCE S256, on any loopback port', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const redirectUri = `http://${host}:${await freePort()}/console/callback`;
      const tokens = await keycloak.pkceLogin({ username: USERS.AreaManager, redirectUri });
      expect(claimsOf(tokens.access_token)).toMatchObject({
        azp: CONSOLE_CLIENT,
        preferred_username: USERS.AreaManager,
        roles: expect.arrayContaining(['AreaManager']),
        scope: expect.stringContaining('openid'),
      });
      expect(claimsOf(tokens.id_token!)).toMatchObject({ aud: CONSOLE_CLIENT, preferred_username: USERS.AreaManager });
    }
  });

  it('refuses the console client without PKCE, with a redirect URI off the loopback, and the password grant', async () => {
    const redirectUri = `http://127.0.0.1:${await freePort()}/console/callback`;
    const auth = (params: Record<string, string>) =>
      fetch(
        `${keycloak.endpoint('auth')}?${new URLSearchParams({ client_id: CONSOLE_CLIENT, response_type: 'code', scope: 'openid', state: 's', ...params })}`,
        {
          redirect: 'manual',
        },
      );
    // no code_challenge: Keycloak sends the browser back with the error
    const missing = await auth({ redirect_uri: redirectUri });
    expect(missing.status).toBe(302);
    const back = new URL(missing.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    // plain is not S256
    const plain = await auth({ redirect_uri: redirectUri, code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    // a redirect URI elsewhere is never redirected to
    const elsewhere = await auth({
      redirect_uri: 'https://evil.example/cb',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('Invalid parameter: redirect_uri');
    await expect(keycloak.passwordGrant(USERS.AreaManager, { clientId: CONSOLE_CLIENT })).rejects.toThrow(/unauthorized_client/);
  });

  it('refuses a wrong password on the login page and a wrong code verifier', async () => {
    const redirectUri = `http://127.0.0.1:${await freePort()}/console/callback`;
    await expect(keycloak.pkceLogin({ username: USERS.Observer, password: 'wrong', redirectUri })).rejects.toThrow(
      /Invalid username or password/,
    );
    await expect(keycloak.pkceLogin({ username: USERS.Observer, redirectUri, wrongVerifier: 'v'.repeat(43) })).rejects.toThrow(
      /400: invalid_grant PKCE verification failed/,
    );
  });
});
