import { type GatewayStack, listMachines, startGatewayStack } from './support/gateway-stack';
import { claimsOf, KeycloakRealm, USERS } from './support/realm';

// Keycloak 25+ "lightweight" access tokens (the client setting "Always use lightweight access
// token", on for admin-cli): no sub, no preferred_username, no roles. Keycloak's userinfo
// endpoint refuses them and its introspection answers only clients in the token's audience, so
// the gateway refuses them with a message naming the realm setting, and accepts the client's
// tokens once the setting is off. In a copy of the realm, as the spec changes a client.
const shared = KeycloakRealm.fromEnv();
const LIGHTWEIGHT = 'client.use.lightweight.access.token.enabled';
let keycloak: Awaited<ReturnType<KeycloakRealm['copy']>>;
let stack: GatewayStack;

beforeAll(async () => {
  keycloak = await shared.copy(`snap4city-lightweight-${Date.now().toString(36)}`);
  stack = await startGatewayStack(keycloak, { offline: {}, userinfo: { OIDC_VERIFICATION: 'userinfo' } });
});
afterAll(async () => {
  await stack?.close();
  await keycloak?.remove();
});

describe(`lightweight access tokens of Keycloak ${shared.info.version}`, () => {
  it.each(['offline', 'userinfo'])('refuses one in %s mode naming the client and the setting to switch off', async (mode) => {
    const { access_token } = await keycloak.passwordGrant(USERS.AreaManager, { clientId: 'admin-cli', scope: 'openid' });
    const claims = claimsOf(access_token);
    expect(claims).toMatchObject({ azp: 'admin-cli', iss: keycloak.issuer });
    expect(claims.iss).toMatch(/\/auth\/realms\/snap4city-lightweight-/);
    for (const absent of ['sub', 'preferred_username', 'roles', 'realm_access']) expect(claims).not.toHaveProperty(absent);

    expect(await listMachines(stack.gateways[mode]!, access_token)).toEqual({
      status: 401,
      json: {
        error: {
          code: 'unauthenticated',
          message:
            'the access token names no user: it is a lightweight access token of client "admin-cli"; switch off "Always use ' +
            'lightweight access token" for that client in the realm (Clients → admin-cli → Advanced → Advanced settings)',
          details: { reason: 'no_identity' },
        },
        request_id: expect.any(String),
      },
    });
  });

  it('accepts the same client’s tokens, with the user’s roles, once the setting is switched off', async () => {
    await keycloak.setClientAttribute('admin-cli', LIGHTWEIGHT, 'false');
    const { access_token } = await keycloak.passwordGrant(USERS.AreaManager, { clientId: 'admin-cli', scope: 'openid' });
    expect(claimsOf(access_token)).toMatchObject({ preferred_username: USERS.AreaManager, roles: expect.arrayContaining(['AreaManager']) });
    expect((await listMachines(stack.gateways.offline!, access_token)).status).toBe(200);
    expect((await listMachines(stack.gateways.userinfo!, access_token)).status).toBe(200);
    const observer = await keycloak.passwordGrant(USERS.Observer, { clientId: 'admin-cli', scope: 'openid' });
    expect((await listMachines(stack.gateways.offline!, observer.access_token)).status).toBe(403);
  });
});
