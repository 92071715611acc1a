/**
 * A task's parameter JSON Schema → the fields of the form that starts a run. The common
 * vocabulary of draft-07 and 2020-12 maps to inputs (string, number, integer, boolean, enum,
 * nested objects, arrays of strings) with their constraints as validators; anything else
 * (oneOf, $ref, arrays of objects…) becomes a JSON field, still checked by the registry, which
 * validates every run's parameters against the whole schema.
 */

export type FieldKind = 'string' | 'enum' | 'number' | 'integer' | 'boolean' | 'strings' | 'object' | 'json';

export interface Choice {
  id: string | number | boolean;
  name: string;
}

export interface SchemaField {
  /** The property name. */
  name: string;
  /** Where its value lives in the form values, below `params` (dotted for nested objects). */
  path: string;
  label: string;
  description?: string;
  kind: FieldKind;
  required: boolean;
  defaultValue?: unknown;
  choices?: Choice[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** An HTML input type for string formats (email, url, date, datetime-local). */
  inputType?: string;
  /** A long text (maxLength over 200 or `format: textarea`-like hints). */
  multiline?: boolean;
  /** The fields of a nested object. */
  fields?: SchemaField[];
  /** An enum field taking several of its choices (an array of enum values). */
  multiple?: boolean;
}

export interface SchemaMapping {
  fields: SchemaField[];
  /** Why some parts of the schema are shown as raw JSON (for the schema's author). */
  notes: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** `type: ['string', 'null']` → 'string'; several non-null types → undefined (shown as JSON). */
function singleType(schema: Json): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const types = type.filter((t) => t !== 'null');
    return types.length === 1 && typeof types[0] === 'string' ? types[0] : undefined;
  }
  if (Array.isArray(schema['enum'])) return 'enum';
  if ('const' in schema) return 'enum';
  if (isObject(schema['properties'])) return 'object';
  return undefined;
}

const FORMATS: Record<string, string> = { email: 'email', uri: 'url', url: 'url', date: 'date', 'date-time': 'datetime-local' };

function mapField(name: string, path: string, schema: unknown, required: boolean, notes: string[]): SchemaField {
  const s = isObject(schema) ? schema : {};
  const base = {
    name,
    path,
    label: typeof s['title'] === 'string' && s['title'] ? s['title'] : name,
    ...(typeof s['description'] === 'string' ? { description: s['description'] } : {}),
    required,
    ...('default' in s ? { defaultValue: s['default'] } : {}),
  };
  const choicesOf = (values: unknown[]): Choice[] =>
    values.filter((v) => ['string', 'number', 'boolean'].includes(typeof v)).map((v) => ({ id: v as Choice['id'], name: String(v) }));

  if (Array.isArray(s['enum']) || 'const' in s) {
    const values = Array.isArray(s['enum']) ? s['enum'] : [s['const']];
    const choices = choicesOf(values);
    if (choices.length === values.length) return { ...base, kind: 'enum', choices };
    notes.push(`${path}: an enum of objects or arrays is entered as JSON`);
    return { ...base, kind: 'json' };
  }
  for (const combinator of ['oneOf', 'anyOf', 'allOf', '$ref', 'if', 'not']) {
    if (combinator in s) {
      notes.push(`${path}: ${combinator} is entered as JSON`);
      return { ...base, kind: 'json' };
    }
  }
  const type = singleType(s);
  switch (type) {
    case 'string': {
      const maxLength = num(s['maxLength']);
      const format = typeof s['format'] === 'string' ? FORMATS[s['format']] : undefined;
      return {
        ...base,
        kind: 'string',
        ...(num(s['minLength']) !== undefined ? { minLength: num(s['minLength']) } : {}),
        ...(maxLength !== undefined ? { maxLength } : {}),
        ...(typeof s['pattern'] === 'string' ? { pattern: s['pattern'] } : {}),
        ...(format ? { inputType: format } : {}),
        ...(maxLength !== undefined && maxLength > 200 ? { multiline: true } : {}),
      };
    }
    case 'number':
    case 'integer':
      return {
        ...base,
        kind: type,
        ...Object.fromEntries(
          (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const)
            .map((k) => [k, num(s[k])] as const)
            .filter(([, v]) => v !== undefined),
        ),
      };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'array': {
      const items = isObject(s['items']) ? s['items'] : {};
      if (Array.isArray(items['enum'])) {
        const choices = choicesOf(items['enum']);
        if (choices.length === items['enum'].length) return { ...base, kind: 'enum', choices, multiple: true };
      }
      if (singleType(items) === 'string' || !('type' in items)) return { ...base, kind: 'strings' };
      notes.push(`${path}: an array of ${singleType(items) ?? 'mixed items'} is entered as JSON`);
      return { ...base, kind: 'json' };
    }
    case 'object': {
      const properties = isObject(s['properties']) ? s['properties'] : {};
      if (!Object.keys(properties).length) {
        return { ...base, kind: 'json' };
      }
      const requiredNames = Array.isArray(s['required']) ? s['required'].filter((r): r is string => typeof r === 'string') : [];
      return {
        ...base,
        kind: 'object',
        fields: Object.entries(properties).map(([child, childSchema]) =>
          mapField(child, `${path}.${child}`, childSchema, requiredNames.includes(child), notes),
        ),
      };
    }
    default:
      if (type === undefined && !Object.keys(s).some((k) => !['title', 'description', 'default', 'examples'].includes(k))) {
        // `{}` accepts anything.
        return { ...base, kind: 'json' };
      }
      notes.push(`${path}: ${type === undefined ? 'a value of several types' : `type ${type}`} is entered as JSON`);
      return { ...base, kind: 'json' };
  }
}

/** The form of a schema; a schema that is not an object with properties gives a single JSON field for all parameters. */
export function schemaToFields(schema: unknown): SchemaMapping {
  const notes: string[] = [];
  if (!isObject(schema) || !isObject(schema['properties'])) {
    return {
      fields: [],
      notes: schema === null || schema === undefined ? [] : ['the schema has no properties: parameters are entered as JSON'],
    };
  }
  const root = mapField('params', 'params', { ...schema, type: 'object' }, true, notes);
  return { fields: root.fields ?? [], notes };
}

/** The form's starting values: the schema's defaults, below `params`. */
export function defaultParams(fields: SchemaField[]): Json {
  const out: Json = {};
  for (const f of fields) {
    if (f.kind === 'object') {
      const nested = defaultParams(f.fields ?? []);
      if (Object.keys(nested).length) out[f.name] = nested;
    } else if (f.defaultValue !== undefined) {
      out[f.name] = f.kind === 'json' ? JSON.stringify(f.defaultValue, null, 2) : f.defaultValue;
    }
  }
  return out;
}

/** One field's problem with a value, or undefined; the wording of react-admin's own validators. */
export function checkValue(field: SchemaField, value: unknown): string | undefined {
  const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
  if (empty) return field.required && field.kind !== 'boolean' ? 'Required' : undefined;
  switch (field.kind) {
    case 'string':
    case 'enum':
      if (typeof value !== 'string') return undefined;
      if (field.minLength !== undefined && value.length < field.minLength) return `Must be ${field.minLength} characters at least`;
      if (field.maxLength !== undefined && value.length > field.maxLength) return `Must be ${field.maxLength} characters or less`;
      if (field.pattern !== undefined) {
        try {
          if (!new RegExp(field.pattern, 'u').test(value)) return `Must match ${field.pattern}`;
        } catch {
          return undefined;
        }
      }
      return undefined;
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return 'Must be a number';
      if (field.kind === 'integer' && !Number.isInteger(n)) return 'Must be a whole number';
      if (field.minimum !== undefined && n < field.minimum) return `Must be at least ${field.minimum}`;
      if (field.maximum !== undefined && n > field.maximum) return `Must be ${field.maximum} or less`;
      if (field.exclusiveMinimum !== undefined && n <= field.exclusiveMinimum) return `Must be more than ${field.exclusiveMinimum}`;
      if (field.exclusiveMaximum !== undefined && n >= field.exclusiveMaximum) return `Must be less than ${field.exclusiveMaximum}`;
      return undefined;
    }
    case 'json':
      if (typeof value !== 'string') return undefined;
      try {
        JSON.parse(value);
        return undefined;
      } catch {
        return 'Must be valid JSON';
      }
    default:
      return undefined;
  }
}

/**
 * The form's values → the run's `params`: empty optional fields left out, numbers as numbers,
 * JSON fields parsed, nested objects kept nested.
 */
export function formValuesToParams(fields: SchemaField[], values: Json | undefined): Json {
  const out: Json = {};
  for (const f of fields) {
    const value = values?.[f.name];
    if (f.kind === 'object') {
      const nested = formValuesToParams(f.fields ?? [], isObject(value) ? value : undefined);
      if (Object.keys(nested).length || f.required) out[f.name] = nested;
      continue;
    }
    if (value === undefined || value === null || value === '') continue;
    if (f.kind === 'number' || f.kind === 'integer') out[f.name] = typeof value === 'number' ? value : Number(value);
    else if (f.kind === 'json' && typeof value === 'string') out[f.name] = JSON.parse(value);
    else if (f.kind === 'strings' && Array.isArray(value)) out[f.name] = value.filter((v) => v !== '');
    else out[f.name] = value;
  }
  return out;
}

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);

/**
 * A parameter schema as its author types it: valid JSON, an object schema, types and
 * constraints that make sense. The registry compiles the schema (ajv) when it is saved and
 * refuses what this misses; this catches mistakes while typing.
 */
export function checkSchemaText(text: string): { schema?: Json; errors: string[] } {
  if (!text.trim()) return { errors: [] };
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    return { errors: [`not valid JSON: ${(err as Error).message}`] };
  }
  const errors: string[] = [];
  if (!isObject(schema)) return { errors: ['the schema must be a JSON object'] };
  if (schema['type'] !== undefined && schema['type'] !== 'object') errors.push('the parameters are an object: "type" must be "object"');
  const walk = (s: unknown, at: string) => {
    if (typeof s === 'boolean') return;
    if (!isObject(s)) {
      errors.push(`${at}: a schema must be an object`);
      return;
    }
    const types = Array.isArray(s['type']) ? s['type'] : s['type'] === undefined ? [] : [s['type']];
    for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) errors.push(`${at}: unknown type ${JSON.stringify(t)}`);
    for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems']) {
      if (s[k] !== undefined && typeof s[k] !== 'number') errors.push(`${at}: ${k} must be a number`);
    }
    if (typeof s['minimum'] === 'number' && typeof s['maximum'] === 'number' && s['minimum'] > s['maximum']) {
      errors.push(`${at}: minimum is above maximum`);
    }
    if (s['pattern'] !== undefined) {
      try {
        new RegExp(String(s['pattern']), 'u');
      } catch {
        errors.push(`${at}: pattern is not a valid regular expression`);
      }
    }
    if (s['enum'] !== undefined && (!Array.isArray(s['enum']) || !s['enum'].length)) errors.push(`${at}: enum must be a non-empty array`);
    if (s['properties'] !== undefined) {
      if (!isObject(s['properties'])) errors.push(`${at}: properties must be an object`);
      else for (const [name, child] of Object.entries(s['properties'])) walk(child, at === '(root)' ? name : `${at}.${name}`);
    }
    if (s['required'] !== undefined) {
      if (!Array.isArray(s['required']) || s['required'].some((r) => typeof r !== 'string'))
        errors.push(`${at}: required must be a list of names`);
      else if (isObject(s['properties'])) {
        for (const r of s['required'] as string[])
          if (!(r in s['properties'])) errors.push(`${at}: "${r}" is required but has no property`);
      }
    }
    if (s['items'] !== undefined) walk(s['items'], `${at}[]`);
  };
  walk(schema, '(root)');
  return errors.length ? { errors } : { schema, errors };
}
