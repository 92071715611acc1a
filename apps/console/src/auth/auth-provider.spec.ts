import type { User } from 'oidc-client-ts';
import { authorizedFetch } from '../api/client';
import type { Me } from '../api/types';
import { createAuthProvider, mayAccess, safeReturnTo } from './auth-provider';
import { draftStore } from './drafts';
import { tokenSource, type Users } from './oidc';

const me = (role: Me['role'], can: Partial<Me['can']> = {}, username = 'alice'): Me => ({
  username,
  subject: 's',
  roles: [role],
  groups: [],
  role,
  can: { call: true, register: false, administer: false, ...can },
});

function user(overrides: Partial<User> = {}): User {
  return {
    access_token: 'access-1',
    refresh_token: 'refresh-1',
    id_token: 'id-1',
    expired: false,
    profile: { sub: 'sub-1', preferred_username: 'alice', given_name: 'Alice', family_name: 'Rossi' },
    state: undefined,
    ...overrides,
  } as unknown as User;
}

/** A stand-in for oidc-client-ts's UserManager, recording what the console asked of the realm. */
function fakeUsers(current: User | null, options: { renew?: () => User | null } = {}) {
  const calls: string[] = [];
  let stored = current;
  const users: Users = {
    getUser: async () => stored,
    removeUser: async () => {
      calls.push('removeUser');
      stored = null;
    },
    signinRedirect: async (args) => {
      calls.push(`signinRedirect ${JSON.stringify(args?.state)}`);
    },
    signinRedirectCallback: async () => {
      calls.push('signinRedirectCallback');
      stored = user({ state: { returnTo: '/machines/create' } });
      return stored;
    },
    signinSilent: async () => {
      calls.push('signinSilent');
      const renewed = options.renew ? options.renew() : null;
      if (!renewed) throw new Error('invalid_grant');
      stored = renewed;
      return renewed;
    },
    signoutRedirect: async (args) => {
      calls.push(`signoutRedirect ${args?.id_token_hint}`);
    },
  };
  return { users, calls };
}

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    get length() {
      return data.size;
    },
  };
}

describe('auth provider', () => {
  it('logs in by sending the browser to the realm with where to come back, and comes back there', async () => {
    const { users, calls } = fakeUsers(null);
    const auth = createAuthProvider(users, async () => me('Manager'), draftStore(memoryStorage()));
    expect(await auth.login({ returnTo: '/runs?filter=x' })).toEqual({ redirectTo: false });
    expect(calls).toEqual(['signinRedirect {"returnTo":"/runs?filter=x"}']);
    expect(await auth.handleCallback!()).toEqual({ redirectTo: '/machines/create' });
  });

  it('never follows a login to another site', () => {
    expect(safeReturnTo('/machines')).toBe('/machines');
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 42, undefined]) expect(safeReturnTo(bad)).toBe('/');
  });

  it('accepts a live session, renews an expired one with the refresh token, and otherwise sends to the login', async () => {
    await expect(createAuthProvider(fakeUsers(user()).users, async () => me('Manager')).checkAuth({})).resolves.toBeUndefined();

    const renewing = fakeUsers(user({ expired: true }), { renew: () => user({ access_token: 'access-2' }) });
    await expect(createAuthProvider(renewing.users, async () => me('Manager')).checkAuth({})).resolves.toBeUndefined();
    expect(renewing.calls).toEqual(['signinSilent']);

    const storage = memoryStorage();
    const ended = fakeUsers(user({ expired: true }));
    const auth = createAuthProvider(ended.users, async () => me('Manager'), draftStore(storage));
    await expect(auth.checkAuth({})).rejects.toEqual({ redirectTo: '/login', message: false });
    expect(ended.calls).toEqual(['signinSilent', 'removeUser']);
    // The session ended under the user: their unsaved forms are kept for when they are back.
    expect(draftStore(storage).isReturning()).toBe(true);
  });

  it('ends the session on a 401 (the client already tried a renewal) but not on a 403', async () => {
    const { users, calls } = fakeUsers(user());
    const auth = createAuthProvider(users, async () => me('Manager'), draftStore(memoryStorage()));
    await expect(auth.checkError({ status: 403 })).resolves.toBeUndefined();
    expect(calls).toEqual([]);
    await expect(auth.checkError({ status: 401 })).rejects.toEqual({ redirectTo: '/login', message: false });
    expect(calls).toEqual(['removeUser']);
  });

  it('logs out of the realm too, with the id token as hint', async () => {
    const { users, calls } = fakeUsers(user());
    expect(await createAuthProvider(users, async () => me('Manager')).logout({})).toBe(false);
    expect(calls).toEqual(['removeUser', 'signoutRedirect id-1']);
    const none = fakeUsers(null);
    expect(await createAuthProvider(none.users, async () => me('Manager')).logout({})).toBe('/login');
  });

  it('tells who is signed in (name, user name, role) and asks the API once for what they may do', async () => {
    let asked = 0;
    const auth = createAuthProvider(fakeUsers(user()).users, async () => {
      asked++;
      return me('AreaManager', { register: true });
    });
    expect(await auth.getIdentity!()).toMatchObject({ id: 'sub-1', fullName: 'Alice Rossi', username: 'alice', role: 'AreaManager' });
    expect(await auth.canAccess!({ action: 'list', resource: 'machines' } as never)).toBe(true);
    expect(await auth.getPermissions!({})).toMatchObject({ role: 'AreaManager' });
    expect(asked).toBe(1);
    // Nobody signed in: the API is not asked at all.
    let askedAnonymous = 0;
    const anonymous = createAuthProvider(fakeUsers(null).users, async () => (askedAnonymous++, me('Public')));
    await expect(anonymous.getPermissions!({})).rejects.toThrow('not signed in');
    expect(askedAnonymous).toBe(0);
  });
});

describe('role rules', () => {
  it('hides the registry from a Manager, and others’ records from a registrar, not from an administrator', () => {
    const manager = me('Manager');
    const registrar = me('AreaManager', { register: true });
    const admin = me('RootAdmin', { register: true, administer: true }, 'root');
    for (const resource of ['machines', 'endpoints', 'tasks']) expect(mayAccess(manager, 'list', resource)).toBe(false);
    expect(mayAccess(manager, 'list', 'runs')).toBe(true);
    expect(mayAccess(manager, 'list', 'ondemand-log')).toBe(true);
    expect(mayAccess(manager, 'list', 'try-it')).toBe(true);
    expect(mayAccess(me('Public', { call: false }), 'list', 'try-it')).toBe(false);
    expect(mayAccess(registrar, 'edit', 'machines', { owner: 'alice' })).toBe(true);
    expect(mayAccess(registrar, 'delete', 'machines', { owner: 'bob' })).toBe(false);
    expect(mayAccess(admin, 'delete', 'machines', { owner: 'bob' })).toBe(true);
    expect(mayAccess(admin, 'delete', 'ondemand-log')).toBe(false);
  });
});

describe('usage and administration', () => {
  it('shows everyone their usage, and limits, suspensions and the audit log to administrators only', () => {
    const manager = me('Manager');
    const admin = me('RootAdmin', { register: true, administer: true }, 'root');
    const registrar = me('AreaManager', { register: true });
    for (const who of [manager, registrar, admin]) {
      expect(mayAccess(who, 'list', 'usage')).toBe(true);
      expect(mayAccess(who, 'export', 'usage')).toBe(true);
    }
    for (const [action, resource] of [
      ['list', 'limits'],
      ['create', 'limits'],
      ['edit', 'limits'],
      ['delete', 'limits'],
      ['list', 'suspensions'],
      ['create', 'suspensions'],
      ['delete', 'suspensions'],
      ['list', 'audit'],
    ] as const) {
      expect([action, resource, mayAccess(admin, action, resource)]).toEqual([action, resource, true]);
      expect([action, resource, mayAccess(registrar, action, resource)]).toEqual([action, resource, false]);
      expect([action, resource, mayAccess(manager, action, resource)]).toEqual([action, resource, false]);
    }
    // A suspension is imposed or lifted, never edited; the audit log is read only.
    expect(mayAccess(admin, 'edit', 'suspensions')).toBe(false);
    expect(mayAccess(admin, 'delete', 'audit')).toBe(false);
  });
});

describe('tokens', () => {
  it('retries a request refused with 401 once, with a silently renewed token', async () => {
    const { users, calls } = fakeUsers(user(), { renew: () => user({ access_token: 'access-2' }) });
    const seen: (string | null)[] = [];
    const fetchImpl = (async (request: Request) => {
      seen.push(request.headers.get('authorization'));
      return new Response(null, { status: request.headers.get('authorization') === 'Bearer access-2' ? 200 : 401 });
    }) as unknown as typeof fetch;
    const res = await authorizedFetch(tokenSource(users), fetchImpl)(new Request('http://gw.test/v1/me'));
    expect(res.status).toBe(200);
    expect(seen).toEqual(['Bearer access-1', 'Bearer access-2']);
    expect(calls).toEqual(['signinSilent']);
  });

  it('gives up after one renewal fails, and never renews without a refresh token', async () => {
    const failing = fakeUsers(user());
    const fetchImpl = (async () => new Response(null, { status: 401 })) as unknown as typeof fetch;
    expect((await authorizedFetch(tokenSource(failing.users), fetchImpl)(new Request('http://gw.test/v1/me'))).status).toBe(401);
    expect(failing.calls).toEqual(['signinSilent']);
    const noRefresh = fakeUsers(user({ refresh_token: undefined }));
    await authorizedFetch(tokenSource(noRefresh.users), fetchImpl)(new Request('http://gw.test/v1/me'));
    expect(noRefresh.calls).toEqual([]);
  });
});

describe('drafts', () => {
  it('keeps a form’s values for an hour, and the “returning” mark until it is taken', () => {
    let now = 1_000_000;
    const drafts = draftStore(memoryStorage(), () => now);
    drafts.save('/machines/create', { name: 'gpu' });
    expect(drafts.load('/machines/create')).toEqual({ name: 'gpu' });
    drafts.markReturning();
    expect(drafts.takeReturning()).toBe(true);
    expect(drafts.takeReturning()).toBe(false);
    now += 61 * 60 * 1000;
    expect(drafts.load('/machines/create')).toBeUndefined();
  });
});
