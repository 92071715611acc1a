import type { ServeBody } from './models';

/** A FastAPI error response: status plus the `detail` member of `{"detail": ...}`. */
export interface FastApiError {
  status: number;
  detail: unknown;
}

/**
 * FastAPI's handling of a body declared `Union[bytes, Dict[Any, Any]] = None` (clearml-serving
 * serving/main.py): JSON is attempted when the content type is absent or `application/json` /
 * `application/*+json`, any other content type yields the raw bytes; a JSON body must then
 * validate as bytes (a JSON string) or as a dict (pydantic v2 error format otherwise).
 */
export function parseServeBody(raw: Buffer, contentType: string | undefined): ServeBody | FastApiError {
  if (raw.length === 0) return { kind: 'none' };
  if (!wantsJson(contentType)) return { kind: 'bytes', value: raw, contentType };
  let value: unknown;
  const text = raw.toString('utf8');
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { status: 422, detail: [jsonInvalid(text, e as Error)] };
  }
  if (value === null) return { kind: 'none' };
  if (typeof value === 'object' && !Array.isArray(value)) return { kind: 'json', value: value as Record<string, unknown> };
  if (typeof value === 'string') return { kind: 'bytes', value: Buffer.from(value, 'utf8'), contentType };
  return {
    status: 422,
    detail: [
      { type: 'bytes_type', loc: ['body', 'bytes'], msg: 'Input should be a valid bytes', input: value },
      { type: 'dict_type', loc: ['body', 'dict[any,any]'], msg: 'Input should be a valid dictionary', input: value },
    ],
  };
}

function wantsJson(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  const slash = media.indexOf('/');
  if (slash === -1 || media.slice(0, slash) !== 'application') return false;
  const sub = media.slice(slash + 1);
  return sub === 'json' || sub.endsWith('+json');
}

/**
 * FastAPI reports `json.JSONDecodeError` as `{"type":"json_invalid","loc":["body",<pos>],...}`.
 * The position comes from V8's message; Python's wording of the cause is approximated.
 */
function jsonInvalid(text: string, e: Error): unknown {
  const m = /position (\d+)/.exec(e.message);
  const pos = m ? Number(m[1]) : text.trimEnd().length;
  return {
    type: 'json_invalid',
    loc: ['body', pos],
    msg: 'JSON decode error',
    input: {},
    ctx: { error: 'Expecting value' },
  };
}

/** clearml-serving `_normalize_endpoint_url`: `"{endpoint.rstrip('/')}/{version or ''}".rstrip('/')`. */
export function normalizeEndpointUrl(endpoint: string, version: string | undefined): string {
  return `${endpoint.replace(/\/+$/, '')}/${version ?? ''}`.replace(/\/+$/, '');
}

/** clearml-serving names the Triton model of endpoint `a/2` `a_2` (triton_helper.py). */
export function tritonModelName(endpointUrl: string): string {
  return endpointUrl.replace(/\//g, '_');
}

export function notFoundDetail(url: string): string {
  return `Error processing request, endpoint was not found: Model inference endpoint '${url}' not found`;
}

/** 1.3.5's `process_with_exceptions`: every non-HTTP exception becomes 422 with the Python type in the text. */
export function exceptionDetail(pythonType: string, message: string): string {
  return `Error [<class '${pythonType}'>] processing request: ${message}`;
}
