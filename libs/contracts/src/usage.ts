import { z } from 'zod';
import { columnsSchema, fromColumns, toColumns } from './columns';
import { callerSchema, isoDateSchema } from './common';
import { defineRpc } from './contract';

/**
 * Upper bounds (ms, inclusive) of the duration buckets each usage rollup row counts calls in; the
 * last bucket takes everything slower. A p95 cannot be summed across rows, bucket counts can:
 * the p95 of any selection is estimated from the summed counts (linear inside the bucket it
 * falls in, as Prometheus' histogram_quantile does). Changing these bounds needs a migration of
 * the rollup tables (apps/registry: the rollup triggers are generated from this list).
 */
export const USAGE_LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000] as const;
/** Rollup rows hold one count per bound plus one for slower calls. */
export const USAGE_LATENCY_BUCKET_COUNT = USAGE_LATENCY_BUCKETS_MS.length + 1;

/**
 * The q-quantile (0..1) of durations counted in `counts` (one per bucket of
 * USAGE_LATENCY_BUCKETS_MS, then the overflow), interpolated inside its bucket; `max` caps the
 * answer when it falls in the overflow bucket. Null without calls.
 */
export function quantileFromBuckets(counts: readonly number[], q: number, max?: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : USAGE_LATENCY_BUCKETS_MS[i - 1]!;
      const upper = i < USAGE_LATENCY_BUCKETS_MS.length ? USAGE_LATENCY_BUCKETS_MS[i]! : (max ?? lower);
      return lower + (upper - lower) * Math.min(1, Math.max(0, (rank - seen) / n));
    }
    seen += n;
  }
  return max ?? USAGE_LATENCY_BUCKETS_MS[USAGE_LATENCY_BUCKETS_MS.length - 1]!;
}

/** The bounds of the bucket a duration falls in: [lower, upper]; upper is Infinity for the overflow. */
export function latencyBucketOf(durationMs: number): { index: number; lower: number; upper: number } {
  const index = USAGE_LATENCY_BUCKETS_MS.findIndex((b) => durationMs <= b);
  const i = index === -1 ? USAGE_LATENCY_BUCKETS_MS.length : index;
  return { index: i, lower: i === 0 ? 0 : USAGE_LATENCY_BUCKETS_MS[i - 1]!, upper: USAGE_LATENCY_BUCKETS_MS[i] ?? Infinity };
}

export const usageBucketSchema = z.enum(['day', 'month']);
export const usageGroupSchema = z.enum(['none', 'user', 'endpoint', 'task', 'queue']);
export type UsageGroup = z.infer<typeof usageGroupSchema>;

/** Longest range one usage query covers. */
export const USAGE_RANGE_MAX_DAYS = 400;

export const usageQuerySchema = z.object({
  /** Start of the range (inclusive), truncated to its UTC day; default: 30 days before `to`. */
  from: isoDateSchema.optional(),
  /** End of the range (exclusive); default: now. */
  to: isoDateSchema.optional(),
  bucket: usageBucketSchema.default('day'),
  /** `endpoint` groups on-demand calls only, `task` and `queue` runs only. */
  group_by: usageGroupSchema.default('none'),
  /** One caller's usage (administrators; everyone else always gets their own). */
  user: z.string().min(1).max(255).optional(),
});

/*
 * Rows are many (a month of days × every caller): their schemas keep to plain strings and
 * numbers, which are checked several times faster than dates and integers (both ends of the
 * RPC validate every row), and say the rest in their descriptions.
 */
const bucketStart = z.string().describe('Start of the day or month, UTC (ISO 8601, e.g. 2026-11-01T00:00:00.000Z)');
const count = (what: string) => z.number().describe(`${what} (a whole number)`);

export const ondemandUsageRowSchema = z.object({
  bucket: bucketStart,
  user: z.string().optional(),
  machine_id: z.string().optional().describe('Public id of the serving machine (64 hex characters)'),
  endpoint: z.string().optional(),
  calls: count('On-demand calls'),
  errors: count("Calls not answered with the model's own 2xx (errors of the machine, the route, refusals)"),
  duration_ms_total: z.number(),
  /** Estimated from fixed duration buckets: exact to the bucket (USAGE_LATENCY_BUCKETS_MS). */
  duration_ms_p95: z.number().nullable().describe('Estimated from fixed duration buckets: exact to the bucket'),
  request_bytes: count('Bytes of model input'),
  response_bytes: count('Bytes of model answers'),
  prompt_tokens: count('Prompt tokens LLM endpoints reported (0 for other models)'),
  completion_tokens: count('Completion tokens LLM endpoints reported (0 for other models)'),
});
export type OndemandUsageRow = z.infer<typeof ondemandUsageRowSchema>;

export const runUsageRowSchema = z.object({
  bucket: bucketStart,
  user: z.string().optional(),
  task_id: z.string().optional().describe('Public id of the task (64 hex characters)'),
  queue: z.string().optional(),
  /** Runs requested (and accepted) in the bucket; a run counts in the bucket of the day it was requested. */
  runs: count('Runs requested in the bucket (a run counts on the day it was requested)'),
  completed: count('Of those, completed'),
  failed: count('failed'),
  stopped: count('stopped'),
  /** queued → started, summed over the runs that started. */
  wait_seconds: z.number(),
  /** started → finished, summed over the runs that finished. */
  run_seconds: z.number(),
  gpu_seconds: z.number(),
});
export type RunUsageRow = z.infer<typeof runUsageRowSchema>;

/** A caller's LLM tokens (prompt and completion) of the current UTC day, from the usage rollups: the gateway's token quota. */
export const usageTokensToday = defineRpc(
  'registry.usage.tokens-today.v1',
  z.object({ username: z.string().min(1).max(255) }),
  z.object({ day: z.string(), tokens: z.number() }),
);

export const usageGet = defineRpc(
  'registry.usage.get.v1',
  z.object({
    caller: callerSchema,
    from: isoDateSchema,
    to: isoDateSchema,
    bucket: usageBucketSchema,
    group_by: usageGroupSchema,
    user: z.string().min(1).max(255).optional(),
  }),
  z.object({
    from: isoDateSchema,
    to: isoDateSchema,
    bucket: usageBucketSchema,
    group_by: usageGroupSchema,
    /** As columns: a month of days by every caller is thousands of rows (see columns.ts). Null when the grouping does not apply to calls. */
    ondemand: columnsSchema(ondemandUsageRowSchema).nullable(),
    /** Null when the grouping does not apply to runs (endpoint). */
    runs: columnsSchema(runUsageRowSchema).nullable(),
  }),
);

/** Usage as GET /v1/usage answers it: rows. */
export const usageSchema = z.object({
  from: isoDateSchema,
  to: isoDateSchema,
  bucket: usageBucketSchema,
  group_by: usageGroupSchema,
  /** Null when the grouping does not apply to calls (task, queue). */
  ondemand: z.array(ondemandUsageRowSchema).nullable(),
  /** Null when the grouping does not apply to runs (endpoint). */
  runs: z.array(runUsageRowSchema).nullable(),
});
export type Usage = z.infer<typeof usageSchema>;

const ONDEMAND_USAGE_FIELDS = Object.keys(ondemandUsageRowSchema.shape) as (keyof OndemandUsageRow)[];
const RUN_USAGE_FIELDS = Object.keys(runUsageRowSchema.shape) as (keyof RunUsageRow)[];

/** Usage rows as the registry sends them: columns. */
export function usageToColumns(usage: Usage): z.output<typeof usageGet.response> {
  return {
    ...usage,
    ondemand: usage.ondemand && toColumns(usage.ondemand, ONDEMAND_USAGE_FIELDS),
    runs: usage.runs && toColumns(usage.runs, RUN_USAGE_FIELDS),
  };
}

/** The registry's answer as the API gives it: rows again. */
export function usageFromColumns(answer: z.output<typeof usageGet.response>): Usage {
  return {
    ...answer,
    ondemand: answer.ondemand && fromColumns<OndemandUsageRow>(answer.ondemand),
    runs: answer.runs && fromColumns<RunUsageRow>(answer.runs),
  };
}

const csvCell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet: quoted and prefixed.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Usage as CSV (RFC 4180): one line per row, calls first, then runs, with a `kind` column. */
export function usageCsv(usage: Usage): string {
  const columns = [
    'kind',
    'bucket',
    'user',
    'machine_id',
    'endpoint',
    'task_id',
    'queue',
    'calls',
    'errors',
    'duration_ms_total',
    'duration_ms_p95',
    'request_bytes',
    'response_bytes',
    'prompt_tokens',
    'completion_tokens',
    'runs',
    'completed',
    'failed',
    'stopped',
    'wait_seconds',
    'run_seconds',
    'gpu_seconds',
  ];
  const lines = [columns.join(',')];
  for (const row of usage.ondemand ?? [])
    lines.push(columns.map((c) => csvCell(c === 'kind' ? 'ondemand' : (row as Record<string, unknown>)[c])).join(','));
  for (const row of usage.runs ?? [])
    lines.push(columns.map((c) => csvCell(c === 'kind' ? 'runs' : (row as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
