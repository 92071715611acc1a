import { readFileSync } from 'node:fs';
import { trustTestCa, waitFor } from '@cleargate/testing';
import { type GatewayStack, ownCalls, startGatewayStack } from './support/gateway-stack';
import { KeycloakRealm, USERS } from './support/realm';

// A realm is reached over HTTPS in production, often with a certificate of the organisation's own
// CA. The gateway trusts such a CA through Node's NODE_EXTRA_CA_CERTS (the chart's
// trustedCaConfigMap sets it). Keycloak here serves HTTPS with a certificate signed by the test
// run's own CA, and logs each request with the port it came in on.
const shared = KeycloakRealm.fromEnv();
let keycloak: Awaited<ReturnType<KeycloakRealm['copy']>>;
let stack: GatewayStack;
let untrust: () => void;

beforeAll(async () => {
  untrust = trustTestCa(shared.info);
  keycloak = await shared.overHttps().copy(`snap4city-tls-${Date.now().toString(36)}`);
  const trusting = { NODE_EXTRA_CA_CERTS: shared.info.caFile };
  stack = await startGatewayStack(keycloak, {
    offline: trusting,
    userinfo: { ...trusting, OIDC_VERIFICATION: 'userinfo' },
    untrusting: {},
  });
});
afterAll(async () => {
  await stack?.close();
  await keycloak?.remove();
  untrust?.();
});

/** The lines of Keycloak's access log (ACCESS_LOG_PATTERN) for this spec's realm. */
function accessLog(): string[] {
  const realmPath = `/auth/realms/${keycloak.info.realm}/`;
  return readFileSync(shared.info.logFile!, 'utf8')
    .split('\n')
    .map((line) => line.match(/keycloak-access (.*)$/)?.[1] ?? '')
    .filter((line) => line.includes(realmPath));
}

describe(`Keycloak ${shared.info.version} over HTTPS with a private CA`, () => {
  it('a gateway trusting the CA verifies its tokens offline and by userinfo, fetching keys and userinfo over HTTPS', async () => {
    const token = (await keycloak.passwordGrant(USERS.Manager, { scope: 'openid' })).access_token;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iss).toBe(keycloak.issuer);
    expect(keycloak.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/auth\/realms\/snap4city-tls-/);
    expect((await ownCalls(stack.gateways.offline!, token)).status).toBe(200);
    expect((await ownCalls(stack.gateways.userinfo!, token)).status).toBe(200);

    const httpsPort = new URL(shared.info.httpsUrl).port;
    const realmPath = `/auth/realms/${keycloak.info.realm}/protocol/openid-connect`;
    // Keycloak writes its access log a little after it answers. (undici offers HTTP/1.1 first and
    // HTTP/2 second; Keycloak takes the client's first choice.)
    const overHttps = (path: string) => new RegExp(`^${httpsPort} HTTP/(1\\.1|2) GET ${path} 200$`);
    await waitFor(() => accessLog().some((line) => overHttps(`${realmPath}/userinfo`).test(line)), {
      message: 'the userinfo request over HTTPS in the access log',
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(accessLog().some((line) => overHttps(`${realmPath}/certs`).test(line))).toBe(true);
  });

  it('a gateway that does not trust the CA answers 503 in the error envelope and logs why, never the token', async () => {
    const token = (await keycloak.passwordGrant(USERS.Manager, { scope: 'openid' })).access_token;
    const answer = await ownCalls(stack.gateways.untrusting!, token);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ error: { code: 'unavailable', message: 'the identity provider is unavailable' } });
    const logs = stack.gateways.untrusting!.lines.join('\n');
    // "OIDC discovery failed: Error: unable to verify the first certificate; …"
    expect(logs).toMatch(/OIDC discovery failed: [^"]*certificate/);
    expect(logs).not.toContain(token);
  });
});
