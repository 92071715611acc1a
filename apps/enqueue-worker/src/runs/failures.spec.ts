import { ClearmlApiError, ClearmlNetworkError, ClearmlResponseError, ClearmlTimeoutError } from '@cleargate/clearml';
import { InvalidParamsError } from './clone-request';
import { classifyFailure, RetryLaterError, UnknownQueueError } from './failures';

const apiError = (httpStatus: number, subcode: number, message = 'boom', endpoint = 'tasks.clone') =>
  new ClearmlApiError({ endpoint, httpStatus, code: httpStatus, subcode, message });

describe('classifyFailure', () => {
  it('retries what may work later: ClearML unreachable, timing out, overloaded, or refusing our credentials', () => {
    const retried = [
      new ClearmlNetworkError('tasks.get_all', 'refused', 'ECONNREFUSED', new Error('connect ECONNREFUSED')),
      new ClearmlNetworkError('tasks.enqueue', 'reset', 'ECONNRESET', new Error('socket hang up')),
      new ClearmlTimeoutError('tasks.clone', 15_000),
      apiError(503, 0),
      apiError(502, 0),
      apiError(500, 0),
      apiError(401, 22, 'Unauthorized (invalid credentials)', 'auth.login'),
      new RetryLaterError('queue changed'),
      new Error('NATS publish timed out'),
    ];
    for (const err of retried) expect(classifyFailure(err)).toMatchObject({ retry: true });
  });

  it("fails an unknown template task as not_found, with ClearML's message", () => {
    expect(classifyFailure(apiError(400, 101, 'Invalid task id: id=abc', 'tasks.get_by_id'))).toEqual({
      retry: false,
      code: 'not_found',
      message: 'ClearML tasks.get_by_id: Invalid task id: id=abc (400/101 invalid_task_id)',
    });
  });

  it('fails an unknown queue and refused parameters as invalid_argument', () => {
    expect(classifyFailure(new UnknownQueueError('gpu'))).toEqual({
      retry: false,
      code: 'invalid_argument',
      message: 'queue "gpu" does not exist in ClearML',
    });
    expect(classifyFailure(apiError(400, 12, 'Validation error'))).toMatchObject({ retry: false, code: 'invalid_argument' });
    expect(classifyFailure(apiError(400, 11))).toMatchObject({ retry: false, code: 'invalid_argument' });
    expect(classifyFailure(new InvalidParamsError('bad'))).toMatchObject({ retry: false, code: 'invalid_argument' });
  });

  it('fails anything else ClearML refuses as upstream_error, without retrying', () => {
    expect(classifyFailure(apiError(400, 110, 'Invalid task status'))).toMatchObject({ retry: false, code: 'upstream_error' });
    expect(classifyFailure(apiError(403, 21))).toMatchObject({ retry: false, code: 'upstream_error' });
    expect(classifyFailure(apiError(500, 100))).toMatchObject({ retry: false, code: 'upstream_error' });
    expect(classifyFailure(new ClearmlResponseError('tasks.clone', 200, 'id: required'))).toMatchObject({
      retry: false,
      code: 'upstream_error',
    });
  });
});
