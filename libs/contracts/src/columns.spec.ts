import { z } from 'zod';
import { columnsSchema, fromColumns, toColumns } from './columns';

const row = z.object({ day: z.string(), calls: z.number(), user: z.string().optional(), p95: z.number().nullable() });
type Row = z.infer<typeof row>;
const schema = columnsSchema(row);

describe('rows as columns', () => {
  const rows: Row[] = [
    { day: '2026-12-01', calls: 3, user: 'alice', p95: 12.5 },
    { day: '2026-12-02', calls: 0, user: 'bob', p95: null },
  ];

  it('turns rows into columns and back, unchanged', () => {
    const columns = toColumns(rows, ['day', 'calls', 'user', 'p95']);
    expect(columns).toEqual({ day: ['2026-12-01', '2026-12-02'], calls: [3, 0], user: ['alice', 'bob'], p95: [12.5, null] });
    expect(fromColumns(schema.parse(columns))).toEqual(rows);
  });

  it('leaves out an optional field no row has, and brings no such field back', () => {
    const anonymous = rows.map(({ user: _user, ...r }) => r);
    const columns = toColumns<Row>(anonymous, ['day', 'calls', 'user', 'p95']);
    expect(Object.keys(columns)).toEqual(['day', 'calls', 'p95']);
    expect(fromColumns(schema.parse(columns))).toEqual(anonymous);
  });

  it('answers no rows as empty columns', () => {
    expect(fromColumns(schema.parse(toColumns([], ['day', 'calls', 'user', 'p95'])))).toEqual([]);
    expect(fromColumns(schema.parse({ day: [], calls: [], p95: [] }))).toEqual([]);
  });

  it('refuses columns of different lengths, a missing required column, a wrong type and an unknown column', () => {
    expect(schema.safeParse({ day: ['a', 'b'], calls: [1], p95: [null, null] }).success).toBe(false);
    expect(schema.safeParse({ day: ['a'], p95: [null] }).success).toBe(false);
    expect(schema.safeParse({ day: ['a'], calls: ['1'], p95: [null] }).success).toBe(false);
    expect(schema.safeParse({ day: ['a'], calls: [1], p95: [null], extra: [1] }).success).toBe(false);
  });
});
