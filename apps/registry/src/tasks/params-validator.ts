import { Injectable } from '@nestjs/common';
import Ajv, { type Options, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import secureMetaSchema from 'ajv/lib/refs/json-schema-secure.json';
import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import { AppError } from '@cleargate/contracts';

/** Largest parameter schema a registrar may save, as JSON text. */
export const SCHEMA_MAX_BYTES = 64 * 1024;
/** Deepest nesting of objects and arrays in a parameter schema. */
export const SCHEMA_MAX_DEPTH = 32;
/** Longest `pattern` (or `patternProperties` key). */
export const PATTERN_MAX_LENGTH = 1000;
/** Compiled validators kept, by the total size of their schemas' JSON. */
export const CACHE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * `pattern` and `patternProperties` run on RE2's linear-time engine (re2js, pure JavaScript): a
 * registrar's pattern cannot make a run request take exponential time. RE2 knows no lookaround
 * and no backreferences; such a pattern fails to compile and the schema is refused.
 */
const linearRegExp = Object.assign((pattern: string) => RE2JS.compile(pattern), { code: 're2js' });

/**
 * ajv's options for schemas written by registrars: unknown keywords and formats refused
 * (strictSchema), no `$data` references, no remote `$ref` (nothing is loaded), and only the
 * linear-time regular expressions above.
 */
const SECURE_OPTIONS: Options = {
  allErrors: true,
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  $data: false,
  code: { regExp: linearRegExp },
  logger: false,
  // Meta-schema validation is done once, by the shared validators below; a fresh instance per
  // schema then costs about 2 ms instead of 30.
  meta: false,
  validateSchema: false,
};

/**
 * ajv's json-schema-secure.json ("may be unsafe to validate untrusted data": `pattern` and
 * `format` without `maxLength`, `uniqueItems` of objects without `maxItems`,
 * `patternProperties` without `propertyNames.maxLength`), extended to the subschema keywords of
 * draft 2019-09/2020-12 that it does not descend into.
 */
function secureMeta(): Record<string, unknown> {
  const meta = structuredClone(secureMetaSchema) as Record<string, unknown> & { properties: Record<string, unknown> };
  meta.$id = 'https://cleargate.invalid/schemas/json-schema-secure-2020.json#';
  const sub = { $ref: '#' };
  const map = { additionalProperties: sub };
  Object.assign(meta.properties, {
    $defs: map,
    dependentSchemas: map,
    prefixItems: { type: 'array', items: sub },
    unevaluatedItems: sub,
    unevaluatedProperties: sub,
    contentSchema: sub,
  });
  return meta;
}

/** Structural limits that hold before anything is compiled: size, depth, pattern length. */
export function checkLimits(schema: unknown): string | null {
  let text: string;
  try {
    text = JSON.stringify(schema);
  } catch {
    return 'the schema is not JSON';
  }
  if (Buffer.byteLength(text) > SCHEMA_MAX_BYTES) return `the schema is larger than ${SCHEMA_MAX_BYTES} bytes`;
  const stack: { value: unknown; depth: number }[] = [{ value: schema, depth: 1 }];
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > SCHEMA_MAX_DEPTH) return `the schema is nested deeper than ${SCHEMA_MAX_DEPTH} levels`;
    const record = value as Record<string, unknown>;
    if (!Array.isArray(value)) {
      if (typeof record.pattern === 'string' && record.pattern.length > PATTERN_MAX_LENGTH) {
        return `a pattern is longer than ${PATTERN_MAX_LENGTH} characters`;
      }
      const patternProperties = record.patternProperties;
      if (patternProperties && typeof patternProperties === 'object') {
        if (Object.keys(patternProperties).some((p) => p.length > PATTERN_MAX_LENGTH)) {
          return `a pattern is longer than ${PATTERN_MAX_LENGTH} characters`;
        }
      }
    }
    for (const child of Object.values(record)) stack.push({ value: child, depth: depth + 1 });
  }
  return null;
}

/** One value of each JSON type, validated against a schema when it is saved. */
const PROBES: unknown[] = [null, true, 0, '', [], {}];
const ENDLESS = 'refers to itself without end (a $ref that comes back to the same value)';

/** Keywords whose subschemas apply to the value itself, not to a part of it. */
const IN_PLACE = ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else'] as const;

/**
 * At most this many probe values per schema (a hundred subschemas with a `$ref`): a save
 * validates them all, which adds about 0.1 s on the build machine to the save of the largest schema.
 */
export const PROBES_MAX = 600;

/**
 * Values that bring each probe to every subschema a value can reach and that holds a `$ref`
 * (only those can come back to themselves): the probes themselves at the root, `{"a": probe}` for
 * `properties.a`, `[probe]` for `items`, `[null, probe]` for the second of `prefixItems`, and so on
 * down, through the subschemas of IN_PLACE keywords and the targets of local `$ref`s (`#` and
 * `#/json/pointer`). Each subschema is visited once, by the first path that reaches it, so a
 * schema that recurses into the value (a tree) gives finitely many; at most PROBES_MAX in all.
 */
export function probeValues(root: Record<string, unknown>): unknown[] {
  const values: unknown[] = [];
  const seen = new Set<object>();
  const visit = (node: unknown, place: (value: unknown) => unknown): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || seen.has(node) || !holdsRef(node)) return;
    if (values.length + PROBES.length > PROBES_MAX) return;
    seen.add(node);
    for (const probe of PROBES) values.push(place(probe));
    const schema = node as Record<string, unknown>;
    if (typeof schema.$ref === 'string') visit(localTarget(root, schema.$ref), place);
    for (const keyword of IN_PLACE) {
      const sub = schema[keyword];
      for (const member of Array.isArray(sub) ? sub : [sub]) visit(member, place);
    }
    const objectOf = (key: string) => (value: unknown) => place({ [key]: value });
    for (const [key, sub] of Object.entries(record(schema.properties))) visit(sub, objectOf(key));
    visit(schema.additionalProperties, objectOf('cleargate-probe'));
    const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
    tuple.forEach((sub, i) => visit(sub, (value) => place([...Array<null>(i).fill(null), value])));
    if (!Array.isArray(schema.items)) visit(schema.items, (value) => place([value]));
  };
  visit(root, (value) => value);
  return values;
}

const REFS = ['$ref', '$dynamicRef', '$recursiveRef'];

/** Whether a reference is written anywhere in this part of the schema. */
function holdsRef(node: object): boolean {
  const stack: unknown[] = [node];
  while (stack.length) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (!Array.isArray(value) && REFS.some((key) => typeof (value as Record<string, unknown>)[key] === 'string')) return true;
    stack.push(...Object.values(value));
  }
  return false;
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The subschema a `$ref` of `#` or `#/json/pointer` names in `root`; undefined for any other. */
function localTarget(root: unknown, ref: string): unknown {
  if (ref !== '#' && !ref.startsWith('#/')) return undefined;
  const tokens = ref === '#' ? [] : ref.slice(2).split('/');
  let node = root;
  for (const token of tokens) {
    let key: string;
    try {
      key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const isDraft07 = (schema: Record<string, unknown>) => typeof schema.$schema === 'string' && /draft-0[4-7]/.test(schema.$schema);

/**
 * Validates run parameters against a template's JSON Schema (ajv). Draft-07 schemas (the common
 * `$schema` of hand-written ones) use ajv's draft-07 engine, everything else 2020-12.
 *
 * A registrar's schema is untrusted input. When a template is saved (`check`) it must fit the
 * limits above, be valid against its draft's meta-schema and ajv's secure meta-schema, and
 * compile with SECURE_OPTIONS. Each schema is compiled in an ajv instance of its own, so that
 * no `$id` of one template can be referenced by (or clash with) another's, and ajv keeps no
 * schema after compiling it; the one cache of compiled validators is the LRU below, bounded by
 * the size of the schemas it holds.
 */
@Injectable()
export class ParamsValidator {
  private readonly metaValidators = {
    draft07: new Ajv({ allErrors: true, strict: false, logger: false }).getSchema('http://json-schema.org/draft-07/schema')!,
    draft2020: new Ajv2020({ allErrors: true, strict: false, logger: false }).getSchema('https://json-schema.org/draft/2020-12/schema')!,
    secure: new Ajv({ allErrors: true, strict: false, logger: false }).compile(secureMeta()),
  };
  private readonly compiled = new LRUCache<string, ValidateFunction>({
    maxSize: CACHE_MAX_BYTES,
    sizeCalculation: () => 1,
  });

  /** Throws a 400 when the schema is too large, insecure or cannot be compiled (checked when a template is saved). */
  check(schema: Record<string, unknown>): void {
    const problem = this.problem(schema);
    if (problem) {
      throw new AppError('invalid_argument', `params_schema is not accepted: ${problem}`, {
        issues: [{ path: 'body.params_schema', message: problem }],
      });
    }
  }

  /** Throws a 400 listing the failing paths of `params`. */
  validate(key: string, schema: Record<string, unknown>, params: unknown): void {
    let validate = this.compiled.get(key);
    if (!validate) {
      try {
        validate = compile(schema);
      } catch (err) {
        // Saved before these checks existed, or by hand in the database: not the caller's fault.
        const why = err instanceof RangeError ? ENDLESS : `cannot be used (${(err as Error).message})`;
        throw new AppError('invalid_argument', `the task's parameter schema ${why}; its owner must fix it`);
      }
      this.compiled.set(key, validate, { size: Math.max(1, JSON.stringify(schema).length) });
    }
    let valid: boolean;
    try {
      valid = validate(params) as boolean;
    } catch (err) {
      // Saved before check() probed for it, or by hand in the database: not the caller's fault.
      if (err instanceof RangeError)
        throw new AppError('invalid_argument', `the task's parameter schema ${ENDLESS}; its owner must fix it`);
      throw err;
    }
    if (valid) return;
    const issues = (validate.errors ?? []).map((e) => ({
      path: `body.params${e.instancePath.replace(/\//g, '.')}${e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : ''}`,
      message: e.message ?? e.keyword,
    }));
    throw new AppError('invalid_argument', 'params do not match the task’s parameter schema', { issues });
  }

  /** How many compiled validators are held, and the size of their schemas. */
  get cache(): { entries: number; bytes: number } {
    return { entries: this.compiled.size, bytes: this.compiled.calculatedSize };
  }

  private problem(original: Record<string, unknown>): string | null {
    const limits = checkLimits(original);
    if (limits) return limits;
    // What is stored is JSON: judge exactly that (plain objects, no undefined, no prototypes of its own).
    const schema = JSON.parse(JSON.stringify(original)) as Record<string, unknown>;
    const meta = isDraft07(schema) ? this.metaValidators.draft07 : this.metaValidators.draft2020;
    if (!meta(schema)) return `not a valid JSON Schema: ${describe(meta.errors)}`;
    if (!this.metaValidators.secure(schema)) return `unsafe for untrusted input: ${describe(this.metaValidators.secure.errors)}`;
    let validate: ValidateFunction;
    try {
      validate = compile(schema);
    } catch (err) {
      // ajv follows some $refs while compiling: one back to the same subschema overflows there.
      return err instanceof RangeError ? `the schema ${ENDLESS}` : (err as Error).message;
    }
    // A schema that refers to itself without taking a step into the value ({"$ref": "#"}, or a
    // `$ref` to its own `$id`, also through allOf and the like) compiles, then recurses until the
    // stack ends on whatever reaches it: at the root, or only under a property or an item. One
    // value of each type at each subschema finds it.
    for (const probe of probeValues(schema)) {
      try {
        validate(probe);
      } catch (err) {
        if (err instanceof RangeError) return `the schema ${ENDLESS}`;
        throw err;
      }
    }
    return null;
  }
}

function compile(schema: Record<string, unknown>): ValidateFunction {
  const ajv = isDraft07(schema) ? new Ajv(SECURE_OPTIONS) : new Ajv2020(SECURE_OPTIONS);
  return addFormats(ajv).compile(schema);
}

function describe(errors: ValidateFunction['errors']): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`)
    .join('; ');
}
