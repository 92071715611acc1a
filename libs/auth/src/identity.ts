import type { JWTPayload } from 'jose';
import { isRole, Role } from './roles';

export interface Identity {
  subject: string;
  username: string;
  /** Known Snap4City roles after mapping, plus any other role names the token carries. */
  roles: string[];
  groups: string[];
  clientId: string | null;
}

export interface IdentityOptions {
  /** Token role name → ClearGate role (e.g. `{"admin": "RootAdmin"}`), for realms that name roles differently. */
  roleMap: Record<string, Role>;
  /** Clients whose `resource_access.<client>.roles` count as roles. */
  roleClients: string[];
}

const usernameOf = (claims: Record<string, unknown>): string | null =>
  (typeof claims.preferred_username === 'string' && claims.preferred_username) ||
  (typeof claims.username === 'string' && claims.username) ||
  null;

/** Whether the claims name a user (`preferred_username`, fallback `username`), as `identityFromClaims` needs. */
export function namesUser(claims: Record<string, unknown>): boolean {
  return usernameOf(claims) !== null;
}

/**
 * Why a token names no user, for the caller. Keycloak (25 and later) issues "lightweight" access
 * tokens to clients with "Always use lightweight access token" on (admin-cli by default): no
 * `sub`, no `preferred_username`, no roles; its userinfo endpoint refuses them, and its
 * introspection endpoint (26.6.2 and later) answers only clients in the token's audience, which a
 * lightweight token does not carry. So the realm has to change: the message says where.
 */
export function missingUserMessage(claims: Record<string, unknown>): string {
  // Keycloak client ids are short printable strings; anything else is not repeated back.
  const client = typeof claims.azp === 'string' && /^[\x21-\x7e]{1,100}$/.test(claims.azp) ? claims.azp : null;
  if (client && claims.sub === undefined && claims.preferred_username === undefined) {
    return (
      `the access token names no user: it is a lightweight access token of client "${client}"; ` +
      `switch off "Always use lightweight access token" for that client in the realm (Clients → ${client} → Advanced → Advanced settings)`
    );
  }
  return 'the access token names no user';
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];

/**
 * Snap4City puts roles in a top-level `roles` claim (fallback `role`), not only in Keycloak's
 * `realm_access.roles`; all of them are read, plus the configured clients' roles. The
 * username is `preferred_username`, falling back to `username` (tokens of the nodered clients).
 */
export function identityFromClaims(claims: JWTPayload & Record<string, unknown>, options: IdentityOptions): Identity | null {
  const username = usernameOf(claims);
  const subject = typeof claims.sub === 'string' && claims.sub ? claims.sub : username;
  if (!username || !subject) return null;

  const raw = new Set<string>([
    ...strings(claims.roles),
    ...strings(claims.role),
    ...strings((claims.realm_access as { roles?: unknown } | undefined)?.roles),
  ]);
  const resourceAccess = (claims.resource_access ?? {}) as Record<string, { roles?: unknown }>;
  for (const client of options.roleClients) for (const r of strings(resourceAccess[client]?.roles)) raw.add(r);

  const roles = new Set<string>();
  for (const r of raw) {
    const mapped = options.roleMap[r];
    roles.add(mapped ?? r);
    // Case variants of the Snap4City role names ("rootadmin") map to the canonical name.
    const canonical = ['Public', 'Observer', 'Manager', 'AreaManager', 'ToolAdmin', 'RootAdmin'].find(
      (k) => k.toLowerCase() === r.toLowerCase(),
    );
    if (canonical && isRole(canonical)) roles.add(canonical);
  }
  const groups = strings(claims.groups).map((g) => g.replace(/^\//, ''));
  const clientId = typeof claims.azp === 'string' ? claims.azp : typeof claims.client_id === 'string' ? claims.client_id : null;
  return { subject, username, roles: [...roles], groups, clientId };
}
