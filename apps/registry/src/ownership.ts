import { AppError, Caller, isOwner } from '@cleargate/contracts';

/**
 * Ownership of machines, endpoints and tasks is keyed on the owner's subject (the token's `sub`,
 * which never changes; user names can). Rows stored before subjects were kept have only the
 * owner's user name (`owner_subject` null) until their owner claims them (`claimBy`); the
 * migration fills what an operator's mapping knows (1764500000000-OwnerSubjects.ts).
 */

/** What the owner filter of a list needs: the caller's subject, and the user name for rows that have none yet. */
export type OwnerFilter = { subject: string; username: string };
export const ownerFilterOf = (caller: Caller): OwnerFilter => ({ subject: caller.subject, username: caller.username });

/** The SQL condition of an owner filter on `alias` (owner_subject, or owner for rows without one). */
export const ownerCondition = (alias: string) =>
  `(${alias}.owner_subject = :ownerSubject OR (${alias}.owner_subject IS NULL AND ${alias}.owner = :ownerName))`;

/** Its parameters. */
export const ownerParameters = (owner: OwnerFilter) => ({ ownerSubject: owner.subject, ownerName: owner.username });

/** An owned row as the access rules read it. */
export const ownedBy = (row: { owner: string; ownerSubject: string | null }) => ({ owner: row.owner, owner_subject: row.ownerSubject });

/** Registrars manage their own machines; administrators manage all of them. */
export function assertOwner(caller: Caller, row: { owner: string; ownerSubject: string | null }, what: string): void {
  if (!caller.admin && !isOwner(caller, ownedBy(row)))
    throw new AppError('forbidden', `only the owner or an administrator may change this ${what}`);
}

/**
 * A row stored before subjects were kept is claimed by its owner on first use: from then on it
 * is theirs by subject, whatever their user name becomes. Returns the subject to store, or null.
 */
export function claimBy(caller: Caller, row: { owner: string; ownerSubject: string | null }): string | null {
  return row.ownerSubject === null && row.owner === caller.username ? caller.subject : null;
}
