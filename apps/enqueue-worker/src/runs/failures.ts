import { ClearmlApiError, ClearmlError, ClearmlResponseError, isTransient } from '@cleargate/clearml';
import { InvalidParamsError } from './clone-request';

/** The error codes a failed run can carry (a subset of the contracts' error codes). */
export type RunFailureCode = 'not_found' | 'invalid_argument' | 'upstream_error';

/** Retry the run later (nak with backoff), or fail it now for good. */
export type Failure = { retry: true; message: string } | { retry: false; code: RunFailureCode; message: string };

/** The run's queue name matches no ClearML queue. Queues are never created implicitly. */
export class UnknownQueueError extends Error {
  constructor(readonly queue: string) {
    super(`queue "${queue}" does not exist in ClearML`);
    this.name = 'UnknownQueueError';
  }
}

/** Worth another delivery even though ClearML answered (e.g. a cached queue id went stale). */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

const NOT_FOUND = new Set(['invalid_task_id', 'task_not_found']);
const INVALID_ARGUMENT = new Set([
  'invalid_id',
  'missing_required_fields',
  'validation_error',
  'invalid_fields',
  'fields_conflict',
  'fields_value_error',
  'fields_type_error',
  'invalid_regex_error',
  'task_validation_error',
  'invalid_task_input',
  'data_validation_error',
  'invalid_queue_id',
]);

/** `ClearML tasks.get_by_id: Invalid task id: id=… (400/101 invalid_task_id)`: ClearML's own words plus the code. */
export function describeClearmlError(err: ClearmlApiError): string {
  return `ClearML ${err.endpoint}: ${err.message || 'no message'} (${err.code}/${err.subcode} ${err.name})`;
}

/**
 * Transient (ClearML unreachable, timing out, 5xx/503, or refusing our credentials, which an
 * operator can fix without touching the run) → retry. ClearML refusing the request itself →
 * permanent: `not_found` for an unknown template task, `invalid_argument` for an unknown queue
 * or parameters it rejects, `upstream_error` for anything else it refuses. Errors that are not
 * ClearML's (NATS publish failures, surprises) are retried: the run ends in the dead-letter
 * subject if they persist, from where it can be replayed.
 */
export function classifyFailure(err: unknown): Failure {
  if (err instanceof UnknownQueueError) return { retry: false, code: 'invalid_argument', message: err.message };
  if (err instanceof InvalidParamsError) return { retry: false, code: 'invalid_argument', message: err.message };
  if (err instanceof RetryLaterError) return { retry: true, message: err.message };
  if (err instanceof ClearmlApiError) {
    const message = describeClearmlError(err);
    if (isTransient(err) || err.httpStatus === 401) return { retry: true, message };
    if (NOT_FOUND.has(err.name)) return { retry: false, code: 'not_found', message };
    if (INVALID_ARGUMENT.has(err.name)) return { retry: false, code: 'invalid_argument', message };
    return { retry: false, code: 'upstream_error', message };
  }
  if (err instanceof ClearmlResponseError) return { retry: false, code: 'upstream_error', message: `ClearML ${err.message}` };
  if (err instanceof ClearmlError) return { retry: true, message: `ClearML ${err.message}` };
  return { retry: true, message: err instanceof Error ? err.message : String(err) };
}
