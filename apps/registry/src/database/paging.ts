import { SelectQueryBuilder, ObjectLiteral } from 'typeorm';
import { AppError } from '@cleargate/contracts';

/**
 * Keyset pagination, newest first, on (timestamp column, id): stable while rows are added,
 * unlike OFFSET. The cursor is opaque to clients.
 */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

/** The (time, id) of a cursor made by encodeCursor; anything else is a 400. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(Date.parse(at)) || typeof id !== 'string') throw new Error('bad cursor');
    return [at, id];
  } catch {
    throw new AppError('invalid_argument', 'invalid cursor');
  }
}

export function applyCursor<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  column: string,
  cursor: string | undefined,
  limit: number,
): SelectQueryBuilder<T> {
  if (cursor) {
    const [at, id] = decodeCursor(cursor);
    qb.andWhere(`(${alias}.${column}, ${alias}.id) < (:cursorAt, :cursorId)`, { cursorAt: at, cursorId: id });
  }
  return qb
    .orderBy(`${alias}.${column}`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .take(limit + 1);
}

export function pageResult<E, T>(
  rows: E[],
  limit: number,
  toItem: (row: E) => T,
  keyOf: (row: E) => [Date, string],
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toItem),
    next_cursor: rows.length > limit && last ? encodeCursor(...keyOf(last)) : null,
  };
}
