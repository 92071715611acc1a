import { z } from 'zod';
import { AppError, issuesOf } from '@cleargate/contracts';

/** Validates one part of a request (body, query, params); a failure is a 400 listing the bad paths. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'path'): z.output<S> {
  // A body is validated as sent (JSON `null` included); absent query or path parameters are none.
  const result = schema.safeParse(part === 'body' ? value : (value ?? {}));
  if (result.success) return result.data;
  throw new AppError('invalid_argument', `invalid ${part}`, {
    issues: issuesOf(result.error).map((i) => ({ ...i, path: `${part}.${i.path}`.replace(/\.\(root\)$/, '') })),
  });
}
