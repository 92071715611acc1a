/**
 * Request parsing as the server's jsonmodels request models do it (service_repo/validators.py):
 * unknown fields are ignored, a missing required field is 400/12 "Validation error (error for field
 * 'task'. field is required!)", a value of the wrong type is 400/12 "Validation error (value is
 * wrong, expected type "str" ...)", IntField converts with int() and BoolField with bool().
 */
import { ERR, apiError, pyStr } from './errors';
import { Doc } from './types';

const wrongType = (type: string, value: unknown) =>
  apiError(ERR.validationError, `value is wrong, expected type "${type}" ${pyStr(value).toLowerCase()}`);

const required = (name: string) => apiError(ERR.validationError, `error for field '${name}'. field is required!`);

/** Python truthiness, used by jsonmodels BoolField. */
export function pyBool(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as Doc).length > 0;
  return true;
}

export class Req {
  constructor(readonly data: Doc) {}

  has(name: string): boolean {
    return this.data[name] !== undefined && this.data[name] !== null;
  }

  str(name: string, opts: { required: true; choices?: readonly string[] }): string;
  str(name: string, opts?: { required?: false; choices?: readonly string[]; default?: string }): string | undefined;
  str(name: string, opts: { required?: boolean; choices?: readonly string[]; default?: string } = {}): string | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) {
      if (opts.required) throw required(name);
      return opts.default;
    }
    if (typeof v !== 'string') throw wrongType('str', v);
    if (opts.choices && !opts.choices.includes(v)) {
      throw apiError(ERR.validationError, `error for field '${name}'. value '${v}' is not a valid choice.`);
    }
    return v;
  }

  int(name: string, opts: { required?: boolean; default?: number } = {}): number | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) {
      if (opts.required) throw required(name);
      return opts.default;
    }
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v === 'boolean') return Number(v);
    if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
    if (typeof v === 'string') throw apiError(ERR.validationError, `invalid literal for int() with base 10: '${v}'`);
    throw apiError(
      ERR.validationError,
      `int() argument must be a string, a bytes-like object or a real number, not '${Array.isArray(v) ? 'list' : 'dict'}'`,
    );
  }

  float(name: string): number | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    if (typeof v === 'string') throw apiError(ERR.validationError, `could not convert string to float: '${v}'`);
    throw apiError(ERR.validationError, `float() argument must be a string or a real number, not '${Array.isArray(v) ? 'list' : 'dict'}'`);
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.data[name];
    if (v === undefined || v === null) return dflt;
    return pyBool(v);
  }

  strList(name: string): string[] | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw wrongType('list', v);
    for (const item of v) if (typeof item !== 'string') throw wrongType('str', item);
    return v as string[];
  }

  dict(name: string): Doc | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType('dict', v);
    return v as Doc;
  }

  list(name: string, opts: { required?: boolean } = {}): unknown[] | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) {
      if (opts.required) throw required(name);
      return undefined;
    }
    if (!Array.isArray(v)) throw wrongType('list', v);
    return v;
  }
}
