import { identityFromClaims } from './identity';
import { hasAtLeast, highestRole } from './roles';

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

describe('roles', () => {
  it('orders RootAdmin > ToolAdmin > AreaManager > Manager > Observer > Public', () => {
    expect(highestRole(['Observer', 'AreaManager', 'Manager'])).toBe('AreaManager');
    expect(highestRole(['offline_access'])).toBe('Public');
    expect(hasAtLeast(['ToolAdmin'], 'AreaManager')).toBe(true);
    expect(hasAtLeast(['Manager'], 'AreaManager')).toBe(false);
  });
});
