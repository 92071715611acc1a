import { ConfigError } from '@cleargate/config';
import { loadGatewayConfig } from '../config';
import { CorsPolicy } from './cors';

const BASE = { OIDC_ISSUER_URL: 'https://www.snap4city.org/auth/realms/master', OIDC_AUDIENCES: 'nodered-iotedge' };

function problems(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('CORS settings at start-up', () => {
  it('allows no origin by default', () => {
    const config = loadGatewayConfig(BASE);
    expect(config).toMatchObject({ CORS_ALLOWED_ORIGINS: [], CORS_ALLOW_CREDENTIALS: false, CORS_MAX_AGE_SEC: 600 });
    expect(new CorsPolicy(config).enabled).toBe(false);
  });

  it('takes exact origins and * alone', () => {
    expect(problems({ CORS_ALLOWED_ORIGINS: 'https://dashboard.snap4city.org, http://localhost:3000' })).toEqual([]);
    expect(problems({ CORS_ALLOWED_ORIGINS: '*' })).toEqual([]);
    expect(problems({ CORS_ALLOWED_ORIGINS: 'https://a.org', CORS_ALLOW_CREDENTIALS: 'true' })).toEqual([]);
  });

  it.each([
    ['https://a.org/', 'is not an exact origin; a browser sends https://a.org'],
    ['https://A.org', 'is not an exact origin; a browser sends https://a.org'],
    ['https://a.org:443', 'is not an exact origin; a browser sends https://a.org'],
    ['https://a.org/dashboard', 'is not an exact origin'],
    ['https://*.a.org', 'no patterns; list each origin'],
    ['a.org', 'is not an origin'],
    ['ftp://a.org', 'is not an origin'],
    ['*,https://a.org', '* stands alone'],
  ])('refuses %s', (value, message) => {
    expect(problems({ CORS_ALLOWED_ORIGINS: value })).toEqual([expect.stringContaining(message)]);
  });

  it('refuses credentials with any origin', () => {
    expect(problems({ CORS_ALLOWED_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'true' })).toEqual([
      expect.stringMatching(/^CORS_ALLOW_CREDENTIALS: cannot be true while CORS_ALLOWED_ORIGINS is \*/),
    ]);
    expect(() => new CorsPolicy({ CORS_ALLOWED_ORIGINS: ['*'], CORS_ALLOW_CREDENTIALS: true, CORS_MAX_AGE_SEC: 0 })).toThrow();
  });
});

describe('CORS answer headers', () => {
  const policy = new CorsPolicy({ CORS_ALLOWED_ORIGINS: ['https://a.org'], CORS_ALLOW_CREDENTIALS: false, CORS_MAX_AGE_SEC: 600 });

  it('names an allowed origin, and only that one', () => {
    expect(policy.answerHeaders('https://a.org')).toEqual([
      'access-control-allow-origin',
      'https://a.org',
      'vary',
      'Origin',
      'access-control-expose-headers',
      'X-Request-Id',
    ]);
    expect(policy.answerHeaders('https://b.org')).toEqual(['vary', 'Origin']);
    expect(policy.answerHeaders(undefined)).toEqual(['vary', 'Origin']);
  });

  it('refuses preflights from other origins and nothing else', () => {
    const preflight = (origin: string) => ({ origin, 'access-control-request-method': 'POST' });
    expect(policy.refusal('OPTIONS', preflight('https://b.org'))).toMatchObject({ code: 'forbidden' });
    expect(policy.refusal('OPTIONS', preflight('https://a.org'))).toBeNull();
    expect(policy.refusal('OPTIONS', { origin: 'https://b.org' })).toBeNull();
    expect(policy.refusal('POST', preflight('https://b.org'))).toBeNull();
  });
});
