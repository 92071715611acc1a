/**
 * The server's generic "get_all" machinery (apiserver/database/model/base.py GetMixin and
 * database/projection.py ProjectionHelper) over in-memory documents: query parameters
 * (pattern, list, range, datetime and multi-field conditions), ordering with the id tiebreaker and
 * "empty values last" rule, paging capped at 500, scroll states and projections.
 */
import { parseServerDate } from './clock';
import { ApiError, ERR, apiError, pyStr } from './errors';
import { PeerStore, clone } from './store';
import { Doc } from './types';

export interface QueryOptions {
  patternFields: readonly string[];
  /** Field names; a trailing '*' matches every parameter starting with the prefix. */
  listFields: readonly string[];
  rangeFields: readonly string[];
  datetimeFields: readonly string[];
  fields: readonly string[];
  /** Range fields whose bounds are dates. */
  dateRangeFields?: readonly string[];
  /** Fields of the text index used by search_text. */
  textFields?: readonly string[];
}

/** Task.get_all_query_options */
export const TASK_QUERY: QueryOptions = {
  patternFields: ['name', 'comment', 'report'],
  listFields: [
    'id',
    'user',
    'tags',
    'system_tags',
    'type',
    'status',
    'project',
    'parent',
    'hyperparams.*',
    'execution.queue',
    'models.input.model',
  ],
  rangeFields: ['created', 'started', 'active_duration', 'last_metrics.*', 'last_iteration'],
  datetimeFields: ['status_changed', 'last_update', 'last_change'],
  fields: ['runtime.*'],
  dateRangeFields: ['created', 'started'],
  textFields: ['name', 'id', 'comment', 'report', 'models.input.model', 'models.output.model', 'script.repository', 'script.entry_point'],
};

/** Queue.get_all_query_options */
export const QUEUE_QUERY: QueryOptions = {
  patternFields: ['name'],
  listFields: ['tags', 'system_tags', 'id'],
  rangeFields: [],
  datetimeFields: [],
  fields: [],
};

/** Project.get_all_query_options */
export const PROJECT_QUERY: QueryOptions = {
  patternFields: ['name', 'description'],
  listFields: ['tags', 'system_tags', 'id', 'parent', 'path'],
  rangeFields: [],
  datetimeFields: [],
  fields: [],
  textFields: ['name', 'id', 'description'],
};

const MAX_PAGE_SIZE = 500;

type Pred = (doc: Doc) => boolean;
const TRUE: Pred = () => true;
const and = (a: Pred, b: Pred): Pred => (a === TRUE ? b : b === TRUE ? a : (d) => a(d) && b(d));
const or =
  (a: Pred, b: Pred): Pred =>
  (d) =>
    a(d) || b(d);

// ------------------------------------------------------------------------------------ values

interface Resolved {
  values: unknown[];
  missing: boolean;
}

/** Values a MongoDB query sees at a dotted path (arrays are traversed and their elements added). */
export function resolvePath(doc: unknown, path: string): Resolved {
  let current: unknown[] = [doc];
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (Array.isArray(v) && !/^\d+$/.test(part)) {
        for (const el of v) if (el && typeof el === 'object' && !(el instanceof Date) && part in (el as Doc)) next.push((el as Doc)[part]);
      } else if (v && typeof v === 'object' && !(v instanceof Date) && part in (v as Doc)) {
        next.push((v as Doc)[part]);
      }
    }
    current = next;
  }
  const values: unknown[] = [];
  for (const v of current) {
    if (v === undefined) continue;
    values.push(v);
    if (Array.isArray(v)) values.push(...v);
  }
  return { values, missing: values.length === 0 };
}

function eq(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

const isEmptyValue = (r: Resolved): boolean => r.missing || r.values.every((v) => v === null || (Array.isArray(v) && v.length === 0));

/** BSON comparison order class. */
function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (v instanceof Date) return 9;
  if (Array.isArray(v)) return 5;
  if (typeof v === 'boolean') return 8;
  return 4;
}

type Collator = ((a: string, b: string) => number) | undefined;

function cmp(a: unknown, b: unknown, collator?: Collator): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') {
    if (collator) return collator(a, b);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (ra === 4) return JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;
  return 0;
}

/** Comparison operators only match values of the same BSON type class. */
function compareOp(v: unknown, bound: unknown, op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq'): boolean {
  if (op === 'eq') return eq(v, bound);
  if (typeRank(v) !== typeRank(bound) || v === null || v === undefined) return false;
  const c = cmp(v, bound);
  return op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
}

// ------------------------------------------------------------------------------------ regex

/** Python `re` pattern to a JavaScript RegExp (named groups, \A, \Z, leading inline flags). */
export function pythonRegex(pattern: string, extraFlags = ''): RegExp {
  let flags = extraFlags;
  let src = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    src = src.slice(inline[0].length);
  }
  src = src
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw apiError(ERR.invalidRegex, null, { err: (e as Error).message, extra_info: null });
  }
}

const regexPred =
  (path: string, re: RegExp): Pred =>
  (d) =>
    resolvePath(d, path).values.some((v) => typeof v === 'string' && re.test(v));

// ------------------------------------------------------------------------------------ list fields

/**
 * GetMixin.get_list_field_query / NewListFieldBucketHelper: values are OR'ed by default, "-x" (legacy)
 * or "__$not" x excludes, "__$all"/"__$and" and "__$any"/"__$or" switch the operator, a null value
 * also matches documents where the field is missing or empty.
 */
export function listFieldPred(field: string, data: unknown): Pred {
  const list = Array.isArray(data) ? data : [data];
  const actions: Record<'in' | 'nin' | 'all' | 'not__all', unknown[]> = { in: [], nin: [], all: [], not__all: [] };
  let globalOp: 'and' | 'or' | undefined;
  let context: 'and' | 'or' = 'or';
  let allowEmpty = false;
  let unary: string | undefined;
  const ops: Record<string, 'and' | 'or'> = { __$all: 'and', __$and: 'and', __$any: 'or', __$or: 'or' };
  const add = (value: unknown, include: boolean): void => {
    if (globalOp === undefined) globalOp = 'or';
    const action = context === 'and' ? (include ? 'all' : 'not__all') : include ? 'in' : 'nin';
    actions[action].push(value);
  };
  for (const value of list) {
    if (value === null || value === undefined) {
      unary = undefined;
      if (globalOp === undefined) globalOp = 'or';
      allowEmpty = true;
      continue;
    }
    if (typeof value !== 'string') {
      throw apiError(ERR.fieldsValueError, 'invalid value type, string expected', { field, value: pyStr(value) });
    }
    if (value.startsWith('__$')) {
      if (unary) throw apiError(ERR.fieldsValueError, 'Value is expected after', { field, operator: unary });
      if (value === '__$not' || value === '__$nop') {
        unary = value;
        continue;
      }
      const op = ops[value];
      if (!op) throw apiError(ERR.fieldsValueError, 'Unsupported operator', { field, operator: value });
      context = op;
      if (globalOp === undefined) globalOp = op;
      continue;
    }
    if (value.startsWith('-')) {
      const v = value.slice(1);
      if (!v) throw apiError(ERR.fieldsValueError, 'Missing value after the exclude prefix -', { field, value: v });
      unary = undefined;
      add(v, false);
      continue;
    }
    const include = unary ? unary === '__$nop' : true;
    unary = undefined;
    add(value, include);
  }
  if (unary) throw apiError(ERR.fieldsValueError, 'Value is expected after', { operator: unary });

  const queries: Pred[] = [];
  for (const [action, values] of Object.entries(actions) as [keyof typeof actions, unknown[]][]) {
    if (!values.length) continue;
    const set = [...new Set(values)];
    const anyIn = (d: Doc): boolean => resolvePath(d, field).values.some((v) => set.some((x) => eq(v, x)));
    const allIn = (d: Doc): boolean => {
      const vals = resolvePath(d, field).values;
      return set.every((x) => vals.some((v) => eq(v, x)));
    };
    queries.push(action === 'in' ? anyIn : action === 'nin' ? (d) => !anyIn(d) : action === 'all' ? allIn : (d) => !allIn(d));
  }
  let q: Pred = TRUE;
  if (queries.length) {
    q = globalOp === 'and' ? (d) => queries.every((p) => p(d)) : (d) => queries.some((p) => p(d));
  }
  if (!allowEmpty) return q;
  const empty: Pred = (d) => isEmptyValue(resolvePath(d, field));
  return queries.length ? or(q, empty) : empty;
}

// ------------------------------------------------------------------------------------ query

function rangePred(field: string, data: unknown, dates: boolean): Pred {
  if (!Array.isArray(data) || data.length !== 2) {
    throw apiError(ERR.validationError, `Min and max values should be specified for range field ${field}`);
  }
  const [minRaw, maxRaw] = data as unknown[];
  if ((minRaw === null || minRaw === undefined) && (maxRaw === null || maxRaw === undefined)) {
    throw apiError(ERR.validationError, `At least one of min or max values should be provided for field ${field}`);
  }
  const conv = (v: unknown): unknown => {
    if (v === null || v === undefined) return v;
    if (dates) return parseServerDate(v) ?? v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    return v;
  };
  const min = conv(minRaw);
  const max = conv(maxRaw);
  const inRange: Pred = (d) => {
    const vals = resolvePath(d, field).values;
    const okMin = (v: unknown): boolean => min === null || min === undefined || compareOp(v, min, 'gte');
    const okMax = (v: unknown): boolean => max === null || max === undefined || compareOp(v, max, 'lte');
    return vals.some((v) => okMin(v) && okMax(v));
  };
  if (min === null || min === undefined) {
    return or(inRange, (d) => {
      const r = resolvePath(d, field);
      return r.missing || r.values.some((v) => v === null);
    });
  }
  return inRange;
}

const ACCESS_RE = /^(>=|>|<=|<)?([\s\S]*)$/;
const ACCESS_MODIFIER: Record<string, 'gte' | 'gt' | 'lte' | 'lt'> = { '>=': 'gte', '>': 'gt', '<=': 'lte', '<': 'lt' };

function datetimePred(field: string, raw: unknown): Pred {
  const data = Array.isArray(raw) ? raw : [raw];
  // a 2-element list without prefixes is a [min, max] range
  if (data.length === 2 && !data.some((d) => typeof d === 'string' && Object.keys(ACCESS_MODIFIER).some((m) => d.startsWith(m)))) {
    return rangePred(field, data, true);
  }
  // conditions go into one dict keyed by field__modifier: a repeated modifier overrides the earlier one
  const conditions = new Map<string, { op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq'; value: Date }>();
  for (const d of data) {
    if (typeof d !== 'string') continue;
    const m = ACCESS_RE.exec(d);
    if (!m) continue;
    const value = parseServerDate(m[2]);
    if (!value) continue; // unparseable values are silently ignored by the server
    const op = m[1] ? ACCESS_MODIFIER[m[1]] : 'eq';
    conditions.set(op, { op, value });
  }
  if (!conditions.size) return TRUE;
  const conds = [...conditions.values()];
  return (d) => {
    const vals = resolvePath(d, field).values;
    return conds.every((c) => vals.some((v) => compareOp(v, c.value, c.op)));
  };
}

function popMatching(patterns: readonly string[], params: Doc): [string, unknown][] {
  const fields = new Set<string>();
  for (const p of patterns) {
    if (p.endsWith('*')) {
      const prefix = p.slice(0, -1);
      for (const k of Object.keys(params)) if (k.startsWith(prefix)) fields.add(k);
    } else if (p in params) fields.add(p);
  }
  const out: [string, unknown][] = [];
  for (const f of fields) {
    const v = params[f];
    delete params[f];
    if (v !== null && v !== undefined) out.push([f, v]);
  }
  return out;
}

/** GetMixin._prepare_query_no_company */
export function buildQuery(parameters: Doc, opts: QueryOptions): Pred {
  const params: Doc = { ...parameters };
  let q: Pred = TRUE;
  let field: string | undefined;
  try {
    for (field of opts.patternFields) {
      const pattern = params[field];
      delete params[field];
      if (pattern) {
        if (typeof pattern !== 'string') throw new TypeError(`first argument must be string or compiled pattern`);
        q = and(q, regexPred(field, pythonRegex(pattern)));
      }
    }
    field = undefined;
    for (const [f, data] of popMatching(opts.listFields, params)) {
      field = f;
      q = and(q, listFieldPred(f, data));
    }
    for (const [f, data] of popMatching(opts.rangeFields, params)) {
      field = f;
      q = and(q, rangePred(f, data, (opts.dateRangeFields ?? []).includes(f)));
    }
    for (const [f, data] of popMatching(opts.fields, params)) {
      field = f;
      q = and(q, (d) => resolvePath(d, f).values.some((v) => eq(v, data)));
    }
    for (const f of opts.datetimeFields) {
      field = f;
      const data = params[f];
      delete params[f];
      if (data !== null && data !== undefined) q = and(q, datetimePred(f, data));
    }
    field = undefined;
    for (const [key, value] of Object.entries(params)) {
      const isAny = key === '_any_' || key === '_or_';
      const isAll = key === '_all_' || key === '_and_';
      if (!isAny && !isAll) continue;
      const v = value as { pattern?: unknown; fields?: unknown } | null;
      if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).some((k) => k !== 'pattern' && k !== 'fields')) {
        throw apiError(ERR.validationError, 'incorrect field format', { field: key });
      }
      const fields = Array.isArray(v.fields) ? (v.fields as string[]) : [];
      if (!fields.length) continue;
      const re = pythonRegex(String(v.pattern ?? ''), 'i');
      const preds = fields.map((f) => regexPred(f, re));
      q = and(q, isAny ? (d) => preds.some((p) => p(d)) : (d) => preds.every((p) => p(d)));
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw apiError(ERR.fieldsValueError, 'failed parsing query field', {
      error: (e as Error).message,
      ...(field ? { field } : {}),
    });
  }
  return q;
}

/**
 * MongoDB $text search, approximated: terms are matched case-insensitively as words (or word
 * prefixes, standing in for stemming) in any indexed field; any positive term or quoted phrase
 * matches, "-term" excludes.
 */
export function textSearchPred(search: unknown, fields: readonly string[]): Pred {
  if (typeof search !== 'string' || !search.trim()) return TRUE;
  const phrases = [...search.matchAll(/"([^"]+)"/g)].map((m) => m[1].toLowerCase());
  const rest = search
    .replace(/"[^"]*"/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const negative = rest.filter((t) => t.startsWith('-') && t.length > 1).map((t) => t.slice(1).toLowerCase());
  const positive = rest.filter((t) => !t.startsWith('-')).map((t) => t.toLowerCase());
  const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const words = new Map<string, RegExp>();
  for (const t of [...positive, ...negative]) words.set(t, new RegExp(`(^|[^\\p{L}\\p{N}])${escape(t)}`, 'iu'));
  return (d) => {
    const text = fields.flatMap((f) => resolvePath(d, f).values.filter((v): v is string => typeof v === 'string'));
    const has = (t: string): boolean => text.some((v) => words.get(t)!.test(v));
    if (negative.some(has)) return false;
    if (phrases.length && !phrases.every((p) => text.some((v) => v.toLowerCase().includes(p)))) return false;
    return positive.length ? positive.some(has) : phrases.length > 0;
  };
}

// ------------------------------------------------------------------------------------ ordering

export function validateOrderBy(params: Doc): string[] {
  const raw = params.order_by;
  if (!raw || (Array.isArray(raw) && !raw.length)) return [];
  const orderBy = (Array.isArray(raw) ? [...raw] : [raw]).map((x) => (x === '@text_score' ? '$text_score' : String(x)));
  if (!params.search_text && orderBy.includes('$text_score')) {
    throw apiError(ERR.fieldsValueError, 'text score cannot be used in order_by when search text is not used');
  }
  if (!orderBy.includes('id') && !orderBy.includes('-id')) orderBy.push('id');
  return orderBy;
}

const NUMERIC_COLLATION_PREFIXES = ['execution.parameters.', 'last_metrics.', 'hyperparams.'];
const numericCollator = new Intl.Collator('en-US', { numeric: true });

function sortValue(doc: Doc, field: string, desc: boolean, collator: Collator): unknown {
  const { values } = resolvePath(doc, field);
  const scalars = values.filter((v) => !Array.isArray(v));
  if (!scalars.length) return values.length ? null : undefined;
  return scalars.reduce((best, v) => {
    const c = cmp(v, best, collator);
    return desc ? (c > 0 ? v : best) : c < 0 ? v : best;
  });
}

/**
 * _get_many_override_none_ordering: sort by order_by (with the id tiebreaker); when the first field
 * is ascending, documents where it is missing/empty come after all the others.
 */
export function sortDocs<T extends Doc>(docs: T[], orderBy: string[]): T[] {
  if (!orderBy.length) return docs;
  const keys = orderBy
    .filter((f) => !f.startsWith('$'))
    .map((f) => {
      const desc = f.startsWith('-');
      const name = desc ? f.slice(1) : f;
      return { name, desc };
    });
  const first = orderBy.find((f) => !f.startsWith('$'));
  const collator: Collator =
    first && NUMERIC_COLLATION_PREFIXES.some((p) => first.replace(/^-/, '').startsWith(p))
      ? (a, b) => numericCollator.compare(a, b)
      : undefined;
  const cache = new Map<T, unknown[]>();
  const valuesOf = (d: T): unknown[] => {
    let v = cache.get(d);
    if (!v) cache.set(d, (v = keys.map((k) => sortValue(d, k.name, k.desc, collator))));
    return v;
  };
  const comparator = (a: T, b: T): number => {
    const va = valuesOf(a);
    const vb = valuesOf(b);
    for (let i = 0; i < keys.length; i++) {
      const c = cmp(va[i], vb[i], collator);
      if (c) return keys[i].desc ? -c : c;
    }
    return 0;
  };
  if (first && !first.startsWith('-')) {
    const isEmpty = (d: T): boolean => {
      const r = resolvePath(d, first);
      return r.missing || r.values.every((v) => v === null || v === '' || (Array.isArray(v) && v.length === 0));
    };
    const nonEmpty = docs.filter((d) => !isEmpty(d)).sort(comparator);
    const empty = docs.filter((d) => isEmpty(d)).sort(comparator);
    return [...nonEmpty, ...empty];
  }
  return [...docs].sort(comparator);
}

// ------------------------------------------------------------------------------------ paging

/** GetMixin.validate_scroll_size */
function validateScrollSize(params: Doc): number {
  const size = params.size;
  if (!size || typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw apiError(ERR.validationError, 'Integer size parameter greater than 1 should be provided when working with scroll');
  }
  return size;
}

/** GetMixin.validate_paging: returns [start, size] (both undefined: no paging). */
export function validatePaging(params: Doc): [number | undefined, number | undefined] {
  if (params.start !== undefined && params.start !== null) {
    return [Number(params.start), validateScrollSize(params)];
  }
  // python bools are ints
  const asInt = (v: unknown): unknown => (typeof v === 'boolean' ? Number(v) : v);
  const page = 'page' in params ? asInt(params.page) : 0;
  let pageSize = 'page_size' in params ? asInt(params.page_size) : MAX_PAGE_SIZE;
  for (const v of [page, pageSize]) {
    if (v !== null && v !== undefined && typeof v !== 'number') {
      const pyType = typeof v === 'string' ? 'str' : Array.isArray(v) ? 'list' : 'dict';
      throw new ApiError(500, 0, `'<' not supported between instances of '${pyType}' and 'int'`);
    }
  }
  if (page !== null && page !== undefined && (page as number) < 0) {
    throw apiError(ERR.validationError, 'page must be >=0', { field: 'page' });
  }
  if (pageSize !== null && pageSize !== undefined && (pageSize as number) < 1) {
    throw apiError(ERR.validationError, 'page_size must be >0', { field: 'page_size' });
  }
  if (pageSize !== null && pageSize !== undefined) {
    const p = (page as number | null | undefined) ?? 0;
    pageSize = Math.min(pageSize as number, MAX_PAGE_SIZE);
    return [p * (pageSize as number), pageSize as number];
  }
  if (page !== null && page !== undefined) {
    throw apiError(ERR.missingRequiredFields, 'page_size is required when page is requested', { field: 'page_size' });
  }
  return [undefined, undefined];
}

// ------------------------------------------------------------------------------------ projection

export const TASK_FIELDS = new Set([
  'id',
  'company',
  'user',
  'name',
  'type',
  'status',
  'status_reason',
  'status_message',
  'status_changed',
  'comment',
  'report',
  'report_assets',
  'created',
  'started',
  'completed',
  'published',
  'active_duration',
  'parent',
  'project',
  'output',
  'execution',
  'tags',
  'system_tags',
  'script',
  'last_worker',
  'last_worker_report',
  'last_update',
  'last_change',
  'last_iteration',
  'last_metrics',
  'unique_metrics',
  'metric_stats',
  'company_origin',
  'duration',
  'hyperparams',
  'configuration',
  'runtime',
  'models',
  'container',
  'enqueue_status',
  'last_changed_by',
]);
/** Task fields that cannot have sub-fields in a projection (simple and list fields). */
export const TASK_SIMPLE_FIELDS = new Set(
  [...TASK_FIELDS].filter(
    (f) =>
      ![
        'output',
        'execution',
        'script',
        'last_metrics',
        'metric_stats',
        'hyperparams',
        'configuration',
        'runtime',
        'models',
        'container',
      ].includes(f),
  ),
);
export const TASK_EXCLUDE_BY_DEFAULT = ['unique_metrics', 'company_origin', 'enqueue_status'];

function includePath(src: unknown, dst: Doc, parts: string[]): void {
  if (!src || typeof src !== 'object' || src instanceof Date || Array.isArray(src)) return;
  const [key, ...rest] = parts;
  if (!(key in (src as Doc))) return;
  const value = (src as Doc)[key];
  if (!rest.length) {
    dst[key] = clone(value);
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(dst[key]) ? (dst[key] as unknown[]) : undefined;
    const out = existing ?? value.filter((el) => el && typeof el === 'object' && !Array.isArray(el)).map(() => ({}));
    let i = 0;
    for (const el of value) {
      if (!el || typeof el !== 'object' || Array.isArray(el)) continue;
      includePath(el, out[i++] as Doc, rest);
    }
    dst[key] = out;
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    const sub = (dst[key] && typeof dst[key] === 'object' ? dst[key] : {}) as Doc;
    includePath(value, sub, rest);
    dst[key] = sub;
  }
}

function excludePath(doc: unknown, parts: string[]): void {
  if (!doc || typeof doc !== 'object') return;
  if (Array.isArray(doc)) {
    for (const el of doc) excludePath(el, parts);
    return;
  }
  const [key, ...rest] = parts;
  if (!rest.length) delete (doc as Doc)[key];
  else excludePath((doc as Doc)[key], rest);
}

/** Drop paths covered by a shorter included path (the most inclusive field wins). */
function collapse(paths: string[]): string[] {
  const set = new Set(paths);
  return [...set].filter((p) => ![...set].some((o) => o !== p && p.startsWith(`${o}.`)));
}

export function splitProjection(projection: unknown, excludeByDefault: readonly string[]): { include: string[]; exclude: string[] } {
  const list = Array.isArray(projection) ? projection.map(String) : [];
  const include = list.filter((p) => !p.startsWith('-')).map((p) => (p.endsWith('.*') ? p.slice(0, -2) : p));
  const exclude = new Set([...excludeByDefault, ...list.filter((p) => p.startsWith('-')).map((p) => p.replace(/^-+/, ''))]);
  for (const i of include) exclude.delete(i);
  return { include: collapse(include), exclude: [...exclude] };
}

/** Project a stored document: mongo projection + to_proper_dict(only=include, exclude=exclude). */
export function project(doc: Doc, include: string[], exclude: string[]): Doc {
  let out: Doc;
  if (include.length) {
    out = {};
    for (const p of include.includes('id') ? include : ['id', ...include]) includePath(doc, out, p.split('.'));
  } else {
    out = clone(doc);
  }
  for (const p of exclude) excludePath(out, p.split('.'));
  return out;
}

// ------------------------------------------------------------------------------------ get_many

export interface GetManyArgs<T extends Doc> {
  store: PeerStore;
  docs: Iterable<T>;
  params: Doc;
  options: QueryOptions;
  /** Extra fixed condition (e.g. the hidden-tasks filter). */
  extra?: (d: T) => boolean;
  /** Projection override; default: only_fields/projection from params. */
  projection?: string[];
  excludeByDefault?: readonly string[];
  /** Receives scroll_id when scrolling. */
  ret?: Doc;
}

export function getProjection(params: Doc): unknown {
  return params.projection ?? params.only_fields ?? [];
}

/**
 * GetMixin.get_many with return_dicts: filter, order, page (or scroll) and project. Also returns the
 * stored documents of the page for joins.
 */
export function getMany<T extends Doc>(a: GetManyArgs<T>): { items: Doc[]; docs: T[] } {
  const params: Doc = { ...a.params };
  const pred = and(buildQuery(params, a.options), textSearchPred(params.search_text, a.options.textFields ?? []));
  const orderBy = validateOrderBy(params);

  let scroll: { id: string; position: number } | undefined;
  if ('scroll_id' in params) {
    const size = validateScrollSize(params);
    scroll = a.store.scrollState(params.scroll_id);
    if (params.refresh_scroll) {
      params.size = Math.max(scroll.position, size);
      scroll.position = 0;
    }
    params.start = scroll.position;
  }
  const [start, size] = validatePaging(params);
  const { include, exclude } = splitProjection(a.projection ?? getProjection(params), a.excludeByDefault ?? []);

  let docs: T[] = [];
  if (size === undefined || size > 0) {
    const matched: T[] = [];
    for (const d of a.docs) if (pred(d) && (!a.extra || a.extra(d))) matched.push(d);
    const sorted = sortDocs(matched, orderBy);
    docs = start !== undefined && size ? sorted.slice(start, start + size) : sorted;
  }
  if (scroll) {
    const position = (params.start as number) + docs.length;
    a.store.saveScroll(scroll.id, position);
    if (a.ret) a.ret.scroll_id = scroll.id;
  }
  return { items: docs.map((d) => project(d, include, exclude)), docs };
}
