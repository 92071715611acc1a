import { z } from 'zod';
import { callerSchema, isoDateSchema, pageOf, pageRequestSchema, uuidSchema } from './common';
import { defineMessage, defineRpc } from './contract';

export const ondemandOutcomeSchema = z.enum([
  'ok',
  'client_error',
  'upstream_error',
  'timeout',
  'unavailable',
  'circuit_open',
  'not_found',
  'forbidden',
]);
export type OndemandOutcome = z.infer<typeof ondemandOutcomeSchema>;

/** Bytes of the model's answer kept in the call log, when excerpts are enabled. */
export const RESPONSE_EXCERPT_MAX = 2048;

export const ondemandCallRecordSchema = z.object({
  id: uuidSchema,
  at: isoDateSchema,
  correlation_id: z.string().max(128),
  caller: z.string().max(255),
  machine_id: z.string().max(64),
  machine_name: z.string().max(100).nullable(),
  endpoint: z.string().max(128),
  route: z.enum(['compat', 'v1']),
  status_code: z.number().int().min(100).max(599),
  outcome: ondemandOutcomeSchema,
  duration_ms: z.number().min(0),
  upstream_ms: z.number().min(0).nullable(),
  request_bytes: z.number().int().min(0),
  response_bytes: z.number().int().min(0),
  error: z.string().max(1000).nullable(),
  response_excerpt: z.string().max(RESPONSE_EXCERPT_MAX).nullable(),
});
export type OndemandCallRecord = z.infer<typeof ondemandCallRecordSchema>;

/** Records travel in batches: the router flushes every few milliseconds, the registry inserts per batch. */
export const ondemandCallsRecorded = defineMessage(
  'calllog.ondemand.recorded.v1',
  'events',
  z.object({ batch_id: uuidSchema, records: z.array(ondemandCallRecordSchema).min(1).max(1000) }),
);

/** Filters of the on-demand log (also the query parameters of GET /v1/logs/ondemand). */
export const ondemandLogFilterSchema = z.object({
  machine_id: z.string().max(64).optional(),
  endpoint: z.string().max(128).optional(),
  outcome: ondemandOutcomeSchema.optional(),
  caller: z.string().max(255).optional(),
  since: isoDateSchema.optional(),
  until: isoDateSchema.optional(),
});

export const ondemandLogList = defineRpc(
  'registry.calllog.ondemand.list.v1',
  z.object({ caller: callerSchema, page: pageRequestSchema, filter: ondemandLogFilterSchema.default({}) }),
  pageOf(ondemandCallRecordSchema),
);

export const statsGet = defineRpc(
  'registry.stats.get.v1',
  z.object({
    caller: callerSchema,
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(24),
  }),
  z.object({
    counts: z.object({ machines: z.number().int(), endpoints: z.number().int(), tasks: z.number().int() }),
    series: z.object({
      ondemand: z.array(z.object({ at: isoDateSchema, calls: z.number().int(), errors: z.number().int() })),
      enqueue: z.array(z.object({ at: isoDateSchema, calls: z.number().int(), errors: z.number().int() })),
    }),
  }),
);

export const enqueueOutcomeSchema = z.enum(['queued', 'failed', 'rejected']);
export type EnqueueOutcome = z.infer<typeof enqueueOutcomeSchema>;

/** One record per run outcome (queued in ClearML, failed) or per refused request. */
export const enqueueCallRecordSchema = z.object({
  id: uuidSchema,
  at: isoDateSchema,
  correlation_id: z.string().max(128),
  caller: z.string().max(255),
  task_id: z.string().max(64),
  template_name: z.string().max(200).nullable(),
  run_id: uuidSchema.nullable(),
  clearml_task_id: z.string().max(64).nullable(),
  queue: z.string().max(200).nullable(),
  route: z.enum(['compat', 'v1']).nullable(),
  outcome: enqueueOutcomeSchema,
  duration_ms: z.number().min(0),
  attempts: z.number().int().min(0),
  error: z.string().max(2000).nullable(),
});
export type EnqueueCallRecord = z.infer<typeof enqueueCallRecordSchema>;

export const enqueueCallRecorded = defineMessage('calllog.enqueue.recorded.v1', 'events', enqueueCallRecordSchema);

/** Filters of the enqueue log (also the query parameters of GET /v1/logs/enqueue). */
export const enqueueLogFilterSchema = z.object({
  task_id: z.string().max(64).optional(),
  run_id: uuidSchema.optional(),
  outcome: enqueueOutcomeSchema.optional(),
  caller: z.string().max(255).optional(),
  since: isoDateSchema.optional(),
  until: isoDateSchema.optional(),
});

export const enqueueLogList = defineRpc(
  'registry.calllog.enqueue.list.v1',
  z.object({ caller: callerSchema, page: pageRequestSchema, filter: enqueueLogFilterSchema.default({}) }),
  pageOf(enqueueCallRecordSchema),
);
