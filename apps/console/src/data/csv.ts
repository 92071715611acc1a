export interface CsvColumn<T> {
  label: string;
  value: (row: T) => unknown;
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; lines end with CRLF. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One column per field, named after it: the API's own field names are the CSV's header. */
export function fieldColumns<T>(...fields: (keyof T & string)[]): CsvColumn<T>[] {
  return fields.map((field) => ({ label: field, value: (row: T) => row[field] }));
}

export function toCsv<T>(columns: CsvColumn<T>[], rows: T[]): string {
  const lines = [columns.map((c) => csvField(c.label)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
