import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { api, ROOT, waitFor } from '@cleargate/testing';
import { consoleContext, launchChromium, signIn } from '@cleargate/testing/browser';
import { type GatewayStack, startGatewayStack } from './support/gateway-stack';
import { claimsOf, CONSOLE_CLIENT, KeycloakRealm, USERS } from './support/realm';

// The admin console (apps/console, served by the auth-gateway) in Debian's Chromium, signing in
// with the real Keycloak: the gateway trusts the realm and hands the console its issuer and the
// public client `cleargate-console`; the user signs in on Keycloak's own login page
// (Authorization Code + PKCE), lands on the dashboard with their name and role, the token is
// renewed silently with Keycloak's refresh token, and logging out ends the session at Keycloak.
//
// In a copy of the realm whose console client is registered as apps/console/README.md tells an
// installation to: redirect URIs `<gateway>/console/*`, post-logout redirect URIs and web origins
// `+`. (Keycloak's web origins take exact origins or `*` only, and `+` leaves out redirect URIs
// with a wildcard, so the realm file's loopback-wildcard registration would let the browser reach
// the login page but not read the token endpoint's answers.)
const shared = KeycloakRealm.fromEnv();
const USER = USERS.AreaManager;
let keycloak: Awaited<ReturnType<KeycloakRealm['copy']>>;
let stack: GatewayStack;
let browser: Browser;
let page: Page;
let errors: string[];
let consoleUrl: string;

beforeAll(async () => {
  const started = Promise.all([launchChromium(), shared.copy(`snap4city-console-${Date.now().toString(36)}`)]);
  [browser, keycloak] = await started;
  stack = await startGatewayStack(keycloak, { console: {} });
  consoleUrl = `${stack.gateways.console!.url}/console/`;
  await keycloak.updateClient(CONSOLE_CLIENT, (client) => ({
    redirectUris: [`${consoleUrl}*`],
    webOrigins: ['+'],
    attributes: { ...client.attributes, 'post.logout.redirect.uris': '+' },
  }));
  // The browser's clock is a fake one that runs on its own: fast-forwarding it brings the renewal on.
  ({ page, errors } = await consoleContext(browser, consoleUrl, { clock: true }));
}, 120_000);

afterEach(async () => {
  // What the page showed at the end of a test, under tmp/interop/ (to see what a failing step saw).
  const name = (expect.getState().currentTestName ?? 'test').replace(/[^\w]+/g, '-').slice(0, 80);
  mkdirSync(join(ROOT, 'tmp', 'interop'), { recursive: true });
  if (page && !page.isClosed()) await page.screenshot({ path: join(ROOT, 'tmp', 'interop', `${name}.png`) }).catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await keycloak?.remove();
});

interface StoredUser {
  access_token: string;
  refresh_token: string;
  id_token: string;
}

/** The console's signed-in user, as oidc-client-ts keeps it in the tab's sessionStorage. */
async function storedUser(): Promise<StoredUser | null> {
  const raw = (await page.evaluate(
    `Object.keys(sessionStorage).filter((k) => k.startsWith('oidc.user:')).map((k) => sessionStorage.getItem(k))[0] ?? null`,
  )) as string | null;
  return raw ? (JSON.parse(raw) as StoredUser) : null;
}

const formOf = (request: Request) => new URLSearchParams(request.postData() ?? '');

describe(`the admin console with Keycloak ${shared.info.version}`, () => {
  it('is configured with the realm as its issuer and the public client cleargate-console', async () => {
    const config = await api(stack.gateways.console!.url, '/console/config.json');
    expect(config.json.oidc).toEqual({ issuer: keycloak.issuer, client_id: CONSOLE_CLIENT, scope: expect.stringMatching(/\bopenid\b/) });
  });

  it('signs in on Keycloak’s login page (PKCE) and lands on the dashboard with the user’s name and role', async () => {
    await page.goto(consoleUrl);
    await page.waitForSelector('#kc-form-login', { timeout: 20_000 });
    const authorize = new URL(page.url());
    expect(`${authorize.origin}${authorize.pathname}`).toBe(keycloak.endpoint('auth'));
    expect(authorize.searchParams.get('client_id')).toBe(CONSOLE_CLIENT);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${consoleUrl}auth-callback`);

    const exchanged = page.waitForResponse(
      (r) => r.url() === keycloak.endpoint('token') && formOf(r.request()).get('grant_type') === 'authorization_code',
    );
    await signIn(page, consoleUrl, USER);
    expect((await exchanged).status()).toBe(200);
    await page.getByRole('heading', { name: 'Dashboard' }).first().waitFor();
    // The app bar: the user's name (from Keycloak's ID token) on the user menu, the role (as the gateway sees the token) beside it.
    const bar = page.locator('header');
    await bar.getByRole('button', { name: 'AreaManager User' }).waitFor();
    await bar.getByText('AreaManager', { exact: true }).waitFor();
    const user = await storedUser();
    expect(claimsOf(user!.access_token)).toMatchObject({ azp: CONSOLE_CLIENT, preferred_username: USER, roles: ['AreaManager'] });
  });

  it('renews the token silently with Keycloak’s refresh token, and the API takes the new one', async () => {
    const before = (await storedUser())!;
    const lifespan = (claimsOf(before.access_token).exp as number) - (claimsOf(before.access_token).iat as number);
    // oidc-client-ts renews the token a minute before it expires, in the browser's time: half a minute before is past that.
    const renewed = page.waitForResponse(
      (r) => r.url() === keycloak.endpoint('token') && formOf(r.request()).get('grant_type') === 'refresh_token',
    );
    await page.clock.fastForward((lifespan - 30) * 1000);
    const response = await renewed;
    expect(response.status()).toBe(200);
    expect(formOf(response.request()).get('client_id')).toBe(CONSOLE_CLIENT);
    // oidc-client-ts stores the renewed user once it has read the answer.
    const after = await waitFor(async () => {
      const user = await storedUser();
      return user && user.access_token !== before.access_token ? user : null;
    });
    expect(claimsOf(after.access_token).sid).toBe(claimsOf(before.access_token).sid);
    // No new login: the user is still on the dashboard.
    expect(page.url()).toBe(consoleUrl.replace(/\/$/, ''));

    // The next API call carries the renewed token, and the gateway accepts it.
    const call = page.waitForRequest((r) => r.url().includes('/v1/') && r.headers().authorization === `Bearer ${after.access_token}`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    expect((await (await call).response())!.status()).toBe(200);
    await page.getByRole('heading', { name: 'Dashboard' }).first().waitFor();
  });

  it('logs out at Keycloak: the realm’s session ends and the next visit asks for the password again', async () => {
    const user = (await storedUser())!;
    const logout = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${keycloak.endpoint('logout')}?`));
    await page.getByRole('button', { name: 'AreaManager User' }).click();
    // The user menu names who is signed in: user name and role.
    await page.getByText(`${USER} · AreaManager`).waitFor();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    const ended = new URL((await logout).url());
    expect(ended.searchParams.get('id_token_hint')).toBe(user.id_token);
    expect(ended.searchParams.get('post_logout_redirect_uri')).toBe(`${consoleUrl}login?signed_out=1`);
    await page.waitForURL(`${consoleUrl}login?signed_out=1`);
    await page.getByText('You have signed out.').waitFor();
    expect(await storedUser()).toBeNull();

    // Keycloak ended the session: its refresh token is refused, and signing in needs the password again.
    await expect(keycloak.refresh(user.refresh_token, CONSOLE_CLIENT)).rejects.toThrow(/answered 400: invalid_grant/);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#kc-form-login', { timeout: 20_000 });
    expect(errors).toEqual([]);
  });
});
