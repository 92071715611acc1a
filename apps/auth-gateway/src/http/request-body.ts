import type { IncomingMessage } from 'node:http';
import { AppError } from '@cleargate/contracts';

/**
 * The whole body of a raw Node request, after `head` when one is given (an invocation frame's
 * header: the body goes straight into the frame), refused with 413 (`payload_too_large`) once it
 * passes `limit` bytes — at once when Content-Length says so, before a byte of it is read. Each
 * byte is copied once, from the socket's chunks into the buffer returned: into place as it
 * arrives when Content-Length is known, else at the end; a body of one chunk without a head is
 * that chunk, not a copy.
 */
export function readRequestBody(req: IncomingMessage, limit: number, head?: Buffer): Promise<Buffer> {
  const declared = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge());
  const offset = head?.length ?? 0;
  return new Promise<Buffer>((resolve, reject) => {
    // Content-Length known and a head to put first: the frame is laid out at once.
    let whole: Buffer | undefined;
    if (head && Number.isInteger(declared) && declared >= 0) {
      whole = Buffer.allocUnsafe(offset + declared);
      head.copy(whole, 0);
    }
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) {
        cleanup();
        reject(tooLarge());
        return;
      }
      if (whole && offset + size + chunk.length <= whole.length) chunk.copy(whole, offset + size);
      else if (whole) {
        // More than Content-Length said (the HTTP parser does not let this happen): the slow way.
        chunks = [whole.subarray(offset, offset + size), chunk];
        whole = undefined;
      } else if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
      size += chunk.length;
    };
    const onEnd = () => {
      cleanup();
      if (whole) return resolve(whole.subarray(0, offset + size));
      if (!head) return resolve(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
      resolve(Buffer.concat([head, ...(chunks ?? (first ? [first] : []))], offset + size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new AppError('invalid_argument', `the request body could not be read (${err.message})`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(): AppError {
  return new AppError('payload_too_large', 'the request body is larger than the limit');
}
