import { hyperparamsBySection, pyBasicType, pyFloatRepr, pyJsonDumps, pyStr, toHyperparams } from './hyperparams';

describe('pyFloatRepr', () => {
  it.each([
    [0.1, '0.1'],
    [123.456, '123.456'],
    [-2.5, '-2.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [2.5e20, '2.5e+20'],
    [1234567890123456.8, '1234567890123456.8'],
    [0, '0.0'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%p → %s (Python repr)', (value, expected) => {
    expect(pyFloatRepr(value)).toBe(expected);
  });
});

describe('pyStr / pyJsonDumps / pyBasicType', () => {
  it('renders scalars as Python str() does', () => {
    expect(pyStr(true)).toBe('True');
    expect(pyStr(false)).toBe('False');
    expect(pyStr(3)).toBe('3');
    expect(pyStr(0.5)).toBe('0.5');
    expect(pyStr(null)).toBe('');
    expect(pyStr('adam')).toBe('adam');
  });

  it('renders lists and dicts as Python json.dumps does', () => {
    expect(pyJsonDumps([1, 2.5, 'a', true, null])).toBe('[1, 2.5, "a", true, null]');
    expect(pyJsonDumps({ a: 1, b: [1, 2] })).toBe('{"a": 1, "b": [1, 2]}');
    expect(pyJsonDumps(['é', 'a"b\n', '\u007f', '😀'])).toBe('["\\u00e9", "a\\"b\\n", "\\u007f", "\\ud83d\\ude00"]');
    expect(pyJsonDumps([NaN, -Infinity])).toBe('[NaN, -Infinity]');
  });

  it('names types as get_basic_type does', () => {
    expect(pyBasicType(1)).toBe('int');
    expect(pyBasicType(1.5)).toBe('float');
    expect(pyBasicType(true)).toBe('bool');
    expect(pyBasicType('x')).toBe('str');
    expect(pyBasicType([1, 2])).toBe('list/int');
    expect(pyBasicType([1, 2.5])).toBe('list');
    expect(pyBasicType([true, 1])).toBe('list');
    expect(pyBasicType(['a'])).toBe('list/str');
    expect(pyBasicType([])).toBe('list');
    expect(pyBasicType({})).toBe('dict');
    expect(pyBasicType({ a: 'x', b: 'y' })).toBe('dict/str');
  });

  it('rejects values Python could not have produced', () => {
    expect(() => pyStr(new Date(0))).toThrow(TypeError);
    expect(() => pyStr(() => 1)).toThrow(TypeError);
  });
});

describe('toHyperparams', () => {
  it('stores parameters the way task.connect(dict) does', () => {
    const items = toHyperparams({
      lr: 0.001,
      epochs: 10,
      shuffle: true,
      optimizer: 'adam',
      layers: [64, 32],
      note: null,
      opt: { momentum: 0.9, nested: { beta: 2 } },
      empty: {},
      skipped: undefined,
    });
    expect(items).toEqual([
      { section: 'General', name: 'lr', value: '0.001', type: 'float' },
      { section: 'General', name: 'epochs', value: '10', type: 'int' },
      { section: 'General', name: 'shuffle', value: 'True', type: 'bool' },
      { section: 'General', name: 'optimizer', value: 'adam', type: 'str' },
      { section: 'General', name: 'layers', value: '[64, 32]', type: 'list/int' },
      { section: 'General', name: 'note', value: '' },
      { section: 'General', name: 'opt/momentum', value: '0.9', type: 'float' },
      { section: 'General', name: 'opt/nested/beta', value: '2', type: 'int' },
      { section: 'General', name: 'empty', value: '{}', type: 'dict' },
    ]);
  });

  it('uses the given section, and with no section takes it from the first path segment', () => {
    expect(toHyperparams({ batch: 8 }, 'Args')).toEqual([{ section: 'Args', name: 'batch', value: '8', type: 'int' }]);
    expect(toHyperparams({ opt: { lr: 0.1 }, bare: 'x' }, '')).toEqual([
      { section: 'opt', name: 'lr', value: '0.1', type: 'float' },
      { section: 'General', name: 'bare', value: 'x', type: 'str' },
    ]);
  });

  it('groups items by section for tasks.edit / tasks.clone', () => {
    const map = hyperparamsBySection(toHyperparams({ a: 1 }).concat(toHyperparams({ b: 'x' }, 'Args')));
    expect(map).toEqual({
      General: { a: { section: 'General', name: 'a', value: '1', type: 'int' } },
      Args: { b: { section: 'Args', name: 'b', value: 'x', type: 'str' } },
    });
  });
});
