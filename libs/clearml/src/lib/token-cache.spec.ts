import { decodeJwtTimes } from './jwt';
import { TokenCache } from './token-cache';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.sig`;

describe('decodeJwtTimes', () => {
  it('reads exp and iat without verifying', () => {
    expect(decodeJwtTimes(jwt({ exp: 2000, iat: 1000, identity: {} }))).toEqual({ exp: 2000, iat: 1000 });
    expect(decodeJwtTimes('not-a-jwt')).toEqual({});
    expect(decodeJwtTimes('a.!!!.c')).toEqual({});
  });
});

describe('TokenCache', () => {
  let nowMs: number;
  let logins: number;
  let nextLogin: () => Promise<string>;

  const cache = (marginSec = 300) => new TokenCache({ login: () => nextLogin(), refreshMarginSec: marginSec, now: () => nowMs });

  beforeEach(() => {
    nowMs = 1_000_000_000_000;
    logins = 0;
    nextLogin = async () => {
      logins++;
      const iat = Math.floor(nowMs / 1000);
      return jwt({ iat, exp: iat + 3600, n: logins });
    };
  });

  it('reuses the token until the margin before exp, then logs in again', async () => {
    const tokens = cache(300);
    const first = await tokens.get();
    nowMs += 3_299_000;
    expect(await tokens.get()).toBe(first);
    nowMs += 2_000;
    const second = await tokens.get();
    expect(second).not.toBe(first);
    expect(logins).toBe(2);
  });

  it('caps the margin at half the lifetime of short tokens', async () => {
    nextLogin = async () => {
      logins++;
      const iat = Math.floor(nowMs / 1000);
      return jwt({ iat, exp: iat + 60, n: logins });
    };
    const tokens = cache(300);
    await tokens.get();
    nowMs += 29_000;
    await tokens.get();
    expect(logins).toBe(1);
    nowMs += 2_000;
    await tokens.get();
    expect(logins).toBe(2);
  });

  it('measures the lifetime from iat, so a skewed local clock does not matter', async () => {
    nextLogin = async () => {
      logins++;
      return jwt({ iat: 100, exp: 3700, n: logins }); // server clock far behind the local one
    };
    const tokens = cache(300);
    await tokens.get();
    nowMs += 60_000;
    await tokens.get();
    expect(logins).toBe(1);
  });

  it('shares one login between concurrent callers', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const base = nextLogin;
    nextLogin = async () => {
      await gate;
      return base();
    };
    const tokens = cache();
    const pending = Promise.all(Array.from({ length: 5 }, () => tokens.get()));
    release();
    const results = await pending;
    expect(new Set(results).size).toBe(1);
    expect(logins).toBe(1);
  });

  it('keeps using an unexpired token when the early refresh fails, but not an invalidated one', async () => {
    const tokens = cache(300);
    const first = await tokens.get();
    nowMs += 3_400_000; // inside the margin, before exp
    nextLogin = async () => {
      throw new Error('login down');
    };
    expect(await tokens.get()).toBe(first);
    tokens.invalidate(first);
    await expect(tokens.get()).rejects.toThrow('login down');
  });

  it('ignores invalidation of a token that was already replaced', async () => {
    const tokens = cache();
    const first = await tokens.get();
    tokens.invalidate(first);
    const second = await tokens.get();
    tokens.invalidate(first);
    expect(await tokens.get()).toBe(second);
    expect(logins).toBe(2);
  });
});
