import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, ErrorCode } from '@cleargate/contracts';

/**
 * How long, and how many bytes, a connection the gateway closes keeps being read after its last
 * answer, as nginx's lingering close does (lingering_time). A client that sends its whole body
 * before reading the answer (Python's urllib and requests, curl without Expect) gets the 413
 * instead of a broken pipe: closing a socket with unread data makes the kernel reset it, and
 * the reset throws away the answer on its way.
 */
export const LINGER_MS = 5_000;
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Replaces Node's `socket.destroySoon` (which the HTTP server calls once the last answer on a
 * `Connection: close` socket is written): half-close after the answer, keep reading what the
 * client still sends (the request body is discarded), and close when the client closes, or
 * after LINGER_MS or LINGER_MAX_BYTES, whichever comes first. One shared function, no
 * allocation per connection until it closes.
 */
function lingeringDestroySoon(this: Socket): void {
  if (this.destroyed) return;
  if (this.writable) this.end();
  const readBefore = this.bytesRead;
  const check = setInterval(() => {
    if (this.bytesRead - readBefore > LINGER_MAX_BYTES) this.destroy();
  }, 50);
  const deadline = setTimeout(() => this.destroy(), LINGER_MS);
  check.unref();
  deadline.unref();
  this.once('close', () => {
    clearInterval(check);
    clearTimeout(deadline);
  });
  this.once('end', () => this.destroy());
}

const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'headers_too_large', message: 'the request headers are larger than the limit' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request was not received in time' },
  ERR_HTTP_HEADERS_TIMEOUT: { code: 'request_timeout', message: 'the request headers were not received in time' },
};

/** The answer to a request Node's HTTP parser refused, in the error envelope (Node's own is plain text). */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
  const error = known
    ? new AppError(known.code, known.message)
    : new AppError('invalid_argument', err.code === 'HPE_INVALID_METHOD' ? 'unknown request method' : 'malformed HTTP request');
  const body = JSON.stringify({ error: error.toBody(), request_id: randomUUID() });
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[error.httpStatus] ?? 'Error';
  return (
    `HTTP/1.1 ${error.httpStatus} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * Node's protections against slow and oversized requests (maxHeaderSize is a constructor
 * option, set where the server is made), the error envelope for requests the parser refuses, and
 * lingering close for every connection the gateway closes.
 */
export function guardServer(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('connection', (socket: Socket) => {
    socket.destroySoon = lingeringDestroySoon;
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A reset or a client gone away: nobody to answer.
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    socket.end(clientErrorResponse(err));
  });
}

/**
 * Once an answer is complete while its request body is still arriving (a 413, or a 401 before the
 * body was read), the rest of the body is read and thrown away, so that it does not stall the
 * socket during the lingering close.
 */
export function drainAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (!req.complete) req.resume();
  });
}
