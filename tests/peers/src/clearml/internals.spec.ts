import { resolveScript } from './agents';
import { parseServerDate, toWireDate } from './clock';
import { apiError, ERR } from './errors';
import { listFieldPred, pythonRegex, sortDocs, validatePaging } from './query';
import { PeerStore } from './store';
import { ServerClock } from './clock';

describe('ClearML peer internals', () => {
  it('serialises dates as python-rapidjson does and parses dateutil-style input', () => {
    expect(toWireDate(new Date('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05.678000+00:00');
    expect(toWireDate(new Date('2025-01-02T03:04:05Z'))).toBe('2025-01-02T03:04:05+00:00');
    expect(parseServerDate('2025-01-02 03:04:05.678901')?.toISOString()).toBe('2025-01-02T03:04:05.678Z');
    expect(parseServerDate('2025-01-02T05:04:05+02:00')?.toISOString()).toBe('2025-01-02T03:04:05.000Z');
    expect(parseServerDate('2025-01-02')?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
    expect(parseServerDate('2025-02-30')).toBeUndefined();
    expect(parseServerDate('yesterday')).toBeUndefined();
  });

  it('formats errors like apierrors BaseError', () => {
    const e = apiError(ERR.invalidTaskStatus, 'Invalid status change', { current_status: 'created', new_status: 'completed' });
    expect([e.code, e.subcode, e.message]).toEqual([
      400,
      110,
      'Invalid task status (Invalid status change): current_status=created, new_status=completed',
    ]);
    expect(apiError(ERR.invalidTaskId, null, { ids: ['a', 'b'] }).message).toBe('Invalid task id: ids=(a, b)');
  });

  it('translates python regular expressions', () => {
    expect(pythonRegex('^(?P<word>ab)c(?P=word)$').test('abcab')).toBe(true);
    expect(pythonRegex('(?i)^FOO').test('foobar')).toBe(true);
    expect(() => pythonRegex('(')).toThrow(/Malformed regular expression/);
  });

  it('combines list filter values as the server does (OR by default, - excludes, __$all)', () => {
    const docs = [{ tags: ['a', 'b'] }, { tags: ['a'] }, { tags: ['c'] }, {}];
    const match = (data: unknown) => docs.map((d) => listFieldPred('tags', data)(d));
    expect(match(['a'])).toEqual([true, true, false, false]);
    expect(match(['-a'])).toEqual([false, false, true, true]);
    // include and exclude values are OR'ed unless an operator says otherwise
    expect(match(['c', '-a'])).toEqual([false, false, true, true]);
    expect(match(['__$all', 'a', 'b'])).toEqual([true, false, false, false]);
    expect(match(['__$and', 'a', '__$not', 'b'])).toEqual([false, true, false, false]);
    expect(match([null])).toEqual([false, false, false, true]);
    expect(() => match([5])).toThrow(/invalid value type, string expected/);
  });

  it('pages like validate_paging', () => {
    expect(validatePaging({})).toEqual([0, 500]);
    expect(validatePaging({ page: 2, page_size: 1000 })).toEqual([1000, 500]);
    expect(() => validatePaging({ page_size: null })).toThrow(/page_size is required when page is requested/);
    expect(validatePaging({ page: null, page_size: null })).toEqual([undefined, undefined]);
  });

  it('sorts empty values last for an ascending first field, numerically for hyperparameters', () => {
    const docs = [{ id: 'b', x: '' }, { id: 'a' }, { id: 'c', x: 'y' }];
    expect(sortDocs(docs, ['x', 'id']).map((d) => d.id)).toEqual(['c', 'a', 'b']);
    expect(sortDocs(docs, ['-x', 'id']).map((d) => d.id)).toEqual(['c', 'b', 'a']);
    const hp = (v: string) => ({ id: v, hyperparams: { General: { lr: { value: v } } } });
    expect(sortDocs([hp('10'), hp('9'), hp('100')], ['hyperparams.General.lr.value', 'id']).map((d) => d.id)).toEqual(['9', '10', '100']);
  });

  it('resolves the agent script: default < option < name rule < configuration < hyperparameters', () => {
    const store = new PeerStore(new ServerClock());
    const task = store.newTaskDoc({ name: 'nightly forecast', type: 'training', user: 'u' });
    const opts = { script: { durationMs: 10 }, rules: [{ name: /forecast/, script: { lines: 7, outcome: 'failed' as const } }] };
    expect(resolveScript(task, opts)).toMatchObject({ durationMs: 10, lines: 7, outcome: 'failed' });
    task.configuration = { peer_script: { name: 'peer_script', value: '{"lines": 3, "iterations": 4}' } };
    expect(resolveScript(task, opts)).toMatchObject({ lines: 3, iterations: 4, outcome: 'failed' });
    task.hyperparams = {
      Args: { peer_outcome: { section: 'Args', name: 'peer_outcome', value: 'failed' } },
      General: {
        peer_outcome: { section: 'General', name: 'peer_outcome', value: 'completed' },
        peer_lines: { section: 'General', name: 'peer_lines', value: '5' },
      },
    };
    expect(resolveScript(task, opts)).toMatchObject({ lines: 5, iterations: 4, outcome: 'completed', durationMs: 10 });
  });
});
