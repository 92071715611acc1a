import { identityFromClaims, missingUserMessage, namesUser } from './identity';
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
