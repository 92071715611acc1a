import { z } from 'zod';
import { AppError } from './errors';

/** Public ids are HMAC-SHA256(server secret, internal id) in hex: 64 characters. */
export const publicIdSchema = z.string().regex(/^[a-f0-9]{64}$/, 'expected a 64-character hex id');
export const uuidSchema = z.uuid();
/**
 * A public id given rather than minted: a legacy id that callers already hold (ClearML Utils'
 * 64-hex SHA-256 hashes). Upper case is accepted and kept in lower case, as minted ids are.
 */
export const givenPublicIdSchema = z
  .string()
  .regex(/^[A-Fa-f0-9]{64}$/, 'expected a 64-character hex id')
  .transform((s) => s.toLowerCase());
/** Path parameters accept either the internal uuid or the public id. */
export const entityRefSchema = z.union([uuidSchema, publicIdSchema], { error: 'expected a uuid or a 64-character hex id' });

/** A number sent as query text ("50"); text that is no number is refused as such rather than as NaN. */
export const queryNumber = () =>
  z.coerce.number({ error: (issue) => (issue.code === 'invalid_type' && issue.expected === 'number' ? 'expected a number' : undefined) });

export const isoDateSchema = z.iso.datetime({ offset: true });

/** Which gateway route a call or run came in on: the compatible Snap4City one or /v1. */
export const callRouteSchema = z.enum(['compat', 'v1']);
export type CallRoute = z.infer<typeof callRouteSchema>;
/** The route an on-demand call came in on: the two above, or the OpenAI-compatible API. */
export const ondemandRouteSchema = z.enum(['compat', 'v1', 'openai']);
export type OndemandRoute = z.infer<typeof ondemandRouteSchema>;

/** The authenticated caller, as the gateway established it from the access token. */
export const callerSchema = z.object({
  subject: z.string().min(1).max(255),
  username: z.string().min(1).max(255),
  roles: z.array(z.string().max(100)).max(100),
  groups: z.array(z.string().max(255)).max(200).default([]),
  /** True when the caller's role is at or above the configured administrator role. */
  admin: z.boolean(),
});
export type Caller = z.infer<typeof callerSchema>;

export const pageRequestSchema = z.object({
  limit: queryNumber().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export type PageRequest = z.output<typeof pageRequestSchema>;
/** Orders of the registry's lists (machines, endpoints, tasks): a field, descending with a leading `-`. */
export const listSortSchema = z.enum(['-created_at', 'created_at', 'name', '-name']);
export type ListSort = z.infer<typeof listSortSchema>;

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

/** Who besides the owner may use an endpoint or task. */
export const visibilitySchema = z.enum(['public', 'private', 'shared']);
export const sharedWithSchema = z
  .object({
    users: z.array(z.string().min(1).max(255)).max(500).default([]),
    roles: z.array(z.string().min(1).max(100)).max(50).default([]),
    groups: z.array(z.string().min(1).max(255)).max(200).default([]),
  })
  .strict();
export type SharedWith = z.infer<typeof sharedWithSchema>;

export interface AccessControlled {
  /** The owner's user name when the resource was registered: for people to read. */
  owner: string;
  /**
   * The owner's subject (the token's `sub`), which is what ownership is keyed on: user names can
   * change. Null for a resource registered before subjects were kept and not claimed yet; its
   * user name stands in until its owner next uses it.
   */
  owner_subject?: string | null;
  visibility: z.infer<typeof visibilitySchema>;
  shared_with: SharedWith;
}

/** Whether the caller owns the resource: by subject, or by user name for a resource that has no subject yet. */
export function isOwner(caller: Caller, resource: { owner: string; owner_subject?: string | null }): boolean {
  return resource.owner_subject ? resource.owner_subject === caller.subject : resource.owner === caller.username;
}

/**
 * The one rule for records kept per caller (call logs, runs): a list filter narrowed to what the
 * caller may read. Administrators read anyone's (`caller` filters by user name); everyone else
 * their own, by subject (and, for records kept before subjects were, by user name), and a
 * `caller` filter naming someone else is refused rather than quietly answered with their own.
 */
export function readableBy<F extends { caller?: string }>(caller: Caller, filter: F): F & { caller_subject?: string } {
  if (caller.admin) return filter;
  if (filter.caller !== undefined && filter.caller !== caller.username) {
    throw new AppError('forbidden', "only administrators can read other callers' records");
  }
  return { ...filter, caller: caller.username, caller_subject: caller.subject };
}

/**
 * The one rule for "may this caller use this endpoint/task": owner, shared, public or admin.
 * `shared_with.users` names users by subject or by user name (a name keeps working for whoever
 * holds it: share by subject where that matters).
 */
export function mayUse(caller: Caller, resource: AccessControlled): boolean {
  if (caller.admin || isOwner(caller, resource) || resource.visibility === 'public') return true;
  if (resource.visibility === 'private') return false;
  const { users, roles, groups } = resource.shared_with;
  return (
    users.includes(caller.subject) ||
    users.includes(caller.username) ||
    caller.roles.some((r) => roles.includes(r)) ||
    caller.groups.some((g) => groups.includes(g))
  );
}
