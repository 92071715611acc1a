import { z } from 'zod';

/**
 * Rows as columns: one array per field instead of one object per row. For answers of thousands
 * of rows on the bus (usage by user and day), where checking and copying an object per row is
 * most of the cost: an array of numbers is checked in one pass, and the field names travel once.
 * A field that is optional in the row is an optional column (absent when no row has it).
 */
export type Columns<Row> = {
  [K in keyof Row]-?: undefined extends Row[K] ? Exclude<Row[K], undefined>[] | undefined : Row[K][];
};

/** The columns schema of a row schema; every column present must have the same length. */
export function columnsSchema<Shape extends z.ZodRawShape>(row: z.ZodObject<Shape>): z.ZodType<Columns<z.output<z.ZodObject<Shape>>>> {
  const columns = Object.fromEntries(
    Object.entries(row.shape).map(([field, type]) =>
      type instanceof z.ZodOptional ? [field, z.array(type.unwrap() as z.ZodType).optional()] : [field, z.array(type as z.ZodType)],
    ),
  );
  return z
    .object(columns)
    .strict()
    .refine((c) => new Set(Object.values(c).flatMap((v) => (Array.isArray(v) ? [v.length] : []))).size <= 1, {
      message: 'every column must have one value per row',
    }) as unknown as z.ZodType<Columns<z.output<z.ZodObject<Shape>>>>;
}

/** The rows' fields as columns; a field no row has is left out (an optional one: rows always have the others). */
export function toColumns<Row extends object>(rows: readonly Row[], fields: readonly (keyof Row)[]): Columns<Row> {
  const columns: Partial<Record<keyof Row, unknown[]>> = {};
  for (const field of fields) {
    if (rows.length > 0 && !rows.some((r) => r[field] !== undefined)) continue;
    const values = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = rows[i]![field];
    columns[field] = values;
  }
  return columns as Columns<Row>;
}

/** The rows back from their columns. */
export function fromColumns<Row extends object>(columns: Columns<Row>): Row[] {
  const present = Object.entries(columns).filter(([, v]) => Array.isArray(v)) as [string, unknown[]][];
  const length = present[0]?.[1].length ?? 0;
  const rows = new Array<Row>(length);
  for (let i = 0; i < length; i++) {
    const row: Record<string, unknown> = {};
    for (const [field, values] of present) row[field] = values[i];
    rows[i] = row as Row;
  }
  return rows;
}
