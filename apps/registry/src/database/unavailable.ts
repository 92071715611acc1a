import { AppError } from '@cleargate/contracts';

/** SQLSTATEs of a server that is gone, going or full: class 08 (connection exception), 57P01–57P03, 53300. */
const UNAVAILABLE_SQLSTATE = /^(08\d{3}|57P0[123]|53300)$/;
/** What Node says of a connection it could not open or lost. */
const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What node-postgres and its pool say when the connection is lost or cannot be had in time. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

/**
 * A failure of the database connection rather than of the request: answered `unavailable`
 * (503 at the gateway, which clients may retry) instead of an internal error. Looks through
 * TypeORM's QueryFailedError (`driverError`) and `cause` to node-postgres's error.
 */
export function databaseUnavailable(err: unknown): AppError | null {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return unavailable();
    if (typeof message === 'string' && CONNECTION_MESSAGES.some((m) => message.includes(m))) return unavailable();
    e = (e as { driverError?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return null;
}

const unavailable = () => new AppError('unavailable', 'the registry cannot reach its database; try again shortly');
