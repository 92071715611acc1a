import { z } from 'zod';
import { callerSchema, callRouteSchema, isoDateSchema, pageOf, pageRequestSchema, publicIdSchema, uuidSchema } from '../common';
import { defineBroadcast, defineMessage, defineRpc } from '../contract';
import { errorCodeSchema } from '../errors';
import { clearmlIdSchema, paramsSectionSchema, queueNameSchema } from '../registry/tasks';

/**
 * A run's life: accepted (stored and waiting in the work queue) → retrying (ClearML could not
 * be reached yet; `error` says why) → queued (cloned and enqueued in ClearML) → in_progress →
 * completed | failed | stopped. A permanent error (unknown task, unknown queue, parameters
 * ClearML refuses) goes straight to failed with `error_code`.
 */
export const RUN_STATUSES = ['accepted', 'retrying', 'queued', 'in_progress', 'completed', 'failed', 'stopped'] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof runStatusSchema>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'stopped'];

/** Order in which a run moves; an event never moves a run backwards. */
export function runStatusRank(status: RunStatus): number {
  return { accepted: 0, retrying: 1, queued: 2, in_progress: 3, completed: 4, failed: 4, stopped: 4 }[status];
}

/** Parameters as the caller sent them: a JSON object (flattened into ClearML hyperparameters). */
export const runParamsSchema = z.record(z.string().min(1).max(200), z.unknown());

export const runSchema = z.object({
  run_id: uuidSchema,
  task_id: publicIdSchema,
  template_name: z.string().nullable(),
  /** The caller's user name, for people to read. */
  caller: z.string(),
  /** The caller's subject (token `sub`): whose run it is. Null for runs stored before subjects were kept. */
  caller_subject: z.string().nullable().optional(),
  params: runParamsSchema,
  queue: z.string(),
  status: runStatusSchema,
  clearml_task_id: z.string().nullable(),
  error: z.string().nullable(),
  error_code: errorCodeSchema.nullable(),
  attempts: z.number().int(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
  queued_at: isoDateSchema.nullable(),
  started_at: isoDateSchema.nullable(),
  finished_at: isoDateSchema.nullable(),
  /** The ClearML worker (agent) that ran it, once ClearML says. */
  worker: z.string().nullable(),
  /** GPU time of the run: its running time × the GPUs its worker reported, when ClearML reports GPUs. */
  gpu_seconds: z.number().nullable(),
});
export type Run = z.infer<typeof runSchema>;

export const runCreate = defineRpc(
  'registry.run.create.v1',
  z.object({
    caller: callerSchema,
    task_id: publicIdSchema,
    queue: queueNameSchema.nullish(),
    params: runParamsSchema.default({}),
    route: callRouteSchema,
  }),
  runSchema,
);

export const runGet = defineRpc(
  'registry.run.get.v1',
  z.object({
    caller: callerSchema,
    run_id: uuidSchema,
    /** Long-poll: answer as soon as the status is not one of these, or after wait_ms. */
    wait_ms: z.number().int().min(0).max(120_000).default(0),
    until_not: z.array(runStatusSchema).optional(),
  }),
  runSchema,
);

/** Filters of the run list (also the query parameters of GET /v1/runs). */
export const runListFilterSchema = z.object({
  status: runStatusSchema.optional(),
  task_id: publicIdSchema.optional(),
  caller: z.string().max(255).optional(),
});
export type RunListFilter = z.infer<typeof runListFilterSchema>;

export const runList = defineRpc(
  'registry.run.list.v1',
  z.object({ caller: callerSchema, page: pageRequestSchema, filter: runListFilterSchema.default({}) }),
  pageOf(runSchema),
);

/** What the enqueue worker needs to start a run; the message id is the run id. */
export const runRequested = defineMessage(
  'enqueue.run.requested.v1',
  'enqueue',
  z.object({
    run_id: uuidSchema,
    task_id: publicIdSchema,
    clearml_task_id: clearmlIdSchema,
    /** Clone name prefix; null → the ClearML task's name. */
    template_name: z.string().nullable(),
    params_section: paramsSectionSchema,
    queue: queueNameSchema,
    params: runParamsSchema,
    caller: z.string(),
    /** The caller's subject, for the enqueue log; absent in requests published before it was sent. */
    caller_subject: z.string().nullable().optional(),
    /** The route the run was requested on, for the enqueue log; absent in requests published before it was sent. */
    route: callRouteSchema.nullable().default(null),
    requested_at: isoDateSchema,
  }),
);

/** Published by the enqueue worker and the monitor; the registry keeps runs in step with it. */
export const runStatusChanged = defineMessage(
  'runs.run.status-changed.v1',
  'events',
  z.object({
    run_id: uuidSchema,
    status: runStatusSchema,
    clearml_task_id: z.string().nullable().optional(),
    queue: z.string().optional(),
    error: z.string().max(2000).nullable().optional(),
    error_code: errorCodeSchema.nullable().optional(),
    attempts: z.number().int().min(0).optional(),
    /** When the status changed, by the clock of whoever saw it (ClearML's for the monitor). */
    at: isoDateSchema,
    source: z.enum(['enqueue-worker', 'monitor', 'registry']),
    /** The ClearML worker the task ran on (`last_worker`), when known. */
    worker: z.string().max(255).nullable().optional(),
    /** GPU time of a finished run, from the worker's machine statistics in ClearML. */
    gpu_seconds: z.number().min(0).nullable().optional(),
  }),
);

/**
 * Stop a run in ClearML (its user was suspended with `stop_runs`): the enqueue worker finds the
 * run's clone by its tag and stops it (dequeues it when still queued). Message id: `stop:<run id>`.
 */
export const runStopRequested = defineMessage(
  'enqueue.run.stop-requested.v1',
  'enqueue',
  z.object({
    run_id: uuidSchema,
    caller: z.string(),
    reason: z.string().max(1000),
    requested_at: isoDateSchema,
  }),
);

/**
 * Sent by the registry replica that applied a status change, with the run as it now is: every
 * replica's long-polls waiting on that run answer from it without reading the database.
 */
export const runStatusApplied = defineBroadcast('runs.run.status-applied.v1', runSchema);
