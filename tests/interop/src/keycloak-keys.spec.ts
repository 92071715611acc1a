import { waitFor } from '@cleargate/testing';
import { type GatewayStack, ownCalls, startGatewayStack } from './support/gateway-stack';
import { headerOf, KeycloakRealm, USERS } from './support/realm';

// Key rotation through Keycloak's admin REST API while gateways run: a new key provider with a
// higher priority (its key signs every new token at once), then the old provider disabled and
// removed. No gateway is restarted. In a copy of the realm, so that specs running meanwhile never
// hold a token of a key disabled here.
const shared = KeycloakRealm.fromEnv();
let keycloak: Awaited<ReturnType<KeycloakRealm['copy']>>;
let stack: GatewayStack;

const SHORT_MAX_AGE_MS = 3_000;
const SHORT_CACHE_TTL_MS = 1_000;
/** Room for requests on a busy machine; the bound proven is seconds against the default ten minutes. */
const MARGIN_MS = 6_000;

beforeAll(async () => {
  keycloak = await shared.copy(`snap4city-keys-${Date.now().toString(36)}`);
  stack = await startGatewayStack(keycloak, {
    // A long cooldown: the keys fetched at start-up are "fetched shortly before" for the whole
    // spec, the case in which a new key's tokens used to be refused for the cooldown.
    offline: { OIDC_JWKS_COOLDOWN_MS: '600000' },
    short: {
      OIDC_JWKS_COOLDOWN_MS: '600000',
      OIDC_JWKS_MAX_AGE_MS: String(SHORT_MAX_AGE_MS),
      OIDC_CACHE_TTL_MS: String(SHORT_CACHE_TTL_MS),
    },
    userinfo: { OIDC_VERIFICATION: 'userinfo', OIDC_CACHE_TTL_MS: String(SHORT_CACHE_TTL_MS) },
  });
});
afterAll(async () => {
  await stack?.close();
  await keycloak?.remove();
});

const token = async (user: string = USERS.Manager) => (await keycloak.passwordGrant(user, { scope: 'openid' })).access_token;
const statusOn = async (gateway: string, accessToken: string) => (await ownCalls(stack.gateways[gateway]!, accessToken)).status;

describe(`key rotation in Keycloak ${shared.info.version}`, () => {
  it('accepts tokens of the new key at once, right after the gateway fetched the keys, without a restart', async () => {
    const before = await token();
    expect(await statusOn('offline', before)).toBe(200);

    const rotated = await keycloak.rotateKeys();
    const after = await token();
    expect(headerOf(after).kid).toBe(rotated.kid);
    expect(headerOf(after).kid).not.toBe(headerOf(before).kid);
    // at once, on every gateway, also when many callers bring new-key tokens together
    expect(await statusOn('offline', after)).toBe(200);
    const others = await Promise.all([USERS.Manager, USERS.AreaManager, USERS.RootAdmin].map((u) => token(u)));
    const statuses = await Promise.all([...others, ...others, ...others].map((t) => statusOn('short', t)));
    expect(statuses).toEqual(Array(9).fill(200));
    expect(await statusOn('userinfo', after)).toBe(200);
    // the previous key is still enabled in the realm, so its tokens still pass
    expect(await statusOn('offline', before)).toBe(200);
  });

  it(`stops trusting a disabled key: userinfo at once, offline within OIDC_JWKS_MAX_AGE_MS + OIDC_CACHE_TTL_MS`, async () => {
    const old = await token();
    const oldKid = headerOf(old).kid!;
    await keycloak.rotateKeys();
    for (const gateway of ['offline', 'short', 'userinfo']) expect(await statusOn(gateway, old)).toBe(200);

    const provider = (await keycloak.rsaKeys()).find((k) => k.kid === oldKid)!;
    await keycloak.setKeyProviderEnabled(provider.providerId, false);
    const disabledAt = Date.now();
    const published = (await (await fetch(keycloak.endpoint('certs'))).json()) as { keys: Array<{ kid: string }> };
    expect(published.keys.map((k) => k.kid)).not.toContain(oldKid);

    // Keycloak itself refuses the token once the key is disabled; the gateway's cache holds it at most OIDC_CACHE_TTL_MS.
    await waitFor(async () => (await statusOn('userinfo', old)) === 401, { timeoutMs: SHORT_CACHE_TTL_MS + MARGIN_MS, intervalMs: 100 });
    // Offline, the gateway still holds the key until its JWKS is older than OIDC_JWKS_MAX_AGE_MS.
    await waitFor(async () => (await statusOn('short', old)) === 401, {
      timeoutMs: SHORT_MAX_AGE_MS + SHORT_CACHE_TTL_MS + MARGIN_MS,
      intervalMs: 100,
      message: 'the disabled key refused offline',
    });
    expect(Date.now() - disabledAt).toBeLessThan(SHORT_MAX_AGE_MS + SHORT_CACHE_TTL_MS + MARGIN_MS);
    const refused = await ownCalls(stack.gateways.short!, old);
    expect(refused.json).toMatchObject({ error: { code: 'unauthenticated', message: 'the access token signature is invalid' } });
    // With the default maximum age (10 minutes) the key is still trusted: the window the README states.
    expect(await statusOn('offline', old)).toBe(200);

    // Removing the disabled provider changes nothing for the tokens of the active key.
    await keycloak.removeKeyProvider(provider.providerId);
    const fresh = await token();
    for (const gateway of ['offline', 'short', 'userinfo']) expect(await statusOn(gateway, fresh)).toBe(200);
  });

  it('refuses a token signed by a key the realm never had, however many arrive, and keeps serving real ones', async () => {
    const real = await token();
    const [header, payload] = real.split('.');
    const forged = (i: number) => {
      const h = JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>;
      return `${Buffer.from(JSON.stringify({ ...h, kid: `made-up-${i}` })).toString('base64url')}.${payload}.${'A'.repeat(342)}`;
    };
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => statusOn('offline', forged(i))));
    expect(statuses).toEqual(Array(30).fill(401));
    expect(await statusOn('offline', real)).toBe(200);
  });
});
