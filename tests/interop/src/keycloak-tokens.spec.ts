import { api, waitFor } from '@cleargate/testing';
import { type GatewayStack, listMachines, othersCalls, ownCalls, startGatewayStack } from './support/gateway-stack';
import { KeycloakRealm, USERS } from './support/realm';

// ClearGate's auth-gateway (as a process, with the registry behind it) trusting a real Keycloak:
// tokens of the password grant in offline (JWKS) and userinfo mode, Snap4City's roles, the
// configured caller role, and logout.
const keycloak = KeycloakRealm.fromEnv();
let stack: GatewayStack;

beforeAll(async () => {
  stack = await startGatewayStack(keycloak, {
    offline: { ROLE_CALLER: 'Manager' },
    userinfo: { OIDC_VERIFICATION: 'userinfo', ROLE_CALLER: 'Manager', OIDC_CACHE_TTL_MS: '1000' },
  });
});
afterAll(async () => {
  await stack?.close();
});

const ROLE_ORDER = ['RootAdmin', 'ToolAdmin', 'AreaManager', 'Manager', 'Observer', 'Public'] as const;

describe(`auth-gateway with Keycloak ${keycloak.info.version}`, () => {
  it.each(['offline', 'userinfo'])(
    'accepts password-grant tokens in %s mode and applies each Snap4City role (ROLE_CALLER=Manager)',
    async (mode) => {
      const gateway = stack.gateways[mode]!;
      const seen: Record<string, { registrar: number; caller: number; admin: number }> = {};
      for (const role of ROLE_ORDER) {
        const { access_token } = await keycloak.passwordGrant(USERS[role], { scope: 'openid' });
        seen[role] = {
          registrar: (await listMachines(gateway, access_token)).status,
          caller: (await ownCalls(gateway, access_token)).status,
          admin: (await othersCalls(gateway, access_token)).status,
        };
      }
      expect(seen).toEqual({
        RootAdmin: { registrar: 200, caller: 200, admin: 200 },
        ToolAdmin: { registrar: 200, caller: 200, admin: 403 },
        AreaManager: { registrar: 200, caller: 200, admin: 403 },
        Manager: { registrar: 403, caller: 200, admin: 403 },
        Observer: { registrar: 403, caller: 403, admin: 403 },
        Public: { registrar: 403, caller: 403, admin: 403 },
      });
    },
  );

  it.each(['offline', 'userinfo'])('answers a user below the caller role with 403 and the role it needs (%s)', async (mode) => {
    const { access_token } = await keycloak.passwordGrant(USERS.Observer, { scope: 'openid' });
    expect(await ownCalls(stack.gateways[mode]!, access_token)).toEqual({
      status: 403,
      json: { error: { code: 'forbidden', message: 'this operation needs the Manager role or higher' }, request_id: expect.any(String) },
    });
  });

  it.each(['offline', 'userinfo'])(
    'takes the user name from the token: a machine registered in %s mode is owned by its user',
    async (mode) => {
      const { access_token } = await keycloak.passwordGrant(USERS.AreaManager, { scope: 'openid' });
      const created = await api(stack.gateways[mode]!.url, '/v1/machines', {
        token: access_token,
        body: { name: `gpu-${mode}`, base_url: 'http://127.0.0.1:9/serve', protocol: 'clearml-serving' },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        name: `gpu-${mode}`,
        owner: USERS.AreaManager,
        machine_id: expect.stringMatching(/^[a-f0-9]{64}$/),
      });
    },
  );

  it('accepts a token asked for without the openid scope (as the Node-RED blocks ask) offline; userinfo mode names the missing scope', async () => {
    const { access_token } = await keycloak.passwordGrant(USERS.Manager);
    expect((await ownCalls(stack.gateways.offline!, access_token)).status).toBe(200);
    expect(await ownCalls(stack.gateways.userinfo!, access_token)).toMatchObject({
      status: 401,
      json: {
        error: { code: 'unauthenticated', message: expect.stringContaining('lacks the openid scope'), details: { reason: 'scope' } },
      },
    });
  });

  it('refuses the token of a logged-out session in userinfo mode (after at most OIDC_CACHE_TTL_MS)', async () => {
    const tokens = await keycloak.passwordGrant(USERS.Manager, { scope: 'openid' });
    expect((await ownCalls(stack.gateways.userinfo!, tokens.access_token)).status).toBe(200);
    await keycloak.logout(tokens.refresh_token!);
    const refused = await waitFor(
      async () => {
        const res = await ownCalls(stack.gateways.userinfo!, tokens.access_token);
        return res.status === 401 ? res : null;
      },
      { timeoutMs: 5_000, intervalMs: 200, message: 'the logged-out token refused' },
    );
    expect(refused.json).toMatchObject({
      error: { code: 'unauthenticated', message: 'the access token is not active', details: { reason: 'inactive' } },
    });
    // Offline verification cannot know of the logout: the signed token stays valid until it expires.
    expect((await ownCalls(stack.gateways.offline!, tokens.access_token)).status).toBe(200);
    // A new login works again at once.
    const again = await keycloak.passwordGrant(USERS.Manager, { scope: 'openid' });
    expect((await ownCalls(stack.gateways.userinfo!, again.access_token)).status).toBe(200);
  });
});
