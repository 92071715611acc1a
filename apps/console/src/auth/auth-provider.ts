import type { AuthProvider, UserIdentity } from 'react-admin';
import type { Me } from '../api/types';
import { draftStore, type DraftStore } from './drafts';
import type { Users } from './oidc';

/** What each screen needs: the resources and actions a role may use (the API refuses them anyway). */
export type Permissions = Me;

/** Only a path of the console itself (never another site) may follow a login. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}

const REGISTRY = new Set(['machines', 'endpoints', 'tasks']);

/**
 * The role rules of the gateway, for hiding what a role may not do: registrars (and above)
 * manage machines, endpoints and tasks and may change their own (administrators: anyone's);
 * callers start runs and call endpoints; everyone reads their own logs, runs and usage;
 * administrators alone set limits, suspend users and read the audit log.
 */
export function mayAccess(me: Me, action: string, resource: string, record?: { owner?: unknown }): boolean {
  if (REGISTRY.has(resource)) {
    if (!me.can.register) return false;
    if ((action === 'edit' || action === 'delete') && record && record.owner !== undefined) {
      return me.can.administer || record.owner === me.username;
    }
    return true;
  }
  if (resource === 'runs') return action === 'create' ? me.can.call : true;
  if (resource === 'try-it') return me.can.call;
  if (resource === 'ondemand-log' || resource === 'enqueue-log') return action === 'list' || action === 'show' || action === 'export';
  // Usage: everyone their own (administrators everyone's); the export is the same query as CSV.
  if (resource === 'usage') return action === 'list' || action === 'export';
  // Limits, suspensions and the audit log are administrators' (the audit log is read only).
  if (resource === 'limits') return me.can.administer;
  // A suspension is imposed or lifted, never edited.
  if (resource === 'suspensions') return me.can.administer && action !== 'edit';
  if (resource === 'audit') return me.can.administer && (action === 'list' || action === 'export');
  return resource === 'dashboard';
}

/**
 * react-admin's auth provider over the realm (oidc-client-ts): login is a redirect to the
 * realm's login page and back to where the user was; a session that cannot be renewed ends in
 * a new login; logout ends the realm's session too. Who the user is and what they may do comes
 * from GET /v1/me, as the gateway sees their token.
 */
export function createAuthProvider(users: Users, me: () => Promise<Me>, drafts: DraftStore = draftStore()): AuthProvider {
  let permissions: Promise<Me> | undefined;
  const permissionsOnce = () => {
    permissions ??= (async () => {
      // Nobody signed in yet: nothing to ask the API (it would only answer 401).
      if (!(await users.getUser())) throw new Error('not signed in');
      return me();
    })().catch((err: unknown) => {
      permissions = undefined;
      throw err;
    });
    return permissions;
  };

  return {
    async login(params: { returnTo?: string } = {}) {
      await users.signinRedirect({ state: { returnTo: safeReturnTo(params.returnTo) } });
      // The browser is on its way to the realm.
      return { redirectTo: false };
    },

    async handleCallback() {
      const user = await users.signinRedirectCallback();
      permissions = undefined;
      return { redirectTo: safeReturnTo((user.state as { returnTo?: unknown } | undefined)?.returnTo) };
    },

    async checkAuth() {
      const user = await users.getUser();
      if (user && !user.expired) return;
      if (user?.refresh_token) {
        const renewed = await users.signinSilent().catch(() => null);
        if (renewed && !renewed.expired) return;
      }
      // A session that ended under the user (not a first visit): what they were typing is kept.
      if (user) drafts.markReturning();
      await users.removeUser();
      permissions = undefined;
      // No notification: the login page says what happens.
      throw { redirectTo: '/login', message: false };
    },

    async checkError(error: { status?: number }) {
      // A 401 has already been retried with a renewed token (see authorizedFetch): the session is over.
      if (error?.status === 401) {
        drafts.markReturning();
        await users.removeUser();
        permissions = undefined;
        throw { redirectTo: '/login', message: false };
      }
    },

    async logout() {
      const user = await users.getUser();
      permissions = undefined;
      // Signing out on purpose: nothing is kept for later.
      if (user) drafts.takeReturning();
      await users.removeUser();
      if (user?.id_token) {
        // Ends the realm's session as well; the realm sends the browser back to /login?signed_out=1.
        await users.signoutRedirect({ id_token_hint: user.id_token });
        return false;
      }
      return '/login';
    },

    async getIdentity(): Promise<UserIdentity> {
      const user = await users.getUser();
      if (!user) throw new Error('not signed in');
      const { profile } = user;
      const name = [profile.given_name, profile.family_name].filter(Boolean).join(' ') || profile.name;
      const username = profile.preferred_username ?? (profile as { username?: string }).username ?? profile.sub;
      const { roles, role } = await permissionsOnce().catch(() => ({ roles: [] as string[], role: undefined }));
      return { id: profile.sub, fullName: name || username, username, roles, role };
    },

    getPermissions: () => permissionsOnce(),

    async canAccess({ action, resource, record }) {
      return mayAccess(await permissionsOnce(), action, resource, record);
    },
  };
}
