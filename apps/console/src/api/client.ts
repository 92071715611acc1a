import createClient from 'openapi-fetch';
import type { paths } from './schema';

export type ApiClient = ReturnType<typeof createClient<paths>>;

/** Where requests get their bearer token, and a fresh one when the API says the current one is no good. */
export interface TokenSource {
  accessToken(): Promise<string | undefined>;
  /** A renewed token (silently, with the refresh token), or undefined when the session is over. */
  renew(): Promise<string | undefined>;
}

/**
 * fetch with the caller's token. A 401 is tried once more after a silent renewal (the token may
 * have expired between two renewals, or the realm restarted); a second 401 is the caller's to
 * handle (back to the login).
 */
export function authorizedFetch(tokens: TokenSource, fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
  return async (input: Request): Promise<Response> => {
    const send = (token: string | undefined) => {
      const request = input.clone();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return fetchImpl(request);
    };
    const token = await tokens.accessToken();
    const first = await send(token);
    if (first.status !== 401) return first;
    const renewed = await tokens.renew().catch(() => undefined);
    return renewed ? send(renewed) : first;
  };
}

/** The typed client of the gateway's API (generated from its OpenAPI document), with the caller's token. */
export function createApiClient(baseUrl: string, tokens: TokenSource, fetchImpl?: typeof fetch): ApiClient {
  return createClient<paths>({ baseUrl: baseUrl || window.location.origin, fetch: authorizedFetch(tokens, fetchImpl) });
}
