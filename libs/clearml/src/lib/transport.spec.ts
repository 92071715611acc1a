import { ClearmlApiError, ClearmlNetworkError, ClearmlResponseError } from './errors';
import { parseEnvelope, toNetworkError } from './transport';

const envelope = (code: number, subcode: number, msg: string, data: unknown = {}) =>
  JSON.stringify({
    meta: {
      id: 'call-1',
      trx: 'call-1',
      endpoint: { name: 'tasks.get_by_id', requested_version: '2.23', actual_version: '2.1' },
      result_code: code,
      result_subcode: subcode,
      result_msg: msg,
      error_stack: null,
      error_data: {},
    },
    data,
  });

describe('parseEnvelope', () => {
  it('returns data for a 200 envelope', () => {
    expect(parseEnvelope('tasks.get_by_id', 200, envelope(200, 0, 'OK', { task: { id: 't' } }))).toEqual({
      task: { id: 't' },
    });
  });

  it('maps an error envelope to a ClearmlApiError with the table name', () => {
    const err = (() => {
      try {
        parseEnvelope('tasks.get_by_id', 400, envelope(400, 101, 'Invalid task id: id=abc'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ClearmlApiError);
    expect(err).toMatchObject({
      name: 'invalid_task_id',
      httpStatus: 400,
      code: 400,
      subcode: 101,
      message: 'Invalid task id: id=abc',
      endpoint: 'tasks.get_by_id',
      callId: 'call-1',
    });
  });

  it('maps a non-envelope error page to an API error named after the status', () => {
    expect(() => parseEnvelope('tasks.get_all', 502, '<html>\n<b>Bad   Gateway</b></html>')).toThrow(
      expect.objectContaining({ name: 'bad_gateway', httpStatus: 502, subcode: 0, message: '<html> <b>Bad Gateway</b></html>' }),
    );
  });

  it('rejects a 200 that is not an envelope', () => {
    expect(() => parseEnvelope('tasks.get_all', 200, 'hello')).toThrow(ClearmlResponseError);
  });
});

describe('toNetworkError', () => {
  const sysError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

  it('classifies errors by code, looking through wrappers', () => {
    expect(toNetworkError('x', sysError('ECONNREFUSED', 'connect'))).toMatchObject({ kind: 'refused' });
    expect(toNetworkError('x', sysError('ENOTFOUND', 'getaddrinfo'))).toMatchObject({ kind: 'dns' });
    expect(toNetworkError('x', sysError('EHOSTUNREACH', 'connect'))).toMatchObject({ kind: 'unreachable' });
    expect(toNetworkError('x', sysError('EHOSTUNREACH', 'write'))).toMatchObject({ kind: 'other' });
    expect(toNetworkError('x', sysError('ECONNRESET', 'read'))).toMatchObject({ kind: 'reset' });
    const wrapped = new Error('fetch failed', { cause: sysError('ECONNREFUSED', 'connect') });
    expect(toNetworkError('x', wrapped)).toMatchObject({ kind: 'refused', errorCode: 'ECONNREFUSED' });
    const aggregate = new AggregateError([sysError('ECONNREFUSED', 'connect')], 'all failed');
    expect(toNetworkError('x', aggregate)).toMatchObject({ kind: 'refused' });
    expect(toNetworkError('x', new Error('?'))).toBeInstanceOf(ClearmlNetworkError);
  });
});
