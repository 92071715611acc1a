import { join } from 'node:path';
import { OidcPeer, startOidcPeer } from '@cleargate/peers';
import { freePort } from '@cleargate/testing';
import { PACKAGE_DIR } from '@cleargate/testing/node-red';

/**
 * The package's token module on its own, as anything with a token URL and a client id can drive
 * it (the Node-RED config node does; so can a test against a real Keycloak), against the OIDC
 * peer's token endpoint over HTTP. Its clock is injected so renewal times are exact.
 */

interface TokenSource {
  getToken(): Promise<string>;
  invalidate(token: string): void;
  stats(): { logins: number; refreshes: number; refreshFailures: number; invalidations: number };
}
interface TokenModule {
  TokenSource: new (options: Record<string, unknown>) => TokenSource;
  TokenError: new (...args: unknown[]) => Error;
  keycloakTokenUrl(keycloakUrl: string, realm: string): string;
  realmTokenUrl(config: Record<string, string>): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TokenSource, TokenError, keycloakTokenUrl, realmTokenUrl } = require(join(PACKAGE_DIR, 'lib', 'token-source.js')) as TokenModule;

const TTL_SEC = 300;
let oidc: OidcPeer;
let tokenUrl: string;
let now: number;
const clock = () => now;

beforeAll(async () => {
  oidc = await startOidcPeer({ accessTokenTtlSec: TTL_SEC });
  oidc.addUser({ username: 'edge', password: 'edge-Pa55', roles: ['Manager'] });
  tokenUrl = keycloakTokenUrl(`${oidc.url}/auth/`, oidc.realmName);
});
afterAll(() => oidc.close());
beforeEach(() => {
  now = Date.now();
  oidc.resetStats();
});

const passwordSource = (extra: Record<string, unknown> = {}) =>
  new TokenSource({ tokenUrl, clientId: 'nodered-iotedge', username: 'edge', password: 'edge-Pa55', now: clock, ...extra });

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

async function userinfo(token: string): Promise<number> {
  return (await fetch(`${oidc.issuer}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('TokenSource', () => {
  it('builds Keycloak’s token URL from its URL and realm, and logs in with the password grant and the openid scope', async () => {
    expect(tokenUrl).toBe(`${oidc.issuer}/protocol/openid-connect/token`);
    const token = await passwordSource().getToken();
    expect(claims(token)).toMatchObject({ preferred_username: 'edge', azp: 'nodered-iotedge', roles: ['Manager'] });
    expect(String(claims(token).scope).split(' ')).toContain('openid');
    expect(await userinfo(token)).toBe(200);
  });

  it('keeps one token until a quarter of its lifetime (at most 30 s) before expiry, then renews it with the refresh token', async () => {
    const source = passwordSource();
    const first = await source.getToken();
    now += (TTL_SEC - 31) * 1000;
    expect(await source.getToken()).toBe(first);
    expect(oidc.stats().token).toBe(1);
    now += 2000;
    const second = await source.getToken();
    expect(second).not.toBe(first);
    expect(source.stats()).toEqual({ logins: 1, refreshes: 1, refreshFailures: 0, invalidations: 0 });
    expect(claims(second).sid).toBe(claims(first).sid); // same session: a refresh, not a new login

    const short = new TokenSource({
      tokenUrl,
      clientId: 'cleargate-demo',
      clientSecret: 'cleargate-demo-secret',
      grant: 'client_credentials',
      now: clock,
      refreshMarginMs: 100_000,
    });
    const service = await short.getToken();
    now += TTL_SEC * 750 - 1000;
    expect(await short.getToken()).toBe(service);
    now += 2000;
    expect(await short.getToken()).not.toBe(service);
    // client credentials have no refresh token: renewing is a new login
    expect(short.stats()).toEqual({ logins: 2, refreshes: 0, refreshFailures: 0, invalidations: 0 });
  });

  it('makes one request for every caller that needs a token meanwhile', async () => {
    const source = passwordSource();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(oidc.stats().token).toBe(1);
    now += TTL_SEC * 1000;
    const renewed = await Promise.all(Array.from({ length: 20 }, () => source.getToken()));
    expect(new Set(renewed).size).toBe(1);
    expect(oidc.stats().token).toBe(2);
  });

  it('logs in again when the realm refuses the refresh token (session ended)', async () => {
    const source = passwordSource();
    const first = await source.getToken();
    oidc.endSessions('edge');
    source.invalidate(first);
    const second = await source.getToken();
    expect(claims(second).sid).not.toBe(claims(first).sid);
    expect(await userinfo(second)).toBe(200);
    expect(source.stats()).toEqual({ logins: 2, refreshes: 0, refreshFailures: 1, invalidations: 1 });
    // a late 401 for the old token does not throw away the new one
    source.invalidate(first);
    expect(await source.getToken()).toBe(second);
    expect(source.stats().invalidations).toBe(1);
  });

  it('names the realm’s reason for a refused login and never a secret', async () => {
    const source = passwordSource({ password: 'not-the-Pa55' });
    const err = await source.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect(err).toMatchObject({
      message: 'the token endpoint refused the login: invalid_grant (Invalid user credentials)',
      status: 401,
      error: 'invalid_grant',
    });
    const client = new TokenSource({ tokenUrl, clientId: 'cleargate-demo', clientSecret: 'wrong-secret', grant: 'client_credentials' });
    const refused = (await client.getToken().catch((e: Error) => e)) as Error;
    expect(refused.message).toBe(
      'the token endpoint refused the login: unauthorized_client (Invalid client or Invalid client credentials)',
    );
    expect(JSON.stringify([err, refused, String(err), String(refused)])).not.toMatch(/not-the-Pa55|wrong-secret/);
    // nor does printing the source show its secrets
    expect(JSON.stringify(source)).not.toContain('not-the-Pa55');
  });

  it('keeps using a token that has not expired while the realm is unreachable, and says so once it has', async () => {
    const source = passwordSource();
    const token = await source.getToken();
    await oidc.stop();
    try {
      now += (TTL_SEC - 10) * 1000; // due for renewal, still valid
      expect(await source.getToken()).toBe(token);
      now += 20_000; // expired
      await expect(source.getToken()).rejects.toThrow(
        new RegExp(
          `^the token endpoint ${oidc.url.replace(/[.[\]]/g, '\\$&')}/auth/realms/snap4city/protocol/openid-connect/token could not be reached \\(ECONNREFUSED\\)$`,
        ),
      );
    } finally {
      await oidc.start();
    }
    expect(await source.getToken()).not.toBe(token);
  });

  it('finds the token endpoint from a token URL, Keycloak’s URL and a realm, or a realm’s issuer URL', () => {
    const endpoint = `${oidc.issuer}/protocol/openid-connect/token`;
    expect(realmTokenUrl({ tokenUrl: ` ${endpoint} `, keycloakUrl: 'https://ignored', realm: 'ignored' })).toBe(endpoint);
    expect(realmTokenUrl({ tokenUrl: '', keycloakUrl: `${oidc.url}/auth`, realm: oidc.realmName })).toBe(endpoint);
    expect(realmTokenUrl({ tokenUrl: '', keycloakUrl: `${oidc.issuer}/`, realm: '' })).toBe(endpoint);
    expect(keycloakTokenUrl('https://kc.example.org/auth', 'two words')).toBe(
      'https://kc.example.org/auth/realms/two%20words/protocol/openid-connect/token',
    );
    expect(() => realmTokenUrl({ tokenUrl: '', keycloakUrl: `${oidc.url}/auth`, realm: '' })).toThrow(
      'set the token URL, or the Keycloak URL and the realm',
    );
  });

  it('refuses an unusable configuration with a message naming the field', async () => {
    const make = (options: Record<string, unknown>) => () =>
      new TokenSource({ tokenUrl, clientId: 'c', username: 'u', password: 'p', ...options });
    expect(make({ tokenUrl: 'ftp://realm/token' })).toThrow('the token URL must be an http or https URL');
    expect(make({ tokenUrl: 'https://user:secret@realm/token' })).toThrow('the token URL must not hold credentials');
    expect(make({ tokenUrl: 'realm/token' })).toThrow('the token URL is not a URL');
    expect(make({ clientId: '' })).toThrow('the client id is missing');
    expect(make({ password: '' })).toThrow('the password is missing');
    expect(make({ grant: 'client_credentials' })).toThrow('the client secret is missing');
    expect(make({ grant: 'implicit' })).toThrow('unknown grant "implicit"');
    const unreachable = new TokenSource({
      tokenUrl: `http://127.0.0.1:${await freePort()}/token`,
      clientId: 'c',
      username: 'u',
      password: 'p',
      timeoutMs: 2000,
    });
    await expect(unreachable.getToken()).rejects.toThrow(/could not be reached \(ECONNREFUSED\)$/);
  });
});
