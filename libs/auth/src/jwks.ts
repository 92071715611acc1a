import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';

export interface RemoteKeySetOptions {
  /** Loads the realm's JWKS document; throws when the provider cannot be reached. */
  load: () => Promise<unknown>;
  /**
   * After a refetch that did not find the key it was made for, tokens naming an unknown key are
   * refused without another fetch for this long: a flood of made-up `kid`s costs one fetch per
   * cooldown.
   */
  cooldownMs: number;
  /** Keys fetched longer ago than this are fetched again before they are used. */
  maxAgeMs: number;
  /** Only a token claiming this issuer may cause a refetch (a token of another realm never finds its key here). */
  issuer?: string;
  now?: () => number;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * The realm's signing keys for jose's `jwtVerify`, fetched once and shared by every caller.
 *
 * A token signed by a key the set does not hold yet (a key rotation) causes one refetch at once,
 * even right after the previous fetch, and every caller that arrives meanwhile waits for that same
 * fetch instead of starting its own. Only a refetch that did not find its key starts a cooldown;
 * jose's own remote set applies the cooldown after any fetch, which refused tokens of a freshly
 * rotated key for up to the cooldown when the keys had been fetched shortly before.
 */
export class RemoteKeySet {
  private keys?: { select: LocalKeySet; fetchedAt: number };
  private inFlight?: Promise<void>;
  private refusedUntil = 0;
  private fetchCount = 0;
  private readonly now: () => number;

  constructor(private readonly options: RemoteKeySetOptions) {
    this.now = options.now ?? Date.now;
  }

  /** How many times the keys were fetched (successfully). */
  get fetches(): number {
    return this.fetchCount;
  }

  /** The key resolver to hand to `jwtVerify`. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<Awaited<ReturnType<LocalKeySet>>> => {
    if (!this.keys || this.now() - this.keys.fetchedAt >= this.options.maxAgeMs) {
      // A set fetched just now is the realm's current one: no second fetch when the key is not in it.
      await this.refresh(header.kid ?? null);
      return this.keys!.select(header, token);
    }
    try {
      return await this.keys!.select(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
    }
    if (this.inFlight) {
      // Someone is fetching already: that fetch returns the realm's whole current set.
      await this.inFlight;
      return this.keys!.select(header, token);
    }
    if (this.now() < this.refusedUntil || !this.claimsIssuer(token)) throw new errors.JWKSNoMatchingKey();
    await this.refresh(header.kid ?? null);
    return this.keys!.select(header, token);
  };

  /**
   * Fetches the keys now; concurrent calls share one fetch. `wantedKid`: the unknown key the fetch
   * is made for; when the realm does not publish it either, the cooldown starts.
   */
  refresh(wantedKid?: string | null): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const document = await this.options.load();
        // createLocalJWKSet validates the document's shape (JWKSInvalid otherwise).
        const select = createLocalJWKSet(document as JSONWebKeySet);
        this.keys = { select, fetchedAt: this.now() };
        this.fetchCount += 1;
        if (wantedKid !== undefined && !publishes(document as JSONWebKeySet, wantedKid)) {
          this.refusedUntil = this.now() + this.options.cooldownMs;
        }
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  private claimsIssuer(token: FlattenedJWSInput): boolean {
    if (this.options.issuer === undefined) return true;
    try {
      const payload = JSON.parse(Buffer.from(String(token.payload), 'base64url').toString('utf8')) as { iss?: unknown };
      return payload.iss === this.options.issuer;
    } catch {
      return false;
    }
  }
}

function publishes(document: JSONWebKeySet, kid: string | null): boolean {
  return kid !== null && document.keys.some((key) => key.kid === kid);
}
