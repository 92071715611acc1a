import { z } from 'zod';

/**
 * Zod building blocks for environment variables. Every value arrives as a string, so each
 * helper parses it into the type the service uses and rejects anything ambiguous.
 */

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export const envBool = (fallback?: boolean) => {
  const schema = z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => TRUE.has(v) || FALSE.has(v), { message: 'expected true or false' })
    .transform((v) => TRUE.has(v));
  return fallback === undefined ? schema : schema.default(fallback);
};

export const envInt = (opts: { min?: number; max?: number; default?: number } = {}) => {
  let schema = z.coerce.number().int();
  if (opts.min !== undefined) schema = schema.min(opts.min);
  if (opts.max !== undefined) schema = schema.max(opts.max);
  return opts.default === undefined ? schema : schema.default(opts.default);
};

export const envPort = (fallback?: number) => envInt({ min: 0, max: 65535, default: fallback });

export const envUrl = (protocols: string[] = ['http', 'https'], fallback?: string) => {
  const schema = z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `expected a ${protocols.join('/')} URL` },
    );
  return fallback === undefined ? schema : schema.default(fallback);
};

/**
 * A comma-separated list of URLs of one of the given schemes, all of the same one (kept as the
 * text given): the nodes of a cluster.
 */
export const envUrlList = (protocols: string[], fallback?: string) => {
  const schema = z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          const schemes = new Set(v.split(',').map((u) => new URL(u.trim()).protocol.replace(/:$/, '')));
          return schemes.size === 1 && protocols.includes([...schemes][0]!);
        } catch {
          return false;
        }
      },
      { message: `expected one or more ${protocols.join('/')} URLs, comma-separated, all of one scheme` },
    );
  return fallback === undefined ? schema : schema.default(fallback);
};

/** A comma-separated list; blanks dropped. */
export const envList = (fallback: string[] = []) =>
  z
    .string()
    .default(fallback.join(','))
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

/** A JSON document (object or array) validated by `schema`. */
export const envJson = <T extends z.ZodType>(schema: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const envLogLevel = () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** A secret: must be present and long enough; its value is never printed. */
export const envSecret = (minLength = 16) => z.string().min(minLength, `must be at least ${minLength} characters`);
