import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyExport, readExportFile, servingAddressSchema } from './utils-export';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'tests', 'system', 'fixtures', 'clearml-utils');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const M1 = '05425cc1f3729b542b6538e34187dcec836890352edaa42b8531194e705ebb07';

function read(files: Record<string, string>) {
  const out = emptyExport();
  for (const [name, text] of Object.entries(files)) readExportFile(name, text, out);
  return out;
}

describe('a machine address as ClearML Utils stored it', () => {
  it.each([
    ['192.168.1.120', 'http://192.168.1.120:8080'],
    ['192.168.1.120:9000', 'http://192.168.1.120:9000'],
    ['gpu-3.lab.local', 'http://gpu-3.lab.local:8080'],
    ['http://192.168.1.121:8080/serve', 'http://192.168.1.121:8080'],
    ['https://serving.example.org/serve/', 'https://serving.example.org'],
    ['http://10.0.0.1/clearml/serve', 'http://10.0.0.1/clearml'],
  ])('%s is the base URL %s', (address, base) => {
    expect(servingAddressSchema.parse(address)).toBe(base);
  });

  it.each(['ftp://host', 'http://user:pw@host', 'http://host/?q=1', 'http://', ' '])('refuses %s', (address) => {
    expect(servingAddressSchema.safeParse(address).success).toBe(false);
  });
});

describe('reading an export', () => {
  it('reads the JSON fixture with each row at the line where it starts', () => {
    const out = read({ 'export.json': fixture('export.json') });
    expect(out.problems).toEqual([]);
    expect(out.machines).toEqual([
      {
        at: { file: 'export.json', line: 3 },
        machine_id: M1,
        serving_task_id: 'b746714516a7409bbaa68a8402a5c1a2',
        base_url: 'http://192.168.1.120:8080',
      },
      expect.objectContaining({ at: { file: 'export.json', line: 8 }, base_url: 'http://192.168.1.121:8080' }),
    ]);
    expect(out.endpoints.map((e) => [e.at.line, e.name])).toEqual([
      [15, 'test_model_pytorch'],
      [20, 'test_model_sklearn'],
      [25, 'test_mnist_model_pytorch_61'],
    ]);
    expect(out.tasks.map((t) => [t.at.line, t.clearml_task_id, t.default_queue])).toEqual([
      [32, 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'default'],
      [37, '2655bb0a64fa4c57be93637bd6441b9e', 'gpu'],
    ]);
  });

  it('reads the same tables from CSV and TSV files, each recognised by its header', () => {
    const json = read({ 'export.json': fixture('export.json') });
    const split = read({
      'tasks.tsv': fixture('tasks.tsv'),
      'machines.csv': fixture('machines.csv'),
      'endpoints.csv': fixture('endpoints.csv'),
    });
    expect(split.problems).toEqual([]);
    const strip = (rows: { at: unknown }[]) => rows.map(({ at: _at, ...row }) => row);
    expect(strip(split.machines)).toEqual(strip(json.machines));
    expect(strip(split.endpoints)).toEqual(strip(json.endpoints));
    // mysql --batch writes NULL for the empty name column: read as no name.
    expect(strip(split.tasks)).toEqual(strip(json.tasks));
    expect(split.machines.map((m) => m.at)).toEqual([
      { file: 'machines.csv', line: 2 },
      { file: 'machines.csv', line: 3 },
    ]);
  });

  it('names every bad row with its line and reason, and keeps the good ones', () => {
    const out = read({ 'export-bad.json': fixture('export-bad.json') });
    expect(out.problems).toEqual([
      { file: 'export-bad.json', line: 8, table: 'machines', reason: 'machine_id: expected a 64-character hex id' },
      { file: 'export-bad.json', line: 15, table: 'tasks', reason: expect.stringMatching(/^default_queue: /) },
    ]);
    expect(out.machines).toHaveLength(1);
    expect(out.endpoints).toHaveLength(2);
    expect(out.tasks).toHaveLength(1);
  });

  it('refuses unknown columns, unknown tables, unreadable files and headers that name no table', () => {
    const out = read({
      'a.csv': `machine_id,serving_task_id,url,nmae\n${M1},b746714516a7409bbaa68a8402a5c1a2,10.0.0.1,gpu\n`,
      'b.csv': 'hash,id\n1,2\n',
      'c.json': '{"machines": [], "servers": []}',
      'd.json': '{"machines": [ {"machine_id": 1,} ]}',
      'e.csv': 'machine_id,endpoint\n"abc,x\n',
    });
    expect(out.problems).toEqual([
      { file: 'a.csv', line: 2, table: 'machines', reason: 'unknown column nmae' },
      { file: 'b.csv', line: 1, table: null, reason: expect.stringContaining('the header names no table') },
      { file: 'c.json', line: 1, table: null, reason: 'unknown table "servers" (expected machines, endpoints, tasks)' },
      { file: 'd.json', line: 1, table: null, reason: expect.stringMatching(/^not valid JSON/) },
      { file: 'e.csv', line: 2, table: 'endpoints', reason: expect.stringMatching(/^not readable as CSV/) },
    ]);
  });

  it('accepts upper-case hashes and keeps them in lower case', () => {
    const out = read({ 'x.json': JSON.stringify({ endpoints: [{ machine_id: M1.toUpperCase(), endpoint: 'mnist/2' }] }) });
    expect(out.endpoints).toEqual([{ at: { file: 'x.json', line: 1 }, machine_id: M1, name: 'mnist/2' }]);
  });
});
