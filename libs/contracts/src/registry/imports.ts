import { z } from 'zod';
import { callerSchema, publicIdSchema } from '../common';
import { defineRpc } from '../contract';
import { endpointNameSchema } from './endpoints';
import { httpBaseUrlSchema, machineNameSchema } from './machines';
import { clearmlIdSchema, queueNameSchema } from './tasks';

/** Where a row came from, so that every problem names the file and line to fix. */
export const importSourceSchema = z.object({ file: z.string().min(1).max(500), line: z.number().int().min(1) });
export type ImportSource = z.infer<typeof importSourceSchema>;

/** Rows per table in one import (each row is one parameterised insert; the batch is one transaction). */
export const IMPORT_ROWS_MAX = 10_000;

/** A serving machine of ClearML Utils: its address and serving task, under the hash callers hold. */
export const importMachineSchema = z.object({
  at: importSourceSchema,
  machine_id: publicIdSchema,
  serving_task_id: clearmlIdSchema,
  base_url: httpBaseUrlSchema,
  /** `serving-<serving_task_id>` when absent (ClearML Utils named no machine). */
  name: machineNameSchema.optional(),
});

/**
 * An on-demand endpoint of ClearML Utils. Its identity there was the pair (hash of the serving
 * task = the machine's `machine_id`, endpoint name), and it stays that pair here.
 */
export const importEndpointSchema = z.object({
  at: importSourceSchema,
  machine_id: publicIdSchema,
  name: endpointNameSchema,
  /** When given, must be the serving task of the machine `machine_id` names (a check on the export's join). */
  serving_task_id: clearmlIdSchema.optional(),
});

/** A task of ClearML Utils' enqueue service: the ClearML task and its default queue, under its hash. */
export const importTaskSchema = z.object({
  at: importSourceSchema,
  task_id: publicIdSchema,
  clearml_task_id: clearmlIdSchema,
  default_queue: queueNameSchema,
  name: z.string().trim().min(1).max(200).optional(),
});

const counts = z.object({ created: z.number().int(), unchanged: z.number().int() });

/** A row that cannot be imported, and why. */
export const importProblemSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  /** null when the problem is the file's (not readable, no table recognised). */
  table: z.enum(['machines', 'endpoints', 'tasks']).nullable(),
  reason: z.string(),
});
export type ImportProblem = z.infer<typeof importProblemSchema>;

/**
 * Imports ClearML Utils' machines, endpoints and tasks under the public ids their users already
 * hold (administrators only). Everything is checked before anything is written; any bad row
 * refuses the whole batch with `invalid_argument` and `details.rows` (one `ImportProblem` each);
 * otherwise every new row is written in one transaction. Rows whose id is already registered
 * (an earlier import) are left as they are, so a second run changes nothing.
 */
export const utilsImport = defineRpc(
  'registry.import.utils.v1',
  z.object({
    caller: callerSchema,
    /** Owner of the new rows; the caller when absent. */
    owner: z.string().trim().min(1).max(255).optional(),
    /** Check everything, write nothing. */
    dry_run: z.boolean().default(false),
    machines: z.array(importMachineSchema).max(IMPORT_ROWS_MAX).default([]),
    endpoints: z.array(importEndpointSchema).max(IMPORT_ROWS_MAX).default([]),
    tasks: z.array(importTaskSchema).max(IMPORT_ROWS_MAX).default([]),
  }),
  z.object({ dry_run: z.boolean(), owner: z.string(), machines: counts, endpoints: counts, tasks: counts }),
);
