import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { TokenSource } from '../api/client';
import { CONSOLE_BASE, type RuntimeConfig } from '../config';

/** The route the realm sends the browser back to with the code (react-admin's auth callback page). */
export const CALLBACK_PATH = '/auth-callback';

/**
 * The realm's public client, Authorization Code + PKCE (S256). Tokens stay in this tab's
 * sessionStorage. Before the access token expires it is renewed with the refresh token
 * (`automaticSilentRenew`), which is how Keycloak's public clients keep a session without a page
 * reload; when the realm's session is over, the next API call leads back to the login.
 */
export function createUserManager(config: RuntimeConfig, origin = window.location.origin): UserManager {
  return new UserManager({
    authority: config.oidc.issuer,
    client_id: config.oidc.client_id,
    redirect_uri: `${origin}${CONSOLE_BASE}${CALLBACK_PATH}`,
    post_logout_redirect_uri: `${origin}${CONSOLE_BASE}/login?signed_out=1`,
    response_type: 'code',
    scope: config.oidc.scope,
    automaticSilentRenew: true,
    loadUserInfo: false,
    monitorSession: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** The subset of oidc-client-ts's UserManager the console uses (so that tests can stand in for the realm). */
export type Users = Pick<
  UserManager,
  'getUser' | 'removeUser' | 'signinRedirect' | 'signinRedirectCallback' | 'signinSilent' | 'signoutRedirect'
>;

/** The API's bearer token, renewed silently when the API refuses it. */
export function tokenSource(users: Users): TokenSource {
  let renewing: Promise<string | undefined> | undefined;
  return {
    async accessToken() {
      const user = await users.getUser();
      return user && !user.expired ? user.access_token : undefined;
    },
    renew() {
      // Concurrent 401s share one renewal. Only with a refresh token: without one there is no
      // session to renew (oidc-client-ts would try a hidden frame, which the page's CSP forbids).
      renewing ??= users
        .getUser()
        .then((current) => (current?.refresh_token ? users.signinSilent() : null))
        .then(
          (user) => user?.access_token,
          () => undefined,
        )
        .finally(() => (renewing = undefined));
      return renewing;
    },
  };
}
