import { HttpError } from 'react-admin';

/** The gateway's error envelope: `{error: {code, message, details?}, request_id}`. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
  request_id?: string;
}

export function isErrorEnvelope(body: unknown): body is ErrorEnvelope {
  const e = (body as ErrorEnvelope | null)?.error;
  return !!e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string';
}

/**
 * An error answer as react-admin shows it: the envelope's message (and request id, to quote to
 * an operator), and for a 400 the failing fields, which forms show beside their inputs.
 */
export function apiError(status: number, body: unknown): HttpError {
  if (!isErrorEnvelope(body)) {
    return new HttpError(status === 0 ? 'The ClearGate API could not be reached' : `The API answered ${status}`, status, body);
  }
  const { message, code, details } = body.error;
  const errors: Record<string, string> = {};
  const issues = (details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
  for (const issue of issues ?? []) {
    // `body.shared_with.users.0` → the form field `shared_with.users.0`.
    const field = issue.path.replace(/^(body|query|path)\.?/, '');
    if (field && !(field in errors)) errors[field] = issue.message;
  }
  const text = body.request_id ? `${message} (request ${body.request_id})` : message;
  return new HttpError(text, status, { ...body, code, ...(Object.keys(errors).length ? { errors } : {}) });
}
