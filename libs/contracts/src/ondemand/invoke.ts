/**
 * On-demand invocation is the hot path, so it does not use JSON request/reply envelopes: the
 * model input travels as the raw NATS payload (an image stays binary, no base64) and the
 * metadata as headers. The router replies with the upstream body as payload and the status
 * in a header; on an error the payload is the error envelope and `cg-error` is set.
 */
export const ONDEMAND_INVOKE_SUBJECT = 'ondemand.endpoint.invoke.v1';

export const INVOKE_HEADERS = {
  machineId: 'cg-machine-id',
  endpoint: 'cg-endpoint',
  /** JSON of the Caller. */
  caller: 'cg-caller',
  route: 'cg-route',
  contentType: 'content-type',
  accept: 'accept',
} as const;

export const INVOKE_REPLY_HEADERS = {
  status: 'cg-status',
  contentType: 'content-type',
  error: 'cg-error',
} as const;
