import * as jose from 'jose';
import { Agent, request } from 'undici';
import { startOidcPeer, type BadTokenKind, type OidcPeer } from './index';

describe('oidc peer: discovery, JWKS and tokens a verifier accepts or rejects', () => {
  let peer: OidcPeer;
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  beforeAll(async () => {
    peer = await startOidcPeer();
  });
  afterAll(async () => {
    await agent.close();
    await peer.close();
  });

  const getJson = async (url: string) => {
    const res = await request(url, { dispatcher: agent });
    return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
  };

  /** A verifier configured as ClearGate's must be: discovery, remote JWKS, exact issuer, audience, RS256/ES256 only. */
  async function verifier() {
    const discovery = (await getJson(`${peer.issuer}/.well-known/openid-configuration`)).body;
    const jwks = jose.createRemoteJWKSet(new URL(discovery['jwks_uri'] as string), { cooldownDuration: 0 });
    return (token: string) =>
      jose.jwtVerify(token, jwks, {
        issuer: discovery['issuer'] as string,
        audience: 'account',
        algorithms: ['RS256', 'ES256'],
      });
  }

  it("publishes Keycloak's discovery document under /auth/realms/<realm>", async () => {
    expect(peer.issuer).toBe(`${peer.url}/auth/realms/snap4city`);
    const { status, body } = await getJson(`${peer.issuer}/.well-known/openid-configuration`);
    expect(status).toBe(200);
    const oidc = `${peer.issuer}/protocol/openid-connect`;
    expect(body).toMatchObject({
      issuer: peer.issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      introspection_endpoint: `${oidc}/token/introspect`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
      jwks_uri: `${oidc}/certs`,
      grant_types_supported: expect.arrayContaining(['password', 'client_credentials', 'refresh_token']),
      response_types_supported: expect.arrayContaining(['code']),
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: expect.arrayContaining(['RS256', 'ES256']),
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    });
  });

  it('publishes RS256 and ES256 signing keys, plus an encryption key verifiers must skip', async () => {
    const { body } = await getJson(`${peer.issuer}/protocol/openid-connect/certs`);
    const keys = body['keys'] as jose.JWK[];
    const rs = keys.find((k) => k.alg === 'RS256')!;
    const es = keys.find((k) => k.alg === 'ES256')!;
    const enc = keys.find((k) => k.use === 'enc')!;
    expect(rs).toMatchObject({ kid: peer.activeKid, kty: 'RSA', use: 'sig', e: 'AQAB', n: expect.any(String) });
    expect(es).toMatchObject({ kty: 'EC', use: 'sig', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(enc).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP' });
    for (const k of keys) expect(k).not.toHaveProperty('d');
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
  });

  it('mints Keycloak-shaped Snap4City access tokens that jose accepts with RS256 and ES256', async () => {
    const verify = await verifier();
    for (const alg of ['RS256', 'ES256'] as const) {
      const token = await peer.mint({ username: 'areamanager' }, { alg, clientId: 'nodered' });
      const { payload, protectedHeader } = await verify(token);
      expect(protectedHeader).toMatchObject({ alg, typ: 'JWT', kid: expect.any(String) });
      expect(payload).toMatchObject({
        iss: peer.issuer,
        aud: 'account',
        typ: 'Bearer',
        azp: 'nodered',
        preferred_username: 'areamanager',
        username: 'areamanager',
        roles: ['AreaManager'],
        realm_access: { roles: expect.arrayContaining(['AreaManager']) },
        resource_access: { account: { roles: expect.any(Array) } },
        session_state: expect.any(String),
        scope: expect.stringContaining('openid'),
      });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(typeof payload.jti).toBe('string');
      expect(typeof payload.sub).toBe('string');
    }
    const custom = await verify(await peer.mint({ username: 'someone', roles: ['Manager'], organization: 'Firenze' }, { ttlSec: 60 }));
    expect(custom.payload).toMatchObject({
      preferred_username: 'someone',
      roles: ['Manager'],
      organization: 'Firenze',
    });
    expect(custom.payload.exp! - custom.payload.iat!).toBe(60);
  });

  it('rejects every mintBad kind in a correctly configured jose.jwtVerify, for the right reason', async () => {
    const verify = await verifier();
    const expected: Record<BadTokenKind, { code: string; claim?: string }> = {
      'bad-signature': { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      'alg-none': { code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
      hs256: { code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
      expired: { code: 'ERR_JWT_EXPIRED', claim: 'exp' },
      'not-yet-valid': { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' },
      'wrong-issuer': { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' },
      'wrong-audience': { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
      'unknown-kid': { code: 'ERR_JWKS_NO_MATCHING_KEY' },
    };
    for (const [kind, want] of Object.entries(expected) as Array<[BadTokenKind, { code: string; claim?: string }]>) {
      const token = await peer.mintBad(kind);
      const err = await verify(token).then(
        () => undefined,
        (e: { code?: string; claim?: string }) => e,
      );
      expect({ kind, code: err?.code, claim: err?.claim }).toEqual({ kind, code: want.code, claim: want.claim });
    }
  });

  it('makes the bad tokens bad for one reason only', async () => {
    const keys = jose.createLocalJWKSet(
      (await getJson(`${peer.issuer}/protocol/openid-connect/certs`)).body as unknown as jose.JSONWebKeySet,
    );
    const activeKid = peer.activeKid;
    const header = (t: string) => jose.decodeProtectedHeader(t);
    // signed by another key while claiming a published kid
    expect(header(await peer.mintBad('bad-signature')).kid).toBe(activeKid);
    expect(header(await peer.mintBad('unknown-kid')).kid).not.toBe(activeKid);
    // the key-confusion token really is HMAC-SHA256 keyed with the published RSA public key
    const pem = await jose.exportSPKI((await keys({ alg: 'RS256', kid: activeKid })) as jose.CryptoKey);
    const hs = await peer.mintBad('hs256');
    await expect(jose.jwtVerify(hs, new TextEncoder().encode(pem), { algorithms: ['HS256'] })).resolves.toBeDefined();
    const none = await peer.mintBad('alg-none');
    expect(none.endsWith('.')).toBe(true);
    expect(header(none).alg).toBe('none');
    // the time-bound and claim-bound ones carry valid signatures
    const expired = await peer.mintBad('expired');
    const { payload } = await jose.jwtVerify(expired, keys, {
      currentDate: new Date((jose.decodeJwt(expired).exp! - 10) * 1000),
    });
    expect(payload.iss).toBe(peer.issuer);
    await expect(jose.jwtVerify(await peer.mintBad('wrong-audience'), keys, { issuer: peer.issuer })).resolves.toBeDefined();
    await expect(jose.jwtVerify(await peer.mintBad('wrong-issuer'), keys, { audience: 'account' })).resolves.toBeDefined();
  });

  it('rotates the RS256 key: new kid, the old key published only when kept', async () => {
    const verify = await verifier();
    const before = await peer.mint();
    const oldKid = jose.decodeProtectedHeader(before).kid;

    await peer.rotateKeys({ keepPrevious: true });
    const kept = await peer.mint();
    expect(jose.decodeProtectedHeader(kept).kid).not.toBe(oldKid);
    expect(jose.decodeProtectedHeader(kept).kid).toBe(peer.activeKid);
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(kept)).resolves.toBeDefined();

    await peer.rotateKeys();
    const after = await peer.mint();
    await expect(verify(after)).resolves.toBeDefined();
    await expect(verify(before)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(verify(kept)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    const kids = ((await getJson(`${peer.issuer}/protocol/openid-connect/certs`)).body['keys'] as jose.JWK[]).map((k) => k.kid);
    expect(kids).toContain(peer.activeKid);
    expect(kids).not.toContain(oldKid);
  });

  it('stop() makes the issuer unreachable and start() brings it back with the same keys', async () => {
    const token = await peer.mint();
    const certs = `${peer.issuer}/protocol/openid-connect/certs`;
    await peer.stop();
    const fresh = new Agent();
    try {
      await expect(request(certs, { dispatcher: fresh })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await fresh.close();
      await peer.start();
    }
    const jwks = jose.createLocalJWKSet((await getJson(certs)).body as unknown as jose.JSONWebKeySet);
    await expect(jose.jwtVerify(token, jwks, { issuer: peer.issuer })).resolves.toBeDefined();
  });

  it('derives the issuer from a configured public URL, as Keycloak does with KC_HOSTNAME', async () => {
    const proxied = await startOidcPeer({ publicUrl: 'http://keycloak.example:8080/' });
    try {
      expect(proxied.issuer).toBe('http://keycloak.example:8080/auth/realms/snap4city');
      const doc = (await getJson(`${proxied.url}/auth/realms/snap4city/.well-known/openid-configuration`)).body;
      expect(doc['jwks_uri']).toBe('http://keycloak.example:8080/auth/realms/snap4city/protocol/openid-connect/certs');
      expect(jose.decodeJwt(await proxied.mint()).iss).toBe(proxied.issuer);
    } finally {
      await proxied.close();
    }
  });

  it('serves other realm layouts: no /auth prefix, another realm name', async () => {
    const other = await startOidcPeer({
      realm: 'master',
      contextPath: '',
      accessTokenTtlSec: 60,
      audience: ['cleargate', 'account'],
    });
    try {
      expect(other.issuer).toBe(`${other.url}/realms/master`);
      const discovery = await getJson(`${other.issuer}/.well-known/openid-configuration`);
      expect(discovery.body['issuer']).toBe(other.issuer);
      const jwks = jose.createRemoteJWKSet(new URL(discovery.body['jwks_uri'] as string));
      const { payload } = await jose.jwtVerify(await other.mint(), jwks, {
        issuer: other.issuer,
        audience: 'cleargate',
      });
      expect(payload.exp! - payload.iat!).toBe(60);
      expect((await getJson(`${other.url}/realms/snap4city/.well-known/openid-configuration`)).status).toBe(404);
      expect((await getJson(`${peer.url}/auth/realms/nope/protocol/openid-connect/certs`)).body).toEqual({
        error: 'Realm does not exist',
      });
    } finally {
      await other.close();
    }
  });
});
