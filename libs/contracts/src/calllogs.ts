import { z } from 'zod';
import { callerSchema, callRouteSchema, isoDateSchema, ondemandRouteSchema, pageOf, pageRequestSchema, uuidSchema } from './common';
import { defineMessage, defineRpc } from './contract';
import { runStatusSchema } from './runs/runs';

export const ondemandOutcomeSchema = z.enum([
  'ok',
  'client_error',
  'upstream_error',
  'timeout',
  'unavailable',
  'circuit_open',
  'not_found',
  'forbidden',
  /** The caller went away before the answer was complete (a streamed answer it stopped reading). */
  'cancelled',
  /** Refused by an in-flight cap of the machine or endpoint (429). */
  'rate_limited',
]);
export type OndemandOutcome = z.infer<typeof ondemandOutcomeSchema>;

/** Bytes of the model's answer kept in the call log, when excerpts are enabled. */
export const RESPONSE_EXCERPT_MAX = 2048;

export const ondemandCallRecordSchema = z.object({
  id: uuidSchema,
  at: isoDateSchema,
  correlation_id: z.string().max(128),
  /** The caller's user name, for people to read. */
  caller: z.string().max(255),
  machine_id: z.string().max(64),
  machine_name: z.string().max(100).nullable(),
  endpoint: z.string().max(128),
  route: ondemandRouteSchema,
  status_code: z.number().int().min(100).max(599),
  outcome: ondemandOutcomeSchema,
  duration_ms: z.number().min(0),
  upstream_ms: z.number().min(0).nullable(),
  request_bytes: z.number().int().min(0),
  response_bytes: z.number().int().min(0),
  error: z.string().max(1000).nullable(),
  response_excerpt: z.string().max(RESPONSE_EXCERPT_MAX).nullable(),
  /** Tokens of the prompt and of the answer, from the model's `usage` (LLM endpoints); null when it gave none. */
  prompt_tokens: z.number().int().min(0).nullable(),
  completion_tokens: z.number().int().min(0).nullable(),
  /** The caller's subject (token `sub`): whose record it is. Absent in batches of a router of an earlier release. */
  caller_subject: z.string().max(255).nullable().optional(),
});
export type OndemandCallRecord = z.infer<typeof ondemandCallRecordSchema>;

/** Most records in one batch message. */
export const CALLLOG_BATCH_RECORDS_MAX = 1000;

/** A batch of on-demand call records as columns: one array per field, all of the same length. */
export type OndemandCallColumns = { [K in keyof OndemandCallRecord]: OndemandCallRecord[K][] };

/** The record fields, in the order of the table's columns. */
export const ONDEMAND_CALL_FIELDS = Object.keys(ondemandCallRecordSchema.shape) as (keyof OndemandCallRecord)[];

const ondemandCallColumnsSchema = z
  .object(
    Object.fromEntries(
      ONDEMAND_CALL_FIELDS.map((field) => {
        const column = z.array(ondemandCallRecordSchema.shape[field]).max(CALLLOG_BATCH_RECORDS_MAX);
        return [field, field === 'caller_subject' ? column.optional() : column];
      }),
    ),
  )
  .refine(
    (columns) => {
      const rows = (columns as Record<string, unknown[]>).id!.length;
      return (
        rows > 0 &&
        Object.values(columns as Record<string, unknown[] | undefined>).every((column) => column === undefined || column.length === rows)
      );
    },
    { message: 'every column must hold the same number (at least one) of records' },
  ) as unknown as z.ZodType<OndemandCallColumns, OndemandCallColumns>;

/**
 * Records travel in batches: the router flushes every few milliseconds, the registry writes
 * each batch with one COPY. Columns rather than an array of objects: the field names travel
 * once, nothing is allocated per record on either side, and the columns are what the bulk
 * insert takes.
 */
export const ondemandCallsRecorded = defineMessage(
  'calllog.ondemand.recorded.v2',
  'calllogs',
  z.object({ batch_id: uuidSchema, columns: ondemandCallColumnsSchema }),
);

export function emptyOndemandCallColumns(): OndemandCallColumns {
  return Object.fromEntries(ONDEMAND_CALL_FIELDS.map((field) => [field, []])) as unknown as OndemandCallColumns;
}

export function appendOndemandCall(columns: OndemandCallColumns, record: OndemandCallRecord): void {
  for (const field of ONDEMAND_CALL_FIELDS) (columns[field] as unknown[]).push(record[field]);
}

export function ondemandCallCount(columns: OndemandCallColumns): number {
  return columns.id.length;
}

/** The batch as records, one object each (for readers that want rows, such as tests). */
export function ondemandCallRecords(columns: OndemandCallColumns): OndemandCallRecord[] {
  return columns.id.map(
    (_id, row) => Object.fromEntries(ONDEMAND_CALL_FIELDS.map((field) => [field, columns[field]?.[row]])) as OndemandCallRecord,
  );
}

/** Filters of the on-demand log (also the query parameters of GET /v1/logs/ondemand). */
export const ondemandLogFilterSchema = z.object({
  machine_id: z.string().max(64).optional(),
  endpoint: z.string().max(128).optional(),
  outcome: ondemandOutcomeSchema.optional(),
  caller: z.string().max(255).optional(),
  since: isoDateSchema.optional(),
  until: isoDateSchema.optional(),
});
export type OndemandLogFilter = z.infer<typeof ondemandLogFilterSchema>;

export const ondemandLogList = defineRpc(
  'registry.calllog.ondemand.list.v1',
  z.object({ caller: callerSchema, page: pageRequestSchema, filter: ondemandLogFilterSchema.default({}) }),
  pageOf(ondemandCallRecordSchema),
);

/** The dashboard's ranges and the width of their series' buckets. */
export const STATS_RANGES = {
  '1h': { hours: 1, bucketSeconds: 60 },
  '24h': { hours: 24, bucketSeconds: 3600 },
  '7d': { hours: 7 * 24, bucketSeconds: 6 * 3600 },
  '30d': { hours: 30 * 24, bucketSeconds: 24 * 3600 },
} as const;
export const statsRangeSchema = z.enum(Object.keys(STATS_RANGES) as [keyof typeof STATS_RANGES, ...(keyof typeof STATS_RANGES)[]]);
export type StatsRange = z.infer<typeof statsRangeSchema>;

/** One bucket of a request series: calls, the failed ones, and the 95th percentile of their durations. */
const statsPointSchema = z.object({
  at: isoDateSchema,
  calls: z.number().int(),
  errors: z.number().int(),
  p95_ms: z.number().nullable(),
});
const statsTotalsSchema = z.object({ calls: z.number().int(), errors: z.number().int(), p95_ms: z.number().nullable() });

export const statsGet = defineRpc(
  'registry.stats.get.v1',
  z.object({
    caller: callerSchema,
    /** Hourly buckets over the last `hours` (when no range is given). */
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(24),
    /** One of the dashboard's ranges, with its own bucket width; wins over `hours`. */
    range: statsRangeSchema.optional(),
  }),
  z.object({
    bucket_seconds: z.number().int(),
    counts: z.object({
      machines: z.number().int(),
      endpoints: z.number().int(),
      tasks: z.number().int(),
      runs: z.record(runStatusSchema, z.number().int()),
    }),
    series: z.object({ ondemand: z.array(statsPointSchema), enqueue: z.array(statsPointSchema) }),
    totals: z.object({ ondemand: statsTotalsSchema, enqueue: statsTotalsSchema }),
    /** The most called endpoints and most requested tasks over the period, most first (at most 5 each). */
    busiest: z.object({
      endpoints: z.array(statsTotalsSchema.extend({ machine_id: z.string(), machine_name: z.string().nullable(), endpoint: z.string() })),
      tasks: z.array(statsTotalsSchema.extend({ task_id: z.string(), template_name: z.string().nullable() })),
    }),
  }),
);
export type Stats = z.output<typeof statsGet.response>;

export const enqueueOutcomeSchema = z.enum(['queued', 'failed', 'rejected']);
export type EnqueueOutcome = z.infer<typeof enqueueOutcomeSchema>;

/** One record per run outcome (queued in ClearML, failed) or per refused request. */
export const enqueueCallRecordSchema = z.object({
  id: uuidSchema,
  at: isoDateSchema,
  correlation_id: z.string().max(128),
  caller: z.string().max(255),
  /** The caller's subject (token `sub`), where known. */
  caller_subject: z.string().max(255).nullable().optional(),
  task_id: z.string().max(64),
  template_name: z.string().max(200).nullable(),
  run_id: uuidSchema.nullable(),
  clearml_task_id: z.string().max(64).nullable(),
  queue: z.string().max(200).nullable(),
  route: callRouteSchema.nullable(),
  outcome: enqueueOutcomeSchema,
  duration_ms: z.number().min(0),
  attempts: z.number().int().min(0),
  error: z.string().max(2000).nullable(),
});
export type EnqueueCallRecord = z.infer<typeof enqueueCallRecordSchema>;

export const enqueueCallRecorded = defineMessage('calllog.enqueue.recorded.v1', 'calllogs', enqueueCallRecordSchema);

/** Filters of the enqueue log (also the query parameters of GET /v1/logs/enqueue). */
export const enqueueLogFilterSchema = z.object({
  task_id: z.string().max(64).optional(),
  run_id: uuidSchema.optional(),
  outcome: enqueueOutcomeSchema.optional(),
  caller: z.string().max(255).optional(),
  since: isoDateSchema.optional(),
  until: isoDateSchema.optional(),
});
export type EnqueueLogFilter = z.infer<typeof enqueueLogFilterSchema>;

export const enqueueLogList = defineRpc(
  'registry.calllog.enqueue.list.v1',
  z.object({ caller: callerSchema, page: pageRequestSchema, filter: enqueueLogFilterSchema.default({}) }),
  pageOf(enqueueCallRecordSchema),
);
