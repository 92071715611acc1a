import { parse as parseCsv } from 'csv-parse/sync';
import { getNodeValue, Node as JsonNode, parseTree, ParseError, printParseErrorCode } from 'jsonc-parser';
import { z } from 'zod';
import {
  clearmlIdSchema,
  endpointNameSchema,
  givenPublicIdSchema,
  httpBaseUrlSchema,
  ImportProblem,
  ImportSource,
  importEndpointSchema,
  importMachineSchema,
  importTaskSchema,
  machineNameSchema,
  queueNameSchema,
} from '@cleargate/contracts';

/**
 * The accepted export of ClearML Utils (see the registry README, "Importing ClearML Utils"):
 * three tables, as one JSON document `{machines, endpoints, tasks}` (any of them, so one file per
 * table works too) or as CSV/TSV files of one table each, recognised by their header.
 */

/** clearml-serving's inference container listens on 8080; ClearML Utils stored a bare IP. */
export const DEFAULT_SERVING_PORT = 8080;

/**
 * A machine's address as ClearML Utils stored it, as a base URL for the clearml-serving protocol:
 * a bare host or `host:port` becomes `http://host:port` (port 8080 when none), a URL is taken as
 * it is, and a trailing `/serve` goes (ClearGate adds `/serve/<endpoint>` itself).
 */
export const servingAddressSchema = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected an IP address, host[:port] or http(s) URL' });
      return z.NEVER;
    }
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && url.port === '') url.port = String(DEFAULT_SERVING_PORT);
    url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/serve$/, '');
    const base = httpBaseUrlSchema.safeParse(url.toString());
    if (!base.success) {
      ctx.addIssue({ code: 'custom', message: 'expected an http(s) address without credentials, query or fragment' });
      return z.NEVER;
    }
    return base.data;
  });

const machineRow = z
  .object({
    machine_id: givenPublicIdSchema,
    serving_task_id: clearmlIdSchema,
    url: servingAddressSchema,
    name: machineNameSchema.optional(),
  })
  .strict();
const endpointRow = z
  .object({ machine_id: givenPublicIdSchema, endpoint: endpointNameSchema, serving_task_id: clearmlIdSchema.optional() })
  .strict();
const taskRow = z
  .object({
    task_id: givenPublicIdSchema,
    clearml_task_id: clearmlIdSchema,
    default_queue: queueNameSchema,
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const TABLES = {
  machines: { row: machineRow, recognisedBy: 'url' },
  endpoints: { row: endpointRow, recognisedBy: 'endpoint' },
  tasks: { row: taskRow, recognisedBy: 'clearml_task_id' },
} as const;
export type Table = keyof typeof TABLES;

export interface ParsedExport {
  machines: z.input<typeof importMachineSchema>[];
  endpoints: z.input<typeof importEndpointSchema>[];
  tasks: z.input<typeof importTaskSchema>[];
  problems: ImportProblem[];
}

export const emptyExport = (): ParsedExport => ({ machines: [], endpoints: [], tasks: [], problems: [] });

/** Reads one file of the export into `into`: rows with their file and line, and every bad row. */
export function readExportFile(file: string, text: string, into: ParsedExport): void {
  if (/\.(csv|tsv)$/i.test(file)) readDelimited(file, text, /\.tsv$/i.test(file) ? '\t' : ',', into);
  else readJson(file, text, into);
}

function addRow(table: Table, at: ImportSource, raw: unknown, into: ParsedExport): void {
  const fields = Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && v !== ''),
  );
  const parsed = TABLES[table].row.safeParse(fields);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((i) => {
        if (i.code === 'unrecognized_keys') return `unknown column${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
        return `${i.path.join('.') || 'row'}: ${i.message}`;
      })
      .join('; ');
    into.problems.push({ ...at, table, reason });
    return;
  }
  const row = parsed.data;
  if (table === 'machines') {
    const m = row as z.output<typeof machineRow>;
    into.machines.push({
      at,
      machine_id: m.machine_id,
      serving_task_id: m.serving_task_id,
      base_url: m.url,
      ...(m.name ? { name: m.name } : {}),
    });
  } else if (table === 'endpoints') {
    const e = row as z.output<typeof endpointRow>;
    into.endpoints.push({
      at,
      machine_id: e.machine_id,
      name: e.endpoint,
      ...(e.serving_task_id ? { serving_task_id: e.serving_task_id } : {}),
    });
  } else {
    const t = row as z.output<typeof taskRow>;
    into.tasks.push({
      at,
      task_id: t.task_id,
      clearml_task_id: t.clearml_task_id,
      default_queue: t.default_queue,
      ...(t.name ? { name: t.name } : {}),
    });
  }
}

function readDelimited(file: string, text: string, delimiter: string, into: ParsedExport): void {
  let table: Table | undefined;
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      delimiter,
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      columns: (header: string[]) => {
        const columns = header.map((h) => h.trim().toLowerCase());
        table = (Object.keys(TABLES) as Table[]).find((t) => columns.includes(TABLES[t].recognisedBy));
        return columns;
      },
    });
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    into.problems.push({
      file,
      line,
      table: table ?? null,
      reason: `not readable as ${delimiter === '\t' ? 'TSV' : 'CSV'}: ${(err as Error).message}`,
    });
    return;
  }
  if (!table) {
    const names = (Object.keys(TABLES) as Table[]).map((t) => `${TABLES[t].recognisedBy} (${t})`).join(', ');
    into.problems.push({ file, line: 1, table: null, reason: `the header names no table: it needs one of the columns ${names}` });
    return;
  }
  // mysql --batch writes NULL for a null column.
  const nulls = delimiter === '\t';
  for (const { record, info } of records) {
    const row = nulls ? Object.fromEntries(Object.entries(record).filter(([, v]) => v !== 'NULL')) : record;
    addRow(table, { file, line: info.lines }, row, into);
  }
}

function readJson(file: string, text: string, into: ParsedExport): void {
  const lines = lineStarts(text);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const first = errors[0];
    into.problems.push({
      file,
      line: first ? lineOf(first.offset) : 1,
      table: null,
      reason: `not valid JSON${first ? ` (${printParseErrorCode(first.error)})` : ''}`,
    });
    return;
  }
  if (root.type !== 'object') {
    into.problems.push({
      file,
      line: lineOf(root.offset),
      table: null,
      reason: 'expected an object {"machines": [...], "endpoints": [...], "tasks": [...]}',
    });
    return;
  }
  for (const property of root.children ?? []) {
    const [key, value] = property.children as [JsonNode, JsonNode];
    const name = String(key.value);
    if (!(name in TABLES)) {
      into.problems.push({
        file,
        line: lineOf(key.offset),
        table: null,
        reason: `unknown table "${name}" (expected machines, endpoints, tasks)`,
      });
      continue;
    }
    const table = name as Table;
    if (value.type !== 'array') {
      into.problems.push({ file, line: lineOf(value.offset), table, reason: `${table} must be an array of rows` });
      continue;
    }
    for (const item of value.children ?? []) {
      const at = { file, line: lineOf(item.offset) };
      if (item.type !== 'object') into.problems.push({ ...at, table, reason: 'a row must be an object' });
      else addRow(table, at, stringifyScalars(getNodeValue(item) as Record<string, unknown>), into);
    }
  }
}

/** SQL exports may give numbers where text is meant (a numeric queue name); compare them as text. */
function stringifyScalars(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
