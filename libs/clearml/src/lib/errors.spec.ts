import { clearmlErrorName } from './error-names';
import { ClearmlApiError, ClearmlNetworkError, ClearmlResponseError, ClearmlTimeoutError, isTransient } from './errors';

const apiError = (httpStatus: number, subcode: number) =>
  new ClearmlApiError({ endpoint: 'tasks.get_all', httpStatus, code: httpStatus, subcode, message: 'm' });

describe('clearmlErrorName', () => {
  it('maps code/subcode pairs from the server errors table', () => {
    expect(clearmlErrorName(400, 101)).toBe('invalid_task_id');
    expect(clearmlErrorName(400, 130)).toBe('task_not_found');
    expect(clearmlErrorName(400, 706)).toBe('task_already_queued');
    expect(clearmlErrorName(400, 707)).toBe('no_default_queue');
    expect(clearmlErrorName(400, 14)).toBe('invalid_fields');
    expect(clearmlErrorName(401, 30)).toBe('invalid_token');
    expect(clearmlErrorName(401, 22)).toBe('invalid_credentials');
    expect(clearmlErrorName(400, 9999)).toBe('bad_request');
    expect(clearmlErrorName(503, 0)).toBe('service_unavailable');
    expect(clearmlErrorName(418, 0)).toBe('http_418');
  });

  it('is the error name', () => {
    expect(apiError(400, 110).name).toBe('invalid_task_status');
  });
});

describe('isTransient', () => {
  it('treats connectivity problems and server overload as transient', () => {
    expect(isTransient(new ClearmlNetworkError('e', 'reset', 'ECONNRESET', undefined))).toBe(true);
    expect(isTransient(new ClearmlTimeoutError('e', 10))).toBe(true);
    for (const status of [429, 502, 503, 504]) expect(isTransient(apiError(status, 0))).toBe(true);
    expect(isTransient(apiError(500, 1))).toBe(true);
    expect(isTransient(apiError(500, 102))).toBe(true);
  });

  it('treats request errors as permanent', () => {
    expect(isTransient(apiError(400, 101))).toBe(false);
    expect(isTransient(apiError(400, 12))).toBe(false);
    expect(isTransient(apiError(401, 22))).toBe(false);
    expect(isTransient(apiError(403, 21))).toBe(false);
    expect(isTransient(apiError(500, 4))).toBe(false);
    expect(isTransient(new ClearmlResponseError('e', 200, 'x'))).toBe(false);
    expect(isTransient(new Error('x'))).toBe(false);
    expect(isTransient(new ClearmlNetworkError('e', 'client_closed', 'UND_ERR_CLOSED', undefined))).toBe(false);
  });

  it('knows which network failures happen before anything is sent', () => {
    expect(new ClearmlNetworkError('e', 'refused', 'ECONNREFUSED', undefined).requestNeverSent).toBe(true);
    expect(new ClearmlNetworkError('e', 'dns', 'ENOTFOUND', undefined).requestNeverSent).toBe(true);
    expect(new ClearmlNetworkError('e', 'reset', 'ECONNRESET', undefined).requestNeverSent).toBe(false);
    expect(new ClearmlNetworkError('e', 'other', undefined, undefined).requestNeverSent).toBe(false);
  });
});
