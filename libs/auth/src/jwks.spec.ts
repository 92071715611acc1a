import { errors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { RemoteKeySet } from './jwks';

const ISSUER = 'https://idp.test/auth/realms/snap4city';

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

let counter = 0;
async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `kid-${++counter}`;
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const sign = (key: Key, iss = ISSUER) =>
  new SignJWT({ sub: 'u1', preferred_username: 'alice' })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(iss)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);

/** A realm whose published keys the test changes, and a clock it moves by hand. */
function realm(initial: Key[]) {
  const state = { published: [...initial], loads: 0, clock: 1_000_000, hold: undefined as Promise<void> | undefined };
  const set = new RemoteKeySet({
    load: async () => {
      state.loads += 1;
      const snapshot = { keys: state.published.map((k) => k.jwk) };
      if (state.hold) await state.hold;
      return snapshot;
    },
    cooldownMs: 30_000,
    maxAgeMs: 600_000,
    issuer: ISSUER,
    now: () => state.clock,
  });
  const verify = (token: string) => jwtVerify(token, set.getKey, { issuer: ISSUER, algorithms: ['RS256'] });
  return { state, set, verify };
}

const refusedForKey = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);

describe('RemoteKeySet', () => {
  let oldKey: Key;
  let newKeyOfRealm: Key;
  beforeAll(async () => {
    [oldKey, newKeyOfRealm] = await Promise.all([newKey(), newKey()]);
  });

  it('accepts a token of a freshly rotated key at once, right after a fetch, with one refetch', async () => {
    const { state, set, verify } = realm([oldKey]);
    await verify(await sign(oldKey));
    expect(state.loads).toBe(1);
    state.published.push(newKeyOfRealm); // the realm rotates; no time passes
    await expect(verify(await sign(newKeyOfRealm))).resolves.toMatchObject({ payload: { preferred_username: 'alice' } });
    expect(state.loads).toBe(2);
    expect(set.fetches).toBe(2);
    // both keys verify from memory afterwards
    await verify(await sign(oldKey));
    await verify(await sign(newKeyOfRealm));
    expect(state.loads).toBe(2);
  });

  it('makes callers that arrive during a refetch wait for it instead of fetching again', async () => {
    const { state, verify } = realm([oldKey]);
    await verify(await sign(oldKey));
    state.published.push(newKeyOfRealm);
    let release!: () => void;
    state.hold = new Promise((r) => (release = r));
    const token = await sign(newKeyOfRealm);
    const stranger = await newKey();
    const strangerToken = await sign(stranger);
    const pending = Array.from({ length: 20 }, () => verify(token));
    const strangers = Array.from({ length: 5 }, () =>
      verify(strangerToken).then(
        () => 'accepted',
        (e: unknown) => e,
      ),
    );
    await new Promise((r) => setImmediate(r));
    release();
    state.hold = undefined;
    await expect(Promise.all(pending)).resolves.toHaveLength(20);
    for (const outcome of await Promise.all(strangers)) expect(outcome).toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(state.loads).toBe(2);
  });

  it('bounds a flood of made-up kids to one fetch per cooldown', async () => {
    const { state, verify } = realm([oldKey]);
    await verify(await sign(oldKey));
    const strangers = await Promise.all([newKey(), newKey(), newKey()]);
    for (const k of strangers) await refusedForKey(verify(await sign(k)));
    expect(state.loads).toBe(2); // the first made-up kid fetched once; the others were refused from memory
    state.clock += 29_000;
    await refusedForKey(verify(await sign(strangers[0]!)));
    expect(state.loads).toBe(2);
    state.clock += 1_000;
    await refusedForKey(verify(await sign(strangers[1]!)));
    expect(state.loads).toBe(3);
    // known keys are untouched by the cooldown
    await verify(await sign(oldKey));
  });

  it('refuses a rotated key during the cooldown that a made-up kid started, and accepts it after', async () => {
    const { state, verify } = realm([oldKey]);
    await verify(await sign(oldKey));
    await refusedForKey(verify(await sign(await newKey())));
    state.published.push(newKeyOfRealm);
    const token = await sign(newKeyOfRealm);
    await refusedForKey(verify(token));
    state.clock += 30_000;
    await expect(verify(token)).resolves.toBeDefined();
  });

  it('never refetches for a token that claims another issuer', async () => {
    const { state, verify } = realm([oldKey]);
    await verify(await sign(oldKey));
    state.published.push(newKeyOfRealm);
    await refusedForKey(verify(await sign(newKeyOfRealm, 'https://elsewhere.test/auth/realms/other')));
    expect(state.loads).toBe(1);
    // and it started no cooldown: the realm's own new key is found at once
    await verify(await sign(newKeyOfRealm));
    expect(state.loads).toBe(2);
  });

  it('refetches keys older than the maximum age, so a key the realm dropped stops verifying', async () => {
    const { state, verify } = realm([oldKey, newKeyOfRealm]);
    const old = await sign(oldKey);
    await verify(old);
    state.published = [newKeyOfRealm]; // the old key is disabled in the realm
    state.clock += 599_999;
    await verify(old); // still held: the documented window
    expect(state.loads).toBe(1);
    state.clock += 1;
    await refusedForKey(verify(old));
    expect(state.loads).toBe(2);
  });

  it('lets a failed fetch through as an error of its own and tries again on the next token', async () => {
    let fail = true;
    const set = new RemoteKeySet({
      load: async () => {
        if (fail) throw new Error('connection refused');
        return { keys: [oldKey.jwk] };
      },
      cooldownMs: 30_000,
      maxAgeMs: 600_000,
      issuer: ISSUER,
    });
    const token = await sign(oldKey);
    await expect(jwtVerify(token, set.getKey)).rejects.toThrow('connection refused');
    fail = false;
    await expect(jwtVerify(token, set.getKey)).resolves.toBeDefined();
  });

  it('refuses a document that is not a key set', async () => {
    const set = new RemoteKeySet({ load: async () => ({ error: 'nope' }), cooldownMs: 0, maxAgeMs: 1, issuer: ISSUER });
    await expect(jwtVerify(await sign(oldKey), set.getKey)).rejects.toBeInstanceOf(errors.JWKSInvalid);
  });
});
