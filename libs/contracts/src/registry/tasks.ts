import { z } from 'zod';
import {
  entityRefSchema,
  givenPublicIdSchema,
  isoDateSchema,
  listSortSchema,
  publicIdSchema,
  sharedWithSchema,
  uuidSchema,
  visibilitySchema,
} from '../common';
import { defineCrud } from './crud';

/** ClearML ids are 32 hex characters; accept what the server accepts (letters, digits, - _). */
export const clearmlIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a ClearML id');
export const queueNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+(\s[^\s]+)*$/, 'a queue name');
/** Hyperparameter section names as ClearML shows them (General, Args, ...). */
export const paramsSectionSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_. -]+$/);

/** A JSON Schema object; compiled by the registry when the template is saved. */
export const jsonSchemaObject = z.record(z.string(), z.unknown());

export const taskTemplateInputSchema = z
  .object({
    /** A legacy public id to keep instead of a minted one: administrators only. */
    task_id: givenPublicIdSchema
      .optional()
      .describe(
        'The public id to give the task instead of a minted one, e.g. the hash ClearML Utils handed out (64 hex). ' +
          'Administrators only; unique across machines and tasks.',
      ),
    clearml_task_id: clearmlIdSchema,
    default_queue: queueNameSchema,
    /**
     * Other queues a caller may choose for a run (besides default_queue); empty: only the
     * default. A run asking for any other queue is refused with 403 before it reaches ClearML.
     */
    allowed_queues: z
      .array(queueNameSchema)
      .max(50)
      .refine((q) => new Set(q).size === q.length, { message: 'queues must not repeat' })
      .optional(),
    /** Clone name prefix; the ClearML task's own name when absent. */
    name: z.string().trim().min(1).max(200).nullish(),
    params_schema: jsonSchemaObject.nullish(),
    /** Hyperparameter section the caller's params are written into. */
    params_section: paramsSectionSchema.optional(),
    visibility: visibilitySchema.optional(),
    shared_with: sharedWithSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export const taskTemplatePatchSchema = taskTemplateInputSchema.omit({ task_id: true }).partial().strict();

export const taskTemplateSchema = z.object({
  id: uuidSchema,
  task_id: publicIdSchema,
  clearml_task_id: z.string(),
  default_queue: z.string(),
  allowed_queues: z.array(z.string()),
  name: z.string().nullable(),
  params_schema: jsonSchemaObject.nullable(),
  params_section: z.string(),
  visibility: visibilitySchema,
  shared_with: sharedWithSchema,
  enabled: z.boolean(),
  owner: z.string(),
  owner_subject: z.string().nullable(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
});
export type TaskTemplate = z.infer<typeof taskTemplateSchema>;

export const tasks = defineCrud('task', {
  entity: taskTemplateSchema,
  input: taskTemplateInputSchema,
  patch: taskTemplatePatchSchema,
  ref: entityRefSchema,
  filter: z.object({ name: z.string().max(200).optional(), sort: listSortSchema.optional() }),
});

/** Whether a run of `template` may be put on `queue` (its default queue, or one it lists). */
export function queueAllowed(template: { default_queue: string; allowed_queues: readonly string[] }, queue: string): boolean {
  return queue === template.default_queue || template.allowed_queues.includes(queue);
}
