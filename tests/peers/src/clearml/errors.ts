/**
 * Error codes, subcodes and messages from apiserver/apierrors/errors.conf, formatted the way
 * apierrors/base.py BaseError does: "<Default msg>[ (<extra>)][: k=v, k2=(a, b)]". The generated
 * error classes capitalise the default message (python str.capitalize), which is why the SDK shows
 * "Unauthorized (invalid credentials) (failed to locate provided credentials)".
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly errorData: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type ErrorDef = readonly [code: number, subcode: number, message: string];

const capitalize = (s: string): string => (s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s);

export const ERR = {
  // 400
  invalidId: [400, 10, 'invalid object id'],
  missingRequiredFields: [400, 11, 'missing required fields'],
  validationError: [400, 12, 'validation error'],
  invalidFields: [400, 14, 'fields not defined for object'],
  fieldsConflict: [400, 15, 'conflicting fields'],
  fieldsValueError: [400, 16, 'invalid value for fields'],
  invalidRegex: [400, 21, 'malformed regular expression'],
  invalidTaskId: [400, 101, 'invalid task id'],
  invalidTaskStatus: [400, 110, 'invalid task status'],
  failedChangingTaskStatus: [400, 121, 'failed changing task status. probably someone changed it before you'],
  missingTaskFields: [400, 122, 'task is missing expected fields'],
  invalidProjectId: [400, 401, 'invalid project id'],
  invalidQueueId: [400, 701, 'invalid queue id'],
  invalidQueueOrTaskNotQueued: [400, 703, 'invalid queue id or task not in queue'],
  taskAlreadyQueued: [400, 706, 'failed adding task to queue since task is already queued'],
  noDefaultQueue: [400, 707, 'no queue is tagged as the default queue for this company'],
  multipleDefaultQueues: [400, 708, 'more than one queue is tagged as the default queue for this company'],
  dataValidationError: [400, 800, 'data validation error'],
  invalidWorkerId: [400, 1001, 'invalid worker id'],
  invalidScrollId: [400, 1104, 'Invalid scroll id'],
  // 401
  notAuthorized: [401, 1, 'unauthorized (not authorized for endpoint)'],
  badAuthType: [401, 10, 'unauthorized (bad authentication header type)'],
  noCredentials: [401, 20, 'unauthorized (missing credentials)'],
  badCredentials: [401, 21, 'unauthorized (malformed credentials)'],
  invalidCredentials: [401, 22, 'unauthorized (invalid credentials)'],
  invalidToken: [401, 30, 'invalid token'],
  blockedToken: [401, 31, 'token is blocked'],
  // 403
  noWritePermission: [403, 21, 'forbidden (modification not allowed)'],
  // 500
  generalError: [500, 0, 'general server error'],
  internalError: [500, 1, 'internal server error'],
  dataError: [500, 100, 'general data error'],
} as const satisfies Record<string, ErrorDef>;

/** Python str() of a value as it appears inside an error message. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `'${k}': ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Python repr() for the common JSON types. */
export function pyRepr(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : pyStr(value);
}

function formatKwarg(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map((v) => pyStr(v)).join(', ')})`;
  if (value && typeof value === 'object') return `(${Object.keys(value).join(', ')})`;
  return pyStr(value);
}

/**
 * Build an API error the way BaseError.__init__ does.
 * @param extra   the optional "extra_msg" positional argument
 * @param kwargs  keyword arguments; they are appended to the message and returned as error_data
 */
export function apiError(def: ErrorDef, extra?: string | null, kwargs: Record<string, unknown> = {}): ApiError {
  const [code, subcode, msg] = def;
  let message = capitalize(msg);
  if (extra) message += ` (${extra})`;
  const entries = Object.entries(kwargs);
  if (entries.length) message += `: ${entries.map(([k, v]) => `${k}=${formatKwarg(v)}`).join(', ')}`;
  return new ApiError(code, subcode, message, JSON.parse(JSON.stringify(kwargs, (_k, v) => (v === undefined ? null : v))));
}

/** An error whose message is not built from a catalogue entry (path errors, unknown endpoints). */
export function rawError(code: number, subcode: number, message: string): ApiError {
  return new ApiError(code, subcode, message);
}
