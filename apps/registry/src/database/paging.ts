import { SelectQueryBuilder, ObjectLiteral } from 'typeorm';
import { AppError, ListSort } from '@cleargate/contracts';

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

/** A list order: a column (entity property) and direction, with the id as tiebreaker. */
export interface ListOrder {
  /** The sort as the API names it, kept in the cursor so that a cursor of another order is refused. */
  key: ListSort;
  property: string;
  desc: boolean;
}

/** The registry lists' orders (machines, endpoints, tasks); newest first by default. */
export function listOrder(sort: ListSort | undefined): ListOrder {
  const key = sort ?? '-created_at';
  const desc = key.startsWith('-');
  return { key, desc, property: key.replace(/^-/, '') === 'name' ? 'name' : 'createdAt' };
}

/** Keyset pagination in any of the list orders; the cursor holds the last row's sort value, id and order. */
export function applyListOrder<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  order: ListOrder,
  cursor: string | undefined,
  limit: number,
  /** The sort column as SQL when it is not the property itself (a nullable name sorts as ''). */
  expression?: string,
): SelectQueryBuilder<T> {
  // Creation times are compared at the cursor's precision (JavaScript dates hold milliseconds,
  // PostgreSQL microseconds): rows of one millisecond are then ordered by id alone.
  const column =
    expression ?? (order.property === 'createdAt' ? `date_trunc('milliseconds', ${alias}.createdAt)` : `${alias}.${order.property}`);
  if (cursor) {
    let value: unknown, id: unknown, key: unknown;
    try {
      [value, id, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    } catch {
      throw new AppError('invalid_argument', 'invalid cursor');
    }
    // Cursors of the default order made before orders existed carry no order.
    const sameOrder = key === order.key || (key === undefined && order.key === '-created_at');
    const validValue = typeof value === 'string' && (order.property !== 'createdAt' || !Number.isNaN(Date.parse(value)));
    if (!sameOrder || !validValue || typeof id !== 'string') throw new AppError('invalid_argument', 'invalid cursor');
    qb.andWhere(`(${column}, ${alias}.id) ${order.desc ? '<' : '>'} (:cursorValue, :cursorId)`, { cursorValue: value, cursorId: id });
  }
  const direction = order.desc ? 'DESC' : 'ASC';
  // LIMIT rather than take(): the lists join at most one row per item (an endpoint's machine),
  // and take()'s two-query form cannot order by an expression.
  return qb
    .orderBy(column, direction)
    .addOrderBy(`${alias}.id`, direction)
    .limit(limit + 1);
}

export function listPage<E extends { id: string; createdAt: Date; name?: string | null }, T>(
  rows: E[],
  limit: number,
  order: ListOrder,
  toItem: (row: E) => T,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const value = last && (order.property === 'name' ? (last.name ?? '') : last.createdAt.toISOString());
  return {
    items: items.map(toItem),
    next_cursor: rows.length > limit && last ? Buffer.from(JSON.stringify([value, last.id, order.key])).toString('base64url') : null,
  };
}

/**
 * The caller filter of records kept per caller (runs, call logs): by subject, and by user name
 * for records stored before subjects were kept (`readableBy` sets both for a non-administrator);
 * by user name alone when an administrator filters with `caller`.
 */
export function callerCondition(
  qb: SelectQueryBuilder<ObjectLiteral>,
  alias: string,
  filter: { caller?: string; caller_subject?: string },
): void {
  if (filter.caller_subject !== undefined) {
    qb.andWhere(`(${alias}.caller_subject = :callerSubject OR (${alias}.caller_subject IS NULL AND ${alias}.caller = :callerName))`, {
      callerSubject: filter.caller_subject,
      callerName: filter.caller ?? '',
    });
  } else if (filter.caller) {
    qb.andWhere(`${alias}.caller = :caller`, { caller: filter.caller });
  }
}
