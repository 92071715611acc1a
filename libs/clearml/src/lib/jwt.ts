export interface JwtTimes {
  /** Expiry, epoch seconds. */
  exp?: number;
  /** Issued-at, epoch seconds. */
  iat?: number;
}

/**
 * Reads `exp`/`iat` from a JWT payload without verifying the signature: the client only
 * needs to know when to log in again, and the server remains the judge of validity.
 * Returns an empty object for anything that is not a decodable JWT.
 */
export function decodeJwtTimes(token: string): JwtTimes {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return {};
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return {};
    const { exp, iat } = payload as Record<string, unknown>;
    const times: JwtTimes = {};
    if (typeof exp === 'number' && Number.isFinite(exp)) times.exp = exp;
    if (typeof iat === 'number' && Number.isFinite(iat)) times.iat = iat;
    return times;
  } catch {
    return {};
  }
}
