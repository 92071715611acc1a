import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  hasAtLeast,
  identityFromClaims,
  IdentityProviderUnavailable,
  Role,
  ROLES,
  TOKEN_REJECTION_REASONS,
  TokenRejected,
  TokenVerifier,
} from '@cleargate/auth';
import { AppError, Caller } from '@cleargate/contracts';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { PolicyCache } from '../limits/policy-cache';

/** Turns an access token into the Caller that travels with every request on the bus. */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly verifier: TokenVerifier;
  /** Callers by verified claims object: the verifier's cache hands back the same object per token. */
  private readonly callers = new WeakMap<object, Caller>();
  private readonly failures;
  private readonly refusals;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
    private readonly policy: PolicyCache,
    metrics: Metrics,
  ) {
    this.refusals = metrics.counter('limit_refusals_total', 'Requests refused by a limit or a suspension, by reason', ['reason']);
    this.failures = metrics.counter('auth_failures_total', 'Requests refused by token verification or role, by reason', ['reason']);
    for (const reason of [...TOKEN_REJECTION_REASONS, 'provider_unavailable', 'role']) this.failures.inc({ reason }, 0);
    this.verifier = new TokenVerifier({
      issuerUrl: config.OIDC_ISSUER_URL,
      audiences: config.OIDC_AUDIENCES,
      anyAudience: config.OIDC_AUDIENCES_ANY,
      mode: config.OIDC_VERIFICATION,
      clockToleranceSec: config.OIDC_CLOCK_TOLERANCE_SEC,
      cacheTtlMs: config.OIDC_CACHE_TTL_MS,
      cacheMaxEntries: 20_000,
      jwksCooldownMs: config.OIDC_JWKS_COOLDOWN_MS,
      jwksMaxAgeMs: config.OIDC_JWKS_MAX_AGE_MS,
      httpTimeoutMs: config.OIDC_HTTP_TIMEOUT_MS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Not fatal: the identity provider may start after the gateway; the first request retries.
    await this.verifier.warmUp().catch((err) => this.logger.warn({ err: String(err) }, 'OIDC discovery not reachable yet'));
  }

  async authenticate(token: string | undefined, minimum: Role): Promise<Caller> {
    let claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenRejected) {
        this.failures.inc({ reason: err.reason });
        throw new AppError('unauthenticated', err.message, { reason: err.reason });
      }
      if (err instanceof IdentityProviderUnavailable) {
        this.failures.inc({ reason: 'provider_unavailable' });
        this.logger.error({ err: err.message }, 'identity provider unavailable');
        throw new AppError('unavailable', 'the identity provider is unavailable');
      }
      throw err;
    }
    let caller = this.callers.get(claims);
    if (!caller) {
      const identity = identityFromClaims(claims, { roleMap: this.config.OIDC_ROLE_MAP, roleClients: this.config.OIDC_ROLE_CLIENTS });
      if (!identity) throw new AppError('unauthenticated', 'the access token names no user');
      caller = {
        subject: identity.subject,
        username: identity.username,
        roles: identity.roles,
        groups: identity.groups,
        admin: hasAtLeast(identity.roles, this.config.ROLE_ADMIN),
      };
      this.callers.set(claims, caller);
    }
    const suspension = this.policy.suspension(caller.username);
    if (suspension) {
      this.refusals.inc({ reason: 'suspended' });
      throw new AppError('forbidden', `your account is suspended by an administrator: ${suspension.reason}`, { reason: 'suspended' });
    }
    if (!hasAtLeast(caller.roles, minimum)) {
      this.failures.inc({ reason: 'role' });
      throw new AppError('forbidden', `this operation needs the ${minimum} role or higher`);
    }
    return caller;
  }

  roleFor(level: 'authenticated' | 'caller' | 'registrar' | 'admin'): Role {
    if (level === 'authenticated') return ROLES[0];
    return level === 'admin' ? this.config.ROLE_ADMIN : level === 'registrar' ? this.config.ROLE_REGISTRAR : this.config.ROLE_CALLER;
  }
}

/** `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 6750 / RFC 7235). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
