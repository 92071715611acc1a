import type { FastifyCorsOptions, FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import { envBool, envInt, envList } from '@cleargate/config';
import { AppError } from '@cleargate/contracts';

/** Request headers a browser may send (beyond the CORS-safelisted ones): the token, JSON or an image, a request id. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id'];
/** Answer headers a browser script may read beyond the safelisted ones. */
export const CORS_EXPOSED_HEADERS = ['X-Request-Id'];
export const CORS_METHODS = ['GET', 'POST', 'PATCH', 'DELETE'];

/**
 * `CORS_ALLOWED_ORIGINS`: exact origins (`scheme://host[:port]` as a browser sends them: lower
 * case, no default port, no path), or `*` alone for any origin. No patterns: a pattern that
 * matched more than meant would hand the API to another site's scripts.
 */
export const corsOriginsEnv = () =>
  envList().superRefine((origins, ctx) => {
    if (origins.includes('*') && origins.length > 1) ctx.addIssue({ code: 'custom', message: '* stands alone: any origin, or a list' });
    for (const origin of origins) {
      if (origin === '*') continue;
      if (origin.includes('*')) {
        ctx.addIssue({ code: 'custom', message: `"${origin}": no patterns; list each origin` });
        continue;
      }
      let exact: string | undefined;
      try {
        const url = new URL(origin);
        if (url.protocol === 'http:' || url.protocol === 'https:') exact = url.origin;
      } catch {
        /* not a URL */
      }
      if (exact === undefined) ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin (http(s)://host[:port])` });
      else if (exact !== origin) ctx.addIssue({ code: 'custom', message: `"${origin}" is not an exact origin; a browser sends ${exact}` });
    }
  });

export interface CorsSettings {
  CORS_ALLOWED_ORIGINS: string[];
  CORS_ALLOW_CREDENTIALS: boolean;
  CORS_MAX_AGE_SEC: number;
}

/** The start-up rule between the two settings (the config refuses it; the policy never trusts it either). */
export function credentialsWithWildcard(settings: Pick<CorsSettings, 'CORS_ALLOWED_ORIGINS' | 'CORS_ALLOW_CREDENTIALS'>): boolean {
  return settings.CORS_ALLOW_CREDENTIALS && settings.CORS_ALLOWED_ORIGINS.includes('*');
}

const NONE: readonly string[] = [];

/**
 * Who may call the API from a browser: the one policy for both kinds of routes. Fastify's routes
 * (and every preflight, the on-demand paths' included: an OPTIONS is never an on-demand call) go
 * through @fastify/cors with `fastifyOptions()`; the on-demand answers served before Fastify add
 * `answerHeaders()`, the same headers precomputed, so a request without an Origin costs a lookup.
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly forAllowed = new Map<string, readonly string[]>();
  private readonly forOthers: readonly string[];

  constructor(private readonly settings: CorsSettings) {
    if (credentialsWithWildcard(settings)) throw new Error('CORS credentials cannot be allowed for any origin');
    this.any = settings.CORS_ALLOWED_ORIGINS.includes('*');
    this.origins = new Set(settings.CORS_ALLOWED_ORIGINS.filter((o) => o !== '*'));
    const common = ['access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', ')];
    if (settings.CORS_ALLOW_CREDENTIALS) common.push('access-control-allow-credentials', 'true');
    if (this.any) {
      // One answer for every origin: nothing to vary on.
      this.forOthers = ['access-control-allow-origin', '*', ...common];
    } else {
      for (const origin of this.origins) this.forAllowed.set(origin, ['access-control-allow-origin', origin, 'vary', 'Origin', ...common]);
      this.forOthers = this.origins.size > 0 ? ['vary', 'Origin'] : NONE;
    }
  }

  /** Whether any browser origin may call at all (CORS_ALLOWED_ORIGINS not empty). */
  get enabled(): boolean {
    return this.any || this.origins.size > 0;
  }

  allows(origin: string | undefined): boolean {
    return origin !== undefined && (this.any || this.origins.has(origin));
  }

  /** Headers (name, value, …) for an answer to a request with this Origin header; errors included. */
  answerHeaders(origin: string | undefined): readonly string[] {
    return (origin !== undefined && this.forAllowed.get(origin)) || this.forOthers;
  }

  /**
   * A preflight from an origin not allowed: refused with 403 in the error envelope (by a hook ahead
   * of @fastify/cors, whose routes' error handler is Fastify's own, not the envelope's).
   */
  refusal(method: string, headers: Record<string, string | string[] | undefined>): AppError | null {
    const origin = headers.origin;
    if (method !== 'OPTIONS' || headers['access-control-request-method'] === undefined || typeof origin !== 'string') return null;
    if (this.allows(origin)) return null;
    return new AppError('forbidden', `cross-origin requests from ${origin.slice(0, 200)} are not allowed`);
  }

  /**
   * @fastify/cors options deciding per request: an allowed origin gets the headers (a preflight its
   * 204 with what may be sent), everything else no CORS headers (the request is served; the
   * browser keeps the answer from the page). Refused preflights never get here (`refusal`).
   */
  fastifyOptions(): FastifyCorsOptions {
    const allowed = {
      origin: this.any ? '*' : true,
      credentials: this.settings.CORS_ALLOW_CREDENTIALS,
      methods: CORS_METHODS,
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: this.settings.CORS_MAX_AGE_SEC,
      // Only an OPTIONS with Access-Control-Request-Method is a preflight (see below).
      strictPreflight: false,
    };
    // An OPTIONS that is no preflight gets the headers and then the route's own answer (405 with Allow).
    const notPreflight = { ...allowed, preflight: false };
    const refused = { origin: false };
    const delegator: FastifyCorsOptionsDelegateCallback = (req: FastifyRequest, callback) => {
      if (!this.allows(req.headers.origin)) return callback(null, refused);
      const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      callback(null, preflight || req.method !== 'OPTIONS' ? allowed : notPreflight);
    };
    return { delegator, hideOptionsRoute: true };
  }
}

/** The CORS variables of the gateway's environment. */
export const corsEnv = {
  /** Browser origins allowed to call the API; empty: none (CORS off). */
  CORS_ALLOWED_ORIGINS: corsOriginsEnv(),
  /** Allow cookies / HTTP authentication cross-origin. ClearGate reads bearer tokens only; never with `*`. */
  CORS_ALLOW_CREDENTIALS: envBool(false),
  /** How long a browser may keep a preflight's answer. */
  CORS_MAX_AGE_SEC: envInt({ min: 0, max: 86_400, default: 600 }),
};
