import type { Hyperparams, ParamsItem } from './types';

/*
 * Mirrors what the Python SDK stores for `task.connect(dict)` (clearml task.py `_connect_dictionary`,
 * backend_interface/task/task.py `_set_parameters`, utilities/proxy_object.py `flatten_dictionary`
 * and `get_basic_type`), so an agent running the task reads back the values a Python caller would
 * have written. JavaScript cannot tell 1.0 from 1: integral numbers become Python ints.
 */

type PyTypeName = 'str' | 'int' | 'float' | 'bool' | 'NoneType' | 'list' | 'dict';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isPyInt(value: number): boolean {
  return Number.isSafeInteger(value);
}

/** Python `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', expPart = '0'] = value.toExponential().split('e');
  const exp = Number(expPart);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}

function pyNumberStr(value: number): string {
  return isPyInt(value) ? String(value) : pyFloatRepr(value);
}

/** Python `json.dumps` with its defaults: `", "` and `": "` separators, ASCII-only output. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return pyNumberStr(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
  }
  throw new TypeError(`cannot serialise ${describeType(value)} as a hyperparameter`);
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pyJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const code = value.charCodeAt(i);
    const escaped = JSON_ESCAPES[ch];
    if (escaped) out += escaped;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function pyTypeName(value: unknown): PyTypeName {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return isPyInt(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'dict';
  throw new TypeError(`unsupported hyperparameter value: ${describeType(value)}`);
}

/** Python `str(value)` as the SDK's `stringify` applies it: JSON for lists and dicts, '' for None. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumberStr(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  if (Array.isArray(value) || isPlainObject(value)) return pyJsonDumps(value);
  throw new TypeError(`unsupported hyperparameter value: ${describeType(value)}`);
}

/** The SDK's `get_basic_type`: `int`, `float`, `str`, `bool`, `list/int`, `dict/str`, `list`, … */
export function pyBasicType(value: unknown): string {
  if (Array.isArray(value) && value.length > 0) {
    const first = pyTypeName(value[0]);
    if (value.every((v) => pyTypeName(v) === first)) return `list/${first}`;
  } else if (isPlainObject(value)) {
    const values = Object.values(value);
    if (values.length > 0) {
      const first = pyTypeName(values[0]);
      if (values.every((v) => pyTypeName(v) === first)) return `dict/${first}`;
    }
  }
  return pyTypeName(value);
}

function describeType(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** `flatten_dictionary`: nested dicts become `a/b/c` keys; lists and scalars are leaves. */
function flatten(params: Record<string, unknown>, prefix: string, out: Map<string, unknown>): void {
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const path = `${prefix}${key}`;
    if (isPlainObject(value)) {
      const before = out.size;
      flatten(value, `${path}/`, out);
      // An empty dict stays a leaf. (The SDK drops the prefix of an empty nested dict; the full path is kept here.)
      if (out.size === before) out.set(path, {});
    } else {
      out.set(path, value);
    }
  }
}

/**
 * Caller parameters → `params_item`s, as `task.connect(params, name=section)` stores them:
 * nested objects flattened with `/` (`{opt: {lr: 0.1}}` → `General/opt/lr`), values as Python
 * strings (`0.1`, `True`, `[1, 2]`, `''` for null), `type` from `get_basic_type` (none for null).
 * With `section = ''`, the first path segment is the section and bare keys go to `General`.
 */
export function toHyperparams(params: Record<string, unknown>, section = 'General'): ParamsItem[] {
  const flat = new Map<string, unknown>();
  flatten(params, '', flat);
  const prefix = section.replace(/^\/+|\/+$/g, '');
  const items: ParamsItem[] = [];
  for (const [flatKey, value] of flat) {
    let fullKey = prefix ? `${prefix}/${flatKey}` : flatKey;
    if (!fullKey.includes('/')) fullKey = `General/${fullKey}`;
    const slash = fullKey.indexOf('/');
    const item: ParamsItem = {
      section: fullKey.slice(0, slash),
      name: fullKey.slice(slash + 1),
      value: pyStr(value),
    };
    if (value !== null) item.type = pyBasicType(value);
    items.push(item);
  }
  return items;
}

/** `params_item`s → the `section → name → item` map used by `tasks.edit`/`tasks.create`/`tasks.clone`. */
export function hyperparamsBySection(items: readonly ParamsItem[]): Hyperparams {
  const result: Hyperparams = {};
  for (const item of items) {
    (result[item.section] ??= {})[item.name] = item;
  }
  return result;
}
