import { QueryFailedError } from 'typeorm';
import { databaseUnavailable } from './unavailable';

/** Errors shaped as node-postgres and TypeORM raise them. */
const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('INSERT INTO runs …', [], driverError);

describe('databaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a connection the server ended', new Error('Connection terminated unexpectedly')],
    ['no connection from the pool in time', new Error('timeout exceeded when trying to connect')],
    [
      'a server shutting down (57P01), through TypeORM',
      queryFailed(pgError('terminating connection due to administrator command', '57P01')),
    ],
    ['a server starting up (57P03)', pgError('the database system is starting up', '57P03')],
    ['a connection exception (08006)', pgError('connection failure', '08006')],
    ['too many connections (53300)', pgError('sorry, too many clients already', '53300')],
    ['a lost connection as the cause', new Error('query failed', { cause: new Error('Connection terminated due to connection timeout') })],
  ])('answers %s as unavailable', (_what, err) => {
    const app = databaseUnavailable(err);
    expect(app?.code).toBe('unavailable');
    expect(app?.httpStatus).toBe(503);
  });

  it.each([
    ['a unique violation (23505)', queryFailed(pgError('duplicate key value violates unique constraint', '23505'))],
    ['a statement timeout (57014)', pgError('canceling statement due to statement timeout', '57014')],
    ['a syntax error (42601)', pgError('syntax error at or near "FROM"', '42601')],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['something not an error', 'boom'],
  ])('leaves %s to be an internal error', (_what, err) => {
    expect(databaseUnavailable(err)).toBeNull();
  });
});
