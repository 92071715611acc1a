import fc from 'fast-check';
import { AppError } from '@cleargate/contracts';
import {
  checkLimits,
  ParamsValidator,
  PATTERN_MAX_LENGTH,
  PROBES_MAX,
  probeValues,
  SCHEMA_MAX_BYTES,
  SCHEMA_MAX_DEPTH,
} from './params-validator';

const problemOf = (v: ParamsValidator, schema: Record<string, unknown>): string | null => {
  try {
    v.check(schema);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('invalid_argument');
    return (err as AppError).message;
  }
};

const nested = (depth: number): Record<string, unknown> =>
  depth === 0 ? { type: 'string', maxLength: 3 } : { type: 'object', properties: { a: nested(depth - 1) } };

describe('ParamsValidator.check (schemas from registrars)', () => {
  const v = new ParamsValidator();

  it('accepts ordinary draft-07 and 2020-12 schemas', () => {
    expect(
      problemOf(v, {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { lr: { type: 'number', minimum: 0 }, name: { type: 'string', maxLength: 50, pattern: '^[a-z]+$' } },
        required: ['lr'],
        additionalProperties: false,
      }),
    ).toBeNull();
    expect(
      problemOf(v, {
        type: 'object',
        $defs: { positive: { type: 'integer', exclusiveMinimum: 0 } },
        properties: { epochs: { $ref: '#/$defs/positive' }, email: { type: 'string', format: 'email', maxLength: 200 } },
      }),
    ).toBeNull();
  });

  it('refuses unknown keywords and formats (strict schema)', () => {
    expect(problemOf(v, { type: 'object', propertiez: {} })).toMatch(/propertiez/);
    expect(problemOf(v, { type: 'string', format: 'shoe-size', maxLength: 3 })).toMatch(/shoe-size/);
  });

  it('refuses what ajv’s secure meta-schema flags, also inside 2020-12 subschemas', () => {
    expect(problemOf(v, { type: 'string', pattern: '^a+$' })).toMatch(
      /^params_schema is not accepted: unsafe for untrusted input: .*maxLength/,
    );
    expect(problemOf(v, { type: 'string', format: 'email' })).toMatch(/unsafe for untrusted input/);
    expect(problemOf(v, { type: 'array', uniqueItems: true, items: { type: 'object' } })).toMatch(/maxItems/);
    expect(problemOf(v, { type: 'object', patternProperties: { '^x': { type: 'string', maxLength: 1 } } })).toMatch(/propertyNames/);
    expect(problemOf(v, { $defs: { s: { type: 'string', pattern: 'a' } } })).toMatch(/unsafe/);
    expect(problemOf(v, { prefixItems: [{ type: 'string', pattern: 'a' }] })).toMatch(/unsafe/);
    expect(problemOf(v, { dependentSchemas: { a: { type: 'string', pattern: 'a' } } })).toMatch(/unsafe/);
    expect(problemOf(v, { unevaluatedProperties: { type: 'string', pattern: 'a' } })).toMatch(/unsafe/);
  });

  it('refuses $data references and remote $refs, and never reaches the network for them', () => {
    expect(problemOf(v, { type: 'object', properties: { a: { type: 'number' }, b: { maximum: { $data: '1/a' } } } })).not.toBeNull();
    expect(problemOf(v, { $ref: 'https://evil.example/schema.json' })).toMatch(/can't resolve reference/);
  });

  it('refuses patterns that need backtracking (lookaround, backreferences) and too long patterns', () => {
    expect(problemOf(v, { type: 'string', maxLength: 9, pattern: '(a)\\1' })).toMatch(/invalid escape sequence/);
    expect(problemOf(v, { type: 'string', maxLength: 9, pattern: '(?=a)a' })).toMatch(/\(\?=/);
    expect(problemOf(v, { type: 'string', maxLength: 9, pattern: 'a'.repeat(PATTERN_MAX_LENGTH + 1) })).toMatch(
      `a pattern is longer than ${PATTERN_MAX_LENGTH} characters`,
    );
    expect(problemOf(v, { type: 'string', maxLength: 9, pattern: 'a'.repeat(PATTERN_MAX_LENGTH) })).toBeNull();
  });

  it('bounds size and depth', () => {
    expect(problemOf(v, nested(SCHEMA_MAX_DEPTH))).toMatch(`nested deeper than ${SCHEMA_MAX_DEPTH} levels`);
    expect(checkLimits(nested(SCHEMA_MAX_DEPTH / 2 - 1))).toBeNull();
    const big = { type: 'object', description: 'x'.repeat(SCHEMA_MAX_BYTES) };
    expect(problemOf(v, big)).toMatch(`larger than ${SCHEMA_MAX_BYTES} bytes`);
    expect(checkLimits({ description: 'x'.repeat(SCHEMA_MAX_BYTES - 20) })).toBeNull();
    expect(checkLimits({ patternProperties: { ['x'.repeat(PATTERN_MAX_LENGTH + 1)]: {} } })).toMatch('a pattern is longer');
  });

  it('keeps templates apart: the same $id in two schemas is no clash, and one cannot reference the other', () => {
    const a = { $id: 'https://tasks.example/params', type: 'object', properties: { x: { type: 'integer' } } };
    expect(problemOf(v, a)).toBeNull();
    expect(problemOf(v, { ...a, properties: { y: { type: 'string', maxLength: 2 } } })).toBeNull();
    expect(problemOf(v, { $ref: 'https://tasks.example/params' })).toMatch(/can't resolve reference/);
  });
});

describe('ParamsValidator.validate (run parameters)', () => {
  it('lists failing paths and caches one validator per template version', () => {
    const v = new ParamsValidator();
    const schema = { type: 'object', properties: { lr: { type: 'number' } }, required: ['lr', 'epochs'] };
    expect(() => v.validate('t1:1', schema, { lr: 0.1, epochs: 3 })).not.toThrow();
    let err: AppError | undefined;
    try {
      v.validate('t1:1', schema, { lr: 'fast' });
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.details).toEqual({
      issues: expect.arrayContaining([
        { path: 'body.params.lr', message: 'must be number' },
        { path: 'body.params.epochs', message: "must have required property 'epochs'" },
      ]),
    });
    expect(v.cache.entries).toBe(1);
    expect(v.cache.bytes).toBe(JSON.stringify(schema).length);
  });

  it('runs a registrar’s pattern in linear time on a long hostile input', () => {
    const v = new ParamsValidator();
    const schema = { type: 'object', properties: { s: { type: 'string', maxLength: 200_000, pattern: '^(a+)+$' } } };
    v.check(schema);
    const started = performance.now();
    expect(() => v.validate('evil:1', schema, { s: `${'a'.repeat(100_000)}!` })).toThrow(AppError);
    // a backtracking engine takes longer than the age of the universe here
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a schema that refers to itself without end, and keeps one that recurses into the value', () => {
    const v = new ParamsValidator();
    const endless = [
      { $ref: '#' },
      { $id: 'object', $ref: 'object' }, // found by the property below
      { $defs: { a: { allOf: [{ $ref: '#/$defs/b' }] }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' },
    ];
    for (const schema of endless) expect(problemOf(v, schema)).toMatch(/refers to itself without end/);
    // A tree: each step goes one level into the value, which is finite.
    const tree = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 20 }, children: { type: 'array', items: { $ref: '#' } } },
    };
    expect(problemOf(v, tree)).toBeNull();
    expect(() => v.validate('tree:1', tree, { name: 'a', children: [{ name: 'b', children: [] }] })).not.toThrow();
  });

  it('refuses a schema that refers to itself without end only under a property or an item, reached by any path', () => {
    const v = new ParamsValidator();
    const endless = {
      property: { type: 'object', properties: { a: { $ref: '#/properties/a' } } },
      'escaped property name': { properties: { 'a/b~c': { $ref: '#/properties/a~1b~0c' } } },
      'percent-encoded pointer': { properties: { 'a b': { $ref: '#/properties/a%20b' } } },
      'items of a property': { properties: { list: { type: 'array', items: { $ref: '#/properties/list/items' } } } },
      'second of prefixItems': { prefixItems: [{ type: 'string' }, { $ref: '#/prefixItems/1' }] },
      'draft-07 tuple': { $schema: 'http://json-schema.org/draft-07/schema#', items: [{ type: 'string' }, { $ref: '#/items/1' }] },
      additionalProperties: { additionalProperties: { $ref: '#/additionalProperties' } },
      'its own $id under a property': { properties: { a: { $id: 'https://example.org/a', $ref: 'https://example.org/a' } } },
      'through a $ref and $defs': {
        properties: { a: { $ref: '#/$defs/x' } },
        $defs: { x: { properties: { c: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/x/properties/c' }] } } } },
      },
    };
    const problems = Object.fromEntries(Object.entries(endless).map(([name, schema]) => [name, problemOf(v, schema)]));
    expect(problems).toEqual(
      Object.fromEntries(Object.keys(endless).map((name) => [name, expect.stringMatching(/refers to itself without end/)])),
    );
  });

  it('probes, with one value of each type, every subschema a value can reach that holds a $ref, each once', () => {
    const tree = { properties: { name: { type: 'string' }, children: { items: { $ref: '#' } } } };
    const values = probeValues(tree);
    // the root, children and its items (which lead back to the root, probed already); not name
    expect(values).toHaveLength(3 * 6);
    expect(values).toEqual(expect.arrayContaining([null, {}, { children: true }, { children: [0] }, { children: [[]] }]));
    expect(values).not.toContainEqual({ name: '' });
    expect(probeValues({ prefixItems: [{}, { not: { properties: { x: { $ref: '#/$defs/s' } } } }], $defs: { s: {} } })).toEqual(
      expect.arrayContaining([
        [null, ''],
        [null, { x: 0 }],
      ]),
    );
    expect(probeValues({ type: 'object', properties: { a: { type: 'string' } } })).toEqual([]);
    // $refs that are not local JSON pointers lead nowhere; a pointer to nothing neither
    expect(probeValues({ allOf: [{ $ref: 'https://example.org/s' }, { $ref: '#anchor' }, { $ref: '#/nothing/here' }] })).toHaveLength(
      4 * 6,
    );
  });

  it(`probes at most ${PROBES_MAX} values, so that a large schema is checked in bounded time`, () => {
    const properties = Object.fromEntries(Array.from({ length: 1400 }, (_, i) => [`p${i}`, { $ref: '#/$defs/short' }]));
    const schema = { type: 'object', properties, $defs: { short: { type: 'string', maxLength: 10 } } };
    expect(probeValues(schema)).toHaveLength(PROBES_MAX);
    expect(problemOf(new ParamsValidator(), schema)).toBeNull();
  });

  it('answers a 400 naming the owner when a stored schema refers to itself without end', () => {
    const v = new ParamsValidator();
    expect(() => v.validate('endless:1', { $ref: '#' }, { x: 1 })).toThrow(/refers to itself without end .*; its owner must fix it/);
  });

  it('answers a 400 naming the owner when a stored schema cannot be compiled any more', () => {
    const v = new ParamsValidator();
    expect(() => v.validate('old:1', { type: 'string', pattern: '(?=x)' }, 'x')).toThrow(/its owner must fix it/);
  });
});

describe('ParamsValidator.check, properties', () => {
  const v = new ParamsValidator();
  // JSON values that look like schemas: keyword names mixed with junk, nested.
  const keyword = fc.constantFrom('type', 'properties', 'items', 'pattern', 'maxLength', '$ref', '$id', 'allOf', 'format', 'enum', 'x');
  const schemaLike = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom<unknown>('string', 'object', 1, true, null, '^a+$', '#/x', 'email'),
      fc.dictionary(keyword, tie('node'), { maxKeys: 4 }),
      fc.array(tie('node'), { maxLength: 3 }),
    ),
  })).node;

  it('never throws anything but a 400 for any JSON object, and whatever it accepts compiles and validates', () => {
    fc.assert(
      fc.property(fc.dictionary(keyword, schemaLike, { maxKeys: 5 }), fc.jsonValue(), (generated, params) => {
        // as it arrives: JSON over the bus
        const schema = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
        const problem = problemOf(v, schema as Record<string, unknown>);
        if (problem === null) {
          try {
            v.validate(`p:${JSON.stringify(schema)}`, schema as Record<string, unknown>, params);
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
            expect((err as AppError).code).toBe('invalid_argument');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
