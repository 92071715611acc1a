import { OidcPeer, startOidcPeer } from '@cleargate/peers';
import { TokenRejected, TokenVerifier, type TokenVerifierOptions } from '@cleargate/auth';

// libs/auth's verifier over real HTTP against the OIDC peer (Keycloak's paths, keys and
// claims), which counts the JWKS requests it serves.
let peer: OidcPeer;
beforeAll(async () => {
  peer = await startOidcPeer();
});
afterAll(async () => {
  await peer.close();
});

const verifier = (overrides: Partial<TokenVerifierOptions> = {}) =>
  new TokenVerifier({
    issuerUrl: peer.issuer,
    audiences: ['nodered-iotedge'],
    mode: 'offline',
    clockToleranceSec: 5,
    cacheTtlMs: 60_000,
    cacheMaxEntries: 100,
    jwksCooldownMs: 600_000,
    httpTimeoutMs: 2_000,
    ...overrides,
  });

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => (err instanceof TokenRejected ? { reason: err.reason, message: err.message } : err),
  );

describe('TokenVerifier against the OIDC peer', () => {
  it('accepts tokens of a key rotated in right after the keys were fetched: one shared refetch for all callers', async () => {
    const v = verifier();
    await v.warmUp();
    await v.verify(await peer.mint({ username: 'manager' }));
    peer.resetStats();

    await peer.rotateKeys({ keepPrevious: true });
    const tokens = await Promise.all(['manager', 'observer', 'areamanager'].map((username) => peer.mint({ username })));
    const verified = await Promise.all([...tokens, ...tokens, ...tokens, ...tokens].map((t) => v.verify(t)));
    expect(verified.map((c) => c.preferred_username)).toEqual(Array(4).fill(['manager', 'observer', 'areamanager']).flat());
    expect(peer.stats().certs).toBe(1);
    expect(v.jwksFetches).toBe(2);
  });

  it('refuses a flood of tokens with made-up kids at the cost of one JWKS request per cooldown', async () => {
    const v = verifier({ jwksCooldownMs: 600_000 });
    await v.warmUp();
    peer.resetStats();
    const bad = await peer.mintBad('unknown-kid');
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => rejection(v.verify(bad))));
    expect(new Set(outcomes.map((o) => JSON.stringify(o)))).toEqual(
      new Set([JSON.stringify({ reason: 'signature', message: 'the access token signature is invalid' })]),
    );
    expect(peer.stats().certs).toBe(1);
    // a token of another issuer never causes a request at all
    await rejection(v.verify(await peer.mintBad('wrong-issuer')));
    expect(peer.stats().certs).toBe(1);
  });

  it('fetches the keys again when they are older than the maximum age', async () => {
    const v = verifier({ jwksMaxAgeMs: 300, cacheTtlMs: 0 });
    await v.warmUp();
    peer.resetStats();
    const token = await peer.mint({ username: 'manager' });
    await v.verify(token);
    expect(peer.stats().certs).toBe(0);
    await new Promise((r) => setTimeout(r, 350));
    await v.verify(token);
    expect(peer.stats().certs).toBe(1);
  });
});
