import { identityFromClaims, missingUserMessage, namesUser } from './identity';
import { hasAtLeast, highestRole, isRole } from './roles';

const options = { roleMap: { admin: 'RootAdmin' as const }, roleClients: ['cleargate'] };

describe('identityFromClaims', () => {
  it('reads Snap4City roles from the top-level claim, realm_access and the configured client', () => {
    const identity = identityFromClaims(
      {
        sub: 'u1',
        preferred_username: 'alice',
        roles: ['AreaManager'],
        realm_access: { roles: ['offline_access'] },
        resource_access: { cleargate: { roles: ['admin'] }, other: { roles: ['ToolAdmin'] } },
        groups: ['/lab', 'florence'],
        azp: 'nodered',
      },
      options,
    );
    expect(identity).toEqual({
      subject: 'u1',
      username: 'alice',
      roles: expect.arrayContaining(['AreaManager', 'offline_access', 'RootAdmin']),
      groups: ['lab', 'florence'],
      clientId: 'nodered',
    });
    expect(identity!.roles).not.toContain('ToolAdmin');
  });

  it('falls back to `role` and `username`, and canonicalises case variants', () => {
    expect(identityFromClaims({ sub: 's', username: 'edge-user', role: 'manager' }, options)).toMatchObject({
      username: 'edge-user',
      roles: expect.arrayContaining(['Manager']),
    });
  });

  it('refuses a token without any user name', () => {
    expect(identityFromClaims({ sub: 's', roles: ['RootAdmin'] }, options)).toBeNull();
  });
});

describe('missingUserMessage', () => {
  it("names Keycloak's lightweight-token setting and the client for a token without sub or username", () => {
    // the claims of a lightweight access token as Keycloak 26 issues it to admin-cli
    const lightweight = {
      exp: 1,
      iat: 0,
      jti: 'j',
      iss: 'https://idp/auth/realms/r',
      typ: 'Bearer',
      azp: 'admin-cli',
      sid: 's',
      scope: 'email',
    };
    expect(namesUser(lightweight)).toBe(false);
    expect(missingUserMessage(lightweight)).toBe(
      'the access token names no user: it is a lightweight access token of client "admin-cli"; switch off "Always use lightweight ' +
        'access token" for that client in the realm (Clients → admin-cli → Advanced → Advanced settings)',
    );
  });

  it('stays generic for other tokens without a user name, and never repeats an odd client id', () => {
    expect(missingUserMessage({ sub: 's', azp: 'nodered' })).toBe('the access token names no user');
    expect(missingUserMessage({ azp: '<script>alert(1)</script> x' })).toBe('the access token names no user');
    expect(missingUserMessage({})).toBe('the access token names no user');
    expect(namesUser({ username: 'edge-user' })).toBe(true);
  });
});

describe('roles', () => {
  it('orders RootAdmin > ToolAdmin > AreaManager > Manager > Observer > Public', () => {
    expect(highestRole(['Observer', 'AreaManager', 'Manager'])).toBe('AreaManager');
    expect(highestRole(['offline_access'])).toBe('Public');
    expect(hasAtLeast(['ToolAdmin'], 'AreaManager')).toBe(true);
    expect(hasAtLeast(['Manager'], 'AreaManager')).toBe(false);
  });
});

describe('roles at the edges', () => {
  it('lets a caller holding exactly the minimum role through, and one just below it not', () => {
    const order = ['Public', 'Observer', 'Manager', 'AreaManager', 'ToolAdmin', 'RootAdmin'] as const;
    order.forEach((minimum, i) => {
      expect(hasAtLeast([minimum], minimum)).toBe(true);
      if (i > 0) expect(hasAtLeast([order[i - 1]!], minimum)).toBe(false);
      if (i < order.length - 1) expect(hasAtLeast([order[i + 1]!], minimum)).toBe(true);
    });
    expect(hasAtLeast([], 'Public')).toBe(true);
    expect(hasAtLeast([], 'Observer')).toBe(false);
    expect(highestRole([])).toBe('Public');
    expect(highestRole(['RootAdmin', 'Observer'])).toBe('RootAdmin');
    expect(isRole('AreaManager')).toBe(true);
    expect(isRole('areamanager')).toBe(false);
  });
});

describe('identityFromClaims at the edges', () => {
  it('takes the subject from sub, the user name when there is none, and refuses an empty user name', () => {
    expect(identityFromClaims({ preferred_username: 'bob' }, options)).toMatchObject({ subject: 'bob', username: 'bob' });
    expect(identityFromClaims({ sub: '', preferred_username: 'bob' }, options)).toMatchObject({ subject: 'bob' });
    expect(identityFromClaims({ sub: 7, preferred_username: 'bob' } as never, options)).toMatchObject({ subject: 'bob' });
    expect(identityFromClaims({ sub: 's', preferred_username: '' }, options)).toBeNull();
    expect(identityFromClaims({ sub: 's', preferred_username: 5, username: 'edge' } as never, options)).toMatchObject({ username: 'edge' });
    expect(identityFromClaims({ sub: 's', username: 5 } as never, options)).toBeNull();
  });

  it('reads roles only from the claims and clients it knows, maps and canonicalises them', () => {
    const id = identityFromClaims(
      {
        sub: 's',
        preferred_username: 'u',
        roles: 'observer',
        role: ['ROOTADMIN', 7],
        realm_access: { roles: ['admin'] },
        resource_access: { other: { roles: ['ToolAdmin'] }, cleargate: { roles: 'Manager' } },
      } as never,
      options,
    )!;
    expect(id.roles).toEqual(expect.arrayContaining(['observer', 'Observer', 'ROOTADMIN', 'RootAdmin', 'Manager']));
    expect(id.roles).not.toContain('ToolAdmin');
    expect(id.roles).not.toContain('admin');
    expect(
      identityFromClaims({ sub: 's', preferred_username: 'u', realm_access: 'x', resource_access: null } as never, options)!.roles,
    ).toEqual([]);
    expect(identityFromClaims({ sub: 's', preferred_username: 'u', roles: ['Unknown'] }, { roleMap: {}, roleClients: [] })!.roles).toEqual([
      'Unknown',
    ]);
  });

  it('strips the leading slash of group paths, and takes the client from azp, else client_id', () => {
    expect(identityFromClaims({ sub: 's', preferred_username: 'u', groups: ['/a/b', 'c', 3] } as never, options)).toMatchObject({
      groups: ['a/b', 'c'],
      clientId: null,
    });
    expect(identityFromClaims({ sub: 's', preferred_username: 'u', client_id: 'svc' }, options)!.clientId).toBe('svc');
    expect(identityFromClaims({ sub: 's', preferred_username: 'u', client_id: 'svc', azp: 'web' }, options)!.clientId).toBe('web');
    expect(identityFromClaims({ sub: 's', preferred_username: 'u', azp: 5 } as never, options)!.clientId).toBeNull();
  });

  it('names a lightweight token only when it has neither sub nor preferred_username and a printable client', () => {
    expect(missingUserMessage({ azp: 'admin-cli', sub: 's' })).toBe('the access token names no user');
    expect(missingUserMessage({ azp: 'admin-cli', preferred_username: 'u' })).toBe('the access token names no user');
    expect(missingUserMessage({ azp: 'a'.repeat(101) })).toBe('the access token names no user');
    expect(missingUserMessage({ azp: 'a'.repeat(100) })).toContain(`client "${'a'.repeat(100)}"`);
    expect(missingUserMessage({ azp: '' })).toBe('the access token names no user');
    expect(missingUserMessage({ azp: 3 })).toBe('the access token names no user');
    expect(namesUser({ preferred_username: '' })).toBe(false);
    expect(namesUser({ username: 'x' })).toBe(true);
  });
});
