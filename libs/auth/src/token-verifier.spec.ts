import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { HttpAnswer, IdentityProviderUnavailable, TokenRejected, TokenVerifier, TokenVerifierOptions } from './token-verifier';

// The verifier against a realm made of plain functions: every document it asks for is served from
// memory, so each check can be driven to its edge without a network.

const ISSUER = 'https://idp.test/auth/realms/snap4city';
const USERINFO = `${ISSUER}/protocol/openid-connect/userinfo`;
let privateKey: CryptoKey;
let jwk: JWK;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});

interface Realm {
  calls: string[];
  discovery: HttpAnswer;
  jwks: HttpAnswer;
  userinfo: HttpAnswer | Error;
}

function realm(): Realm {
  return {
    calls: [],
    discovery: json({ issuer: ISSUER, jwks_uri: `${ISSUER}/certs`, userinfo_endpoint: USERINFO }),
    jwks: json({ keys: [jwk] }),
    userinfo: json({ sub: 'u1', preferred_username: 'alice' }),
  };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers, text: JSON.stringify(body) };
}

function verifier(r: Realm, overrides: Partial<TokenVerifierOptions> = {}) {
  return new TokenVerifier({
    issuerUrl: `${ISSUER}/`,
    audiences: ['nodered-iotedge'],
    mode: 'offline',
    clockToleranceSec: 5,
    cacheTtlMs: 60_000,
    cacheMaxEntries: 100,
    jwksCooldownMs: 30_000,
    httpTimeoutMs: 1000,
    http: async (url, headers) => {
      r.calls.push(url);
      if (url.endsWith('/.well-known/openid-configuration')) return r.discovery;
      if (url.endsWith('/certs')) return r.jwks;
      if (url === USERINFO) {
        expect(headers.authorization).toMatch(/^Bearer /);
        if (r.userinfo instanceof Error) throw r.userinfo;
        return r.userinfo;
      }
      throw new Error(`unexpected ${url}`);
    },
    ...overrides,
  });
}

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'u1',
  preferred_username: 'alice',
  typ: 'Bearer',
  azp: 'nodered-iotedge',
  aud: 'account',
  ...extra,
});

async function token(
  extra: Record<string, unknown> = {},
  opts: { key?: CryptoKey; kid?: string; iss?: string; exp?: number | string } = {},
) {
  return new SignJWT(claims(extra))
    .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
    .setIssuer(opts.iss ?? ISSUER)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.key ?? privateKey);
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ ok: value }),
    (err: unknown) =>
      err instanceof TokenRejected
        ? { rejected: err.reason, message: err.message }
        : err instanceof IdentityProviderUnavailable
          ? { unavailable: err.message }
          : { other: err },
  );

describe('TokenVerifier configuration', () => {
  it('refuses an empty audience list unless any audience is accepted explicitly', () => {
    expect(() => verifier(realm(), { audiences: [] })).toThrow('no accepted audience');
    expect(() => verifier(realm(), { audiences: [], anyAudience: true })).not.toThrow();
  });
});

describe('TokenVerifier, offline', () => {
  it('accepts a token of the realm for an accepted client and caches it', async () => {
    const r = realm();
    const v = verifier(r);
    const t = await token();
    expect(await outcome(v.verify(t))).toEqual({ ok: expect.objectContaining({ preferred_username: 'alice', iss: ISSUER }) });
    expect(r.calls).toEqual([`${ISSUER}/.well-known/openid-configuration`, `${ISSUER}/certs`]);
    await v.verify(t);
    expect(r.calls).toHaveLength(2);
    expect(v.jwksFetches).toBe(1);
  });

  it('matches the audience by aud (text or list) or azp, and accepts any only when told to', async () => {
    const r = realm();
    const strict = verifier(r, { audiences: ['cleargate'] });
    expect(await outcome(strict.verify(await token({ aud: ['x', 'cleargate'], azp: 'other' })))).toHaveProperty('ok');
    expect(await outcome(strict.verify(await token({ aud: 'cleargate', azp: 'other' })))).toHaveProperty('ok');
    expect(await outcome(strict.verify(await token({ aud: undefined, azp: 'cleargate' })))).toHaveProperty('ok');
    expect(await outcome(strict.verify(await token({ aud: 'account', azp: 'other' })))).toEqual({
      rejected: 'audience',
      message: 'the access token is not meant for this service (audience)',
    });
    expect(await outcome(strict.verify(await token({ aud: undefined, azp: 7 })))).toMatchObject({ rejected: 'audience' });
    const any = verifier(r, { audiences: [], anyAudience: true });
    expect(await outcome(any.verify(await token({ aud: 'whatever', azp: 'other' })))).toHaveProperty('ok');
  });

  it.each([
    ['an ID token', { typ: 'ID' }],
    ['a refresh token', { typ: 'Refresh' }],
    ['a token without a type', { typ: undefined }],
  ])('refuses %s: only access tokens (typ Bearer) pass', async (_name, extra) => {
    expect(await outcome(verifier(realm()).verify(await token(extra)))).toEqual({
      rejected: 'type',
      message: 'the token is not an access token (typ must be "Bearer")',
    });
  });

  it('refuses expired, not yet valid, foreign, forged and malformed tokens with their reason', async () => {
    const v = verifier(realm());
    const now = Math.floor(Date.now() / 1000);
    expect(await outcome(v.verify(await token({}, { exp: now - 60 })))).toEqual({
      rejected: 'expired',
      message: 'the access token has expired',
    });
    // within the clock tolerance an expired token still passes
    expect(await outcome(v.verify(await token({}, { exp: now - 2 })))).toHaveProperty('ok');
    expect(await outcome(v.verify(await token({ nbf: now + 3600 })))).toEqual({
      rejected: 'not_yet_valid',
      message: 'the access token is not valid yet',
    });
    expect(await outcome(v.verify(await token({}, { iss: 'https://elsewhere.test/realms/x' })))).toMatchObject({ rejected: 'issuer' });
    expect(await outcome(v.verify(await token({}, { key: otherKey })))).toEqual({
      rejected: 'signature',
      message: 'the access token signature is invalid',
    });
    expect(await outcome(v.verify(await token({}, { kid: 'unknown' })))).toMatchObject({ rejected: 'signature' });
    expect(await outcome(v.verify('not.a.token'))).toEqual({ rejected: 'malformed', message: 'the access token is malformed' });
    expect(await outcome(v.verify(''))).toEqual({ rejected: 'missing', message: 'an access token is required' });
    expect(await outcome(v.verify(undefined))).toMatchObject({ rejected: 'missing' });
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(new Uint8Array(32));
    expect(await outcome(v.verify(hs))).toEqual({
      rejected: 'algorithm',
      message: 'the access token uses a signature algorithm that is not accepted',
    });
  });

  it('refuses an issuer claim that is not the realm’s, when signed by the realm', async () => {
    const r = realm();
    const v = verifier(r);
    await v.warmUp();
    const signedForOther = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://other.test')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await outcome(v.verify(signedForOther))).toEqual({
      rejected: 'issuer',
      message: 'the access token was issued by an unexpected issuer',
    });
  });

  it('refuses a token naming no user with the lightweight-token message', async () => {
    const t = await token({ sub: undefined, preferred_username: undefined });
    expect(await outcome(verifier(realm()).verify(t))).toMatchObject({
      rejected: 'no_identity',
      message: expect.stringContaining('lightweight'),
    });
  });

  it('says the identity provider is unavailable when discovery or the keys cannot be had, and tries again later', async () => {
    const r = realm();
    r.discovery = json({ issuer: 'https://impostor.test', jwks_uri: 'x' });
    const v = verifier(r);
    expect(await outcome(v.verify(await token()))).toEqual({
      unavailable: `discovery document at ${ISSUER}/.well-known/openid-configuration does not describe issuer ${ISSUER}/`,
    });
    r.discovery = { status: 503, headers: {}, text: 'down' };
    expect(await outcome(v.verify(await token()))).toEqual({ unavailable: `${ISSUER}/.well-known/openid-configuration answered 503` });
    r.discovery = { status: 200, headers: {}, text: '<html>' };
    expect(await outcome(v.verify(await token()))).toEqual({
      unavailable: `${ISSUER}/.well-known/openid-configuration answered something that is not JSON`,
    });
    r.discovery = json({ issuer: ISSUER, jwks_uri: `${ISSUER}/certs` });
    r.jwks = { status: 200, headers: {}, text: 'not json' };
    expect(await outcome(v.verify(await token()))).toEqual({
      unavailable: expect.stringContaining(`${ISSUER}/certs answered something that is not JSON`),
    });
    r.jwks = json({ keys: [jwk] });
    expect(await outcome(v.verify(await token()))).toHaveProperty('ok');
  });

  it('keeps a verified token no longer than its expiry or the cache TTL', async () => {
    const r = realm();
    const v = verifier(r, { cacheTtlMs: 0 });
    const t = await token();
    await v.verify(t);
    await v.verify(t);
    // nothing cached: the keys are read again, not refetched
    expect(r.calls.filter((c) => c.endsWith('/certs'))).toHaveLength(1);
    expect(await outcome(v.verify(t))).toHaveProperty('ok');
  });
});

describe('TokenVerifier, userinfo', () => {
  const online = (r: Realm) => verifier(r, { mode: 'userinfo' });

  it('accepts what userinfo accepts, with the token’s own exp and typ, once per token', async () => {
    const r = realm();
    const v = online(r);
    const t = await token();
    const result = await outcome(v.verify(t));
    expect(result).toEqual({ ok: expect.objectContaining({ preferred_username: 'alice', typ: 'Bearer', exp: expect.any(Number) }) });
    await v.verify(t);
    expect(r.calls.filter((c) => c === USERINFO)).toHaveLength(1);
    expect(await outcome(v.verify(await token({ typ: 'ID' })))).toMatchObject({ rejected: 'type' });
  });

  it('turns Keycloak’s refusals into their reasons', async () => {
    const r = realm();
    const v = online(r);
    r.userinfo = {
      status: 403,
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", error_description="Missing openid scope"' },
      text: '',
    };
    expect(await outcome(v.verify(await token()))).toMatchObject({ rejected: 'scope', message: expect.stringContaining('openid scope') });
    r.userinfo = {
      status: 401,
      headers: {
        'www-authenticate': [
          'Bearer error="invalid_token"',
          'error_description="Lightweight access token not allowed for userinfo endpoint"',
        ],
      },
      text: '',
    };
    expect(await outcome(v.verify(await token()))).toMatchObject({ rejected: 'no_identity' });
    r.userinfo = { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, text: '' };
    expect(await outcome(v.verify(await token()))).toEqual({ rejected: 'inactive', message: 'the access token is not active' });
    r.userinfo = { status: 401, headers: {}, text: '' };
    expect(await outcome(v.verify(await token()))).toMatchObject({ rejected: 'inactive' });
  });

  it('answers "unavailable" (a 503), not an internal error, for anything userinfo says that is not a JSON object', async () => {
    const r = realm();
    const v = online(r);
    r.userinfo = { status: 200, headers: {}, text: '<html>login</html>' };
    expect(await outcome(v.verify(await token()))).toEqual({ unavailable: 'userinfo answered something that is not JSON' });
    for (const body of ['null', '[1]', '"text"', '3']) {
      r.userinfo = { status: 200, headers: {}, text: body };
      expect(await outcome(v.verify(await token()))).toEqual({ unavailable: 'userinfo answered no JSON object' });
    }
    r.userinfo = { status: 502, headers: {}, text: '' };
    expect(await outcome(v.verify(await token()))).toEqual({ unavailable: 'userinfo answered 502' });
    r.userinfo = new Error('connect ECONNREFUSED');
    expect(await outcome(v.verify(await token()))).toEqual({ unavailable: 'userinfo request failed: connect ECONNREFUSED' });
    r.discovery = json({ issuer: ISSUER, jwks_uri: `${ISSUER}/certs` });
    expect(await outcome(online(r).verify(await token()))).toEqual({ unavailable: 'the issuer publishes no userinfo endpoint' });
  });
});

describe('TokenVerifier, properties', () => {
  it('refuses any text that is not a token of the realm as TokenRejected, never with another error', async () => {
    const r = realm();
    const v = verifier(r);
    await v.warmUp();
    const segment = fc.oneof(
      fc.base64String({ maxLength: 200 }),
      fc.string({ maxLength: 50 }),
      fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j)).toString('base64url')),
    );
    const texts = fc.oneof(
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
      fc.tuple(segment, segment).map((parts) => parts.join('.')),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        const result = await outcome(v.verify(text));
        expect(result).toHaveProperty('rejected');
      }),
      { numRuns: 400 },
    );
  });

  it('a token of the realm with a byte changed anywhere is refused', async () => {
    const v = verifier(realm());
    const t = await token();
    await v.verify(t);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: t.length - 1 }), fc.constantFrom('A', 'B', '-', '_'), async (at, ch) => {
        fc.pre(t[at] !== ch && t[at] !== '.');
        const changed = t.slice(0, at) + ch + t.slice(at + 1);
        const result = await outcome(v.verify(changed));
        // base64url's last character may carry unused bits: the same bytes, the same token
        if ('ok' in result) expect(Buffer.from(changed.split('.')[2]!, 'base64url')).toEqual(Buffer.from(t.split('.')[2]!, 'base64url'));
        else expect(result).toHaveProperty('rejected');
      }),
      { numRuns: 200 },
    );
  });
});

describe('TokenVerifier at the edges', () => {
  it('serves a verified token from memory until its exp (plus tolerance), and never caches one already past it', async () => {
    const r = realm();
    const v = verifier(r);
    const now = Date.now();
    const t = await token({}, { exp: Math.floor(now / 1000) + 2 });
    const first = await v.verify(t);
    expect(await v.verify(t)).toBe(first);
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 10_000);
    try {
      // past its exp (and the tolerance) by the cache's clock: verified again, not served from memory
      expect(await v.verify(t)).not.toBe(first);
    } finally {
      clock.mockRestore();
    }
    const late = await token({}, { exp: Math.floor(now / 1000) - 2 });
    const once = await v.verify(late);
    expect(await v.verify(late)).not.toBe(once);
    const uncached = verifier(r, { cacheTtlMs: 0 });
    const fresh = await token();
    expect(await uncached.verify(fresh)).not.toBe(await uncached.verify(fresh));
  });

  it('warms up discovery and, offline only, the keys', async () => {
    const offline = realm();
    const v = verifier(offline);
    expect(v.jwksFetches).toBe(0);
    await v.warmUp();
    expect(offline.calls).toEqual([`${ISSUER}/.well-known/openid-configuration`, `${ISSUER}/certs`]);
    expect(v.jwksFetches).toBe(1);
    const online = realm();
    await verifier(online, { mode: 'userinfo' }).warmUp();
    expect(online.calls).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
  });

  it('finds discovery under the issuer whatever trailing slashes it was given, and insists on a JWKS address', async () => {
    const r = realm();
    await verifier(r, { issuerUrl: `${ISSUER}///` }).warmUp();
    expect(r.calls[0]).toBe(`${ISSUER}/.well-known/openid-configuration`);
    r.discovery = json({ issuer: ISSUER });
    expect(await outcome(verifier(r).verify(await token()))).toEqual({
      unavailable: `discovery document at ${ISSUER}/.well-known/openid-configuration does not describe issuer ${ISSUER}/`,
    });
  });

  it('asks for JSON, and sends the token to userinfo only', async () => {
    const seen: Record<string, Record<string, string>> = {};
    const r = realm();
    const v = verifier(r, {
      mode: 'userinfo',
      http: async (url, headers) => {
        seen[url] = headers;
        if (url.endsWith('openid-configuration')) return r.discovery;
        return r.userinfo as HttpAnswer;
      },
    });
    const t = await token();
    await v.verify(t);
    expect(seen[`${ISSUER}/.well-known/openid-configuration`]).toEqual({ accept: 'application/json' });
    expect(seen[USERINFO]).toEqual({ authorization: `Bearer ${t}`, accept: 'application/json' });
  });

  it('accepts ES256 tokens, and keeps the audience check when both a list and "any" are given', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const r = realm();
    r.jwks = json({ keys: [jwk, { ...(await exportJWK(es.publicKey)), kid: 'e1', alg: 'ES256', use: 'sig' }] });
    const t = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: 'e1' })
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(es.privateKey);
    expect(await outcome(verifier(r).verify(t))).toHaveProperty('ok');
    const both = verifier(r, { audiences: ['cleargate'], anyAudience: true });
    expect(await outcome(both.verify(await token({ aud: 'account', azp: 'other' })))).toMatchObject({ rejected: 'audience' });
  });

  it('names an invalid claim, and takes a failed key fetch for the provider’s fault', async () => {
    const badIat = await new SignJWT({ ...claims(), iat: 'yesterday' as unknown as number })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await outcome(verifier(realm()).verify(badIat))).toEqual({
      rejected: 'malformed',
      message: "the access token's iat claim is invalid",
    });
    const r = realm();
    const v = verifier(r, {
      http: async (url) => {
        if (url.endsWith('/certs')) throw new Error('connect ETIMEDOUT');
        return r.discovery;
      },
    });
    expect(await outcome(v.verify(await token()))).toEqual({ unavailable: 'could not fetch the signing keys: connect ETIMEDOUT' });
  });

  it('in userinfo mode, takes exp and typ only from a token that has them', async () => {
    const r = realm();
    const v = verifier(r, { mode: 'userinfo' });
    const noExp = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).sign(privateKey);
    const result = (await v.verify(noExp)) as Record<string, unknown>;
    expect(Object.keys(result)).not.toContain('exp');
    expect(result.typ).toBe('Bearer');
    expect(await outcome(v.verify('not-a-jwt'))).toMatchObject({ rejected: 'type' });
    r.userinfo = {
      status: 401,
      headers: { 'www-authenticate': 'Bearer error_description="Lightweight access token not allowed"' },
      text: '',
    };
    expect(await outcome(v.verify('a.bnVsbA.c'))).toEqual({ rejected: 'no_identity', message: 'the access token names no user' });
    expect(new TokenRejected('m', 'missing').name).toBe('TokenRejected');
    expect(new IdentityProviderUnavailable('m').name).toBe('IdentityProviderUnavailable');
  });
});
