import type { IncomingMessage } from 'node:http';
import { AppError } from '@cleargate/contracts';

/**
 * The whole body of a raw Node request, refused with 413 (`payload_too_large`) once it passes
 * `limit` bytes, at once when Content-Length says so. A body that arrives in one chunk is returned
 * as it is, without a copy.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge());
      } else if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
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
