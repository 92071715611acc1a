import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HS256 JWTs as pyjwt issues them for the server (service_repo/auth/payload/token.py):
 * header {"alg":"HS256","typ":"JWT"}, a payload with identity, iat/exp in epoch seconds and the
 * extra claims api_version, server_version, server_build, feature_set. Errors reproduce pyjwt's
 * messages, which the server puts in error_data.reason of 401/30 invalid_token.
 */
const b64url = (buf: Buffer): string => buf.toString('base64url');

export class JwtError extends Error {}

export class TokenSigner {
  private secret: Buffer = randomBytes(32);

  /** Forget the signing secret: every token issued so far fails verification. */
  rotate(): void {
    this.secret = randomBytes(32);
  }

  sign(payload: Record<string, unknown>): string {
    const header = b64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
    const body = b64url(Buffer.from(JSON.stringify(payload)));
    const sig = b64url(createHmac('sha256', this.secret).update(`${header}.${body}`).digest());
    return `${header}.${body}.${sig}`;
  }

  /** Verify signature and expiry against the server clock (epoch seconds). */
  verify(token: string, nowSec: number): Record<string, unknown> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtError('Not enough segments');
    const [header, body, sig] = parts;
    let payload: Record<string, unknown>;
    try {
      const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (h.alg !== 'HS256') throw new JwtError('The specified alg value is not allowed');
    } catch (e) {
      if (e instanceof JwtError) throw e;
      throw new JwtError('Invalid header padding');
    }
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new JwtError('Invalid payload padding');
    }
    const expected = createHmac('sha256', this.secret).update(`${header}.${body}`).digest();
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new JwtError('Signature verification failed');
    }
    if (typeof payload.exp === 'number' && payload.exp <= nowSec) throw new JwtError('Signature has expired');
    return payload;
  }
}
