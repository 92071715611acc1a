import { startTlsServer, TestCertificates, testCertificates, trustTestCa } from '@cleargate/testing';
import { undiciGet } from '@cleargate/auth';

// The realm (Keycloak) is reached over TLS in production. undici offers HTTP/1.1 first and HTTP/2
// second: Keycloak itself takes HTTP/1.1 (tests/interop/src/keycloak-tls.spec.ts runs against it),
// a proxy in front of it may speak only HTTP/2 or only HTTP/1.1. The verifier's documents
// (discovery, JWKS, userinfo) come either way.

describe('the realm over TLS', () => {
  let certs: TestCertificates;
  let untrust: () => void;

  beforeAll(() => {
    certs = testCertificates();
    untrust = trustTestCa(certs);
  });

  afterAll(() => {
    untrust();
    certs.remove();
  });

  it.each([
    ['h2', '2.0'],
    ['http/1.1', '1.1'],
  ] as const)('reads a document of a realm speaking only %s', async (protocol, version) => {
    const jwks = '{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}';
    const realm = await startTlsServer(certs, protocol, {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
      body: jwks,
    });
    try {
      const answer = await undiciGet(`${realm.url}/realms/snap4city/protocol/openid-connect/certs`, { accept: 'application/json' }, 5000);
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('max-age=300');
      expect(answer.text).toBe(jwks);
      expect(realm.seen).toEqual([
        expect.objectContaining({ version, method: 'GET', path: '/realms/snap4city/protocol/openid-connect/certs' }),
      ]);
    } finally {
      await realm.close();
    }
  });
});
