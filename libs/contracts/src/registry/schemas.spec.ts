import { endpointInputSchema, endpointNameSchema, endpointPatchSchema, predictionCountingSchema, upstreamPathSchema } from './endpoints';
import { httpBaseUrlSchema, labelsSchema, machineInputSchema, machinePatchSchema } from './machines';
import { clearmlIdSchema, paramsSectionSchema, queueNameSchema, taskTemplateInputSchema } from './tasks';

const accepts = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
const messageOf = (schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } }, value: unknown) =>
  schema.safeParse(value).error?.issues[0]?.message;

describe('machine schemas (what registrars send)', () => {
  const machine = { name: 'gpu', base_url: 'https://gpu.example.org:8080/base/', protocol: 'clearml-serving' };

  it('take an http(s) base URL without credentials, query or fragment, and drop its trailing slashes', () => {
    expect(httpBaseUrlSchema.parse('https://gpu.example.org/base//')).toBe('https://gpu.example.org/base');
    expect(httpBaseUrlSchema.parse('http://gpu.example.org')).toBe('http://gpu.example.org');
    for (const bad of [
      'ftp://gpu.example.org',
      'file:///etc/passwd',
      'http://user:pw@gpu.example.org',
      'http://user@gpu.example.org',
      'http://gpu.example.org/?a=1',
      'http://gpu.example.org/#x',
      'gpu.example.org',
      `http://gpu.example.org/${'a'.repeat(2000)}`,
    ]) {
      expect({ bad, ok: accepts(httpBaseUrlSchema, bad) }).toEqual({ bad, ok: false });
    }
    expect(messageOf(httpBaseUrlSchema, 'ftp://x')).toBe('expected an http(s) URL without credentials, query or fragment');
  });

  it('take a metrics URL with a query but without credentials', () => {
    expect(accepts(machineInputSchema, { ...machine, metrics_url: 'http://gpu.example.org:8002/metrics?x=1' })).toBe(true);
    expect(accepts(machineInputSchema, { ...machine, metrics_url: null })).toBe(true);
    for (const bad of ['http://u:p@gpu.example.org/metrics', 'gopher://gpu.example.org', 'not a url', `http://x.org/${'m'.repeat(2000)}`]) {
      expect({ bad, ok: accepts(machineInputSchema, { ...machine, metrics_url: bad }) }).toEqual({ bad, ok: false });
    }
    expect(messageOf(machineInputSchema.shape.metrics_url, 'ftp://x')).toBe('expected an http(s) URL without credentials');
  });

  it('bound names, task ids and labels, and refuse unknown fields', () => {
    expect(machineInputSchema.parse({ ...machine, name: '  gpu  ' }).name).toBe('gpu');
    for (const bad of [
      { ...machine, name: '   ' },
      { ...machine, name: 'n'.repeat(101) },
      { ...machine, protocol: 'grpc' },
      { ...machine, serving_task_id: 'has space' },
      { ...machine, serving_task_id: 'a'.repeat(65) },
      { ...machine, owner: 'mallory' },
      { ...machine, enabled: 'yes' },
    ]) {
      expect({ bad, ok: accepts(machineInputSchema, bad) }).toEqual({ bad, ok: false });
    }
    expect(accepts(machineInputSchema, { ...machine, name: 'n'.repeat(100), serving_task_id: 'a'.repeat(64) })).toBe(true);
    expect(accepts(machinePatchSchema, { enabled: false })).toBe(true);
    expect(accepts(machinePatchSchema, { owner: 'mallory' })).toBe(false);
    expect(accepts(labelsSchema, { site: 'florence', _x9: 'y' })).toBe(true);
    expect(accepts(labelsSchema, { '9site': 'x' })).toBe(false);
    expect(accepts(labelsSchema, { 'a-b': 'x' })).toBe(false);
    expect(accepts(labelsSchema, { ['a'.repeat(63)]: 'x' })).toBe(true);
    expect(accepts(labelsSchema, { ['a'.repeat(64)]: 'x' })).toBe(false);
    expect(accepts(labelsSchema, { a: 'v'.repeat(201) })).toBe(false);
    expect(accepts(labelsSchema, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`l${i}`, 'v'])))).toBe(true);
    expect(messageOf(labelsSchema, Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, 'v'])))).toBe('at most 20 labels');
  });
});

describe('endpoint schemas', () => {
  const endpoint = { machine_id: 'a'.repeat(64), name: 'mnist' };

  it('take names with versions, and upstream paths that stay on the machine', () => {
    for (const ok of ['mnist', 'mnist/2', 'a.b-c_d', 'a/b/c']) expect(accepts(endpointNameSchema, ok)).toBe(true);
    for (const bad of ['', '/mnist', 'mnist/', 'a//b', 'a b', '../x', 'n'.repeat(129)]) {
      expect({ bad, ok: accepts(endpointNameSchema, bad) }).toEqual({ bad, ok: bad === '../x' });
    }
    expect(messageOf(endpointNameSchema, 'a b')).toBe('letters, digits, _ . - and / between segments');
    expect(accepts(upstreamPathSchema, '/serve/{endpoint}')).toBe(true);
    for (const bad of ['serve', 'http://evil/x', '/a?b', '/a#b', '/a b', `/${'a'.repeat(500)}`]) {
      expect({ bad, ok: accepts(upstreamPathSchema, bad) }).toEqual({ bad, ok: false });
    }
    expect(messageOf(upstreamPathSchema, 'x')).toBe('an absolute path such as /serve/mnist');
  });

  it('bound timeouts and prediction counting, and refuse unknown fields', () => {
    expect(accepts(endpointInputSchema, { ...endpoint, timeout_ms: 100 })).toBe(true);
    expect(accepts(endpointInputSchema, { ...endpoint, timeout_ms: 600_000 })).toBe(true);
    for (const timeout_ms of [99, 600_001, 1.5]) expect(accepts(endpointInputSchema, { ...endpoint, timeout_ms })).toBe(false);
    expect(accepts(endpointInputSchema, { ...endpoint, owner: 'x' })).toBe(false);
    expect(accepts(endpointPatchSchema, { machine_id: 'a'.repeat(64) })).toBe(false);
    expect(predictionCountingSchema.parse({ json_path: 'outputs.0.data' })).toEqual({ json_path: 'outputs.0.data', max_values: 20 });
    for (const bad of [
      { json_path: '' },
      { json_path: 'a..b' },
      { json_path: 'a'.repeat(201) },
      { json_path: 'a', max_values: 0 },
      { json_path: 'a', max_values: 101 },
      { json_path: 'a', x: 1 },
    ]) {
      expect({ bad, ok: accepts(predictionCountingSchema, bad) }).toEqual({ bad, ok: false });
    }
    expect(accepts(predictionCountingSchema, { json_path: 'a'.repeat(200), max_values: 100 })).toBe(true);
  });
});

describe('task template schemas', () => {
  const task = { clearml_task_id: 'a'.repeat(32), default_queue: 'gpu queue' };

  it('take ClearML ids, queue and section names as ClearML does, and bound them', () => {
    expect(accepts(taskTemplateInputSchema, task)).toBe(true);
    expect(accepts(clearmlIdSchema, 'a'.repeat(64))).toBe(true);
    for (const bad of ['', 'a'.repeat(65), 'a b', 'a;b']) expect(accepts(clearmlIdSchema, bad)).toBe(false);
    expect(messageOf(clearmlIdSchema, '')).toBe('a ClearML id');
    for (const bad of ['', ' q', 'q ', 'a  b', 'q'.repeat(201)])
      expect({ bad, ok: accepts(queueNameSchema, bad) }).toEqual({ bad, ok: false });
    expect(accepts(queueNameSchema, 'q'.repeat(200))).toBe(true);
    expect(messageOf(queueNameSchema, ' q')).toBe('a queue name');
    expect(accepts(paramsSectionSchema, 'General')).toBe(true);
    for (const bad of ['', 'a/b', 's'.repeat(101)]) expect(accepts(paramsSectionSchema, bad)).toBe(false);
    for (const bad of [
      { ...task, name: '  ' },
      { ...task, name: 'n'.repeat(201) },
      { ...task, params_schema: [] },
      { ...task, owner: 'x' },
    ]) {
      expect({ bad, ok: accepts(taskTemplateInputSchema, bad) }).toEqual({ bad, ok: false });
    }
  });
});
