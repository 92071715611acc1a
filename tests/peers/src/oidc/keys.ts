import { randomBytes, randomUUID } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';

export type SigningAlg = 'RS256' | 'ES256';

export interface SigningKey {
  kid: string;
  alg: SigningAlg | 'RSA-OAEP';
  use: 'sig' | 'enc';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(alg: SigningAlg | 'RSA-OAEP'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  // Keycloak's kid is a base64url SHA-256 value, 43 characters long, like a JWK thumbprint
  const kid = await calculateJwkThumbprint(jwk);
  const use = alg === 'RSA-OAEP' ? 'enc' : 'sig';
  return { kid, alg, use, privateKey, publicKey, publicJwk: { kid, kty: jwk.kty, alg, use, ...jwk } };
}

/**
 * The realm's keys as Keycloak keeps them: an active RS256 key (rotatable, the previous one
 * optionally still published), an ES256 key, an RSA-OAEP encryption key that appears in the
 * JWKS too (so clients must filter on `use`/`alg`), and an HS512 secret for refresh tokens that
 * is never published.
 */
export class RealmKeys {
  private rsa!: SigningKey;
  private previousRsa: SigningKey | undefined;
  private ec!: SigningKey;
  private enc!: SigningKey;
  readonly refreshKid = randomUUID();
  readonly refreshSecret = new Uint8Array(randomBytes(64));
  private localSet: ReturnType<typeof createLocalJWKSet> | undefined;
  private strangers: Partial<Record<'bad-signature' | 'unknown-kid', SigningKey>> = {};

  static async create(): Promise<RealmKeys> {
    const k = new RealmKeys();
    [k.rsa, k.ec, k.enc] = await Promise.all([newKey('RS256'), newKey('ES256'), newKey('RSA-OAEP')]);
    return k;
  }

  get activeRsaKid(): string {
    return this.rsa.kid;
  }

  signer(alg: SigningAlg): SigningKey {
    return alg === 'ES256' ? this.ec : this.rsa;
  }

  /** What `/protocol/openid-connect/certs` publishes. */
  jwks(): JSONWebKeySet {
    const keys = [this.enc.publicJwk, this.rsa.publicJwk];
    if (this.previousRsa) keys.push(this.previousRsa.publicJwk);
    keys.push(this.ec.publicJwk);
    return { keys: keys.map((k) => ({ ...k })) };
  }

  /** Key resolution against the published set only, as the realm verifies its own tokens. */
  localJwks(): ReturnType<typeof createLocalJWKSet> {
    this.localSet ??= createLocalJWKSet(this.jwks());
    return this.localSet;
  }

  async rotate(keepPrevious: boolean): Promise<void> {
    const next = await newKey('RS256');
    this.previousRsa = keepPrevious ? this.rsa : undefined;
    this.rsa = next;
    this.localSet = undefined;
  }

  async sign(payload: JWTPayload, alg: SigningAlg = 'RS256', key?: SigningKey, kid?: string): Promise<string> {
    const k = key ?? this.signer(alg);
    return new SignJWT(payload).setProtectedHeader({ alg: k.alg, typ: 'JWT', kid: kid ?? k.kid }).sign(k.privateKey);
  }

  async signRefresh(payload: JWTPayload): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: 'HS512', typ: 'JWT', kid: this.refreshKid }).sign(this.refreshSecret);
  }

  /** A key the realm never published, for forged tokens. */
  async stranger(kind: 'bad-signature' | 'unknown-kid'): Promise<SigningKey> {
    return (this.strangers[kind] ??= await newKey('RS256'));
  }

  /** PEM of the active RSA public key: the secret a key-confusion attacker feeds to HS256. */
  async rsaPublicPem(): Promise<string> {
    return exportSPKI(this.rsa.publicKey);
  }
}
