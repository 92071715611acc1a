import { z } from 'zod';
import { entityRefSchema, isoDateSchema, listSortSchema, publicIdSchema, sharedWithSchema, uuidSchema, visibilitySchema } from '../common';
import { defineMessage } from '../contract';
import { defineCrud } from './crud';
import { maxInFlightSchema } from './machines';

/** clearml-serving endpoint names may carry a version (`mnist/2`). */
export const endpointNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'letters, digits, _ . - and / between segments');

/** An upstream path relative to the machine's base URL, overriding the protocol's default. */
export const upstreamPathSchema = z
  .string()
  .max(500)
  .regex(/^\/[A-Za-z0-9_.~\-/{}%]*$/, 'an absolute path such as /serve/mnist');

export const TIMEOUT_MS_DEFAULT = 30_000;

/** Counting predicted values from the model's answer (e.g. MNIST's `digit`). */
export const predictionCountingSchema = z
  .object({
    /** Dotted path into the JSON answer, e.g. `digit` or `outputs.0.data.0`. */
    json_path: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/),
    /** Distinct values kept as label values; the rest are counted as `other`. */
    max_values: z.number().int().min(1).max(100).default(20),
  })
  .strict();

/** The longest an endpoint may wait for its model (timeout_ms); the gateway's and router's stop grace exceeds it. */
export const ENDPOINT_TIMEOUT_MAX_MS = 600_000;

export const endpointInputSchema = z
  .object({
    machine_id: entityRefSchema,
    name: endpointNameSchema,
    path: upstreamPathSchema.nullish(),
    timeout_ms: z.number().int().min(100).max(ENDPOINT_TIMEOUT_MAX_MS).optional(),
    visibility: visibilitySchema.optional(),
    shared_with: sharedWithSchema.optional(),
    count_predictions: predictionCountingSchema.nullish(),
    /** Most calls in flight to this endpoint at once (each router replica); null: only the machine's cap. */
    max_in_flight: maxInFlightSchema.nullish(),
    enabled: z.boolean().optional(),
  })
  .strict();
export const endpointPatchSchema = endpointInputSchema.omit({ machine_id: true }).partial().strict();

export const endpointSchema = z.object({
  id: uuidSchema,
  machine_id: publicIdSchema,
  machine_name: z.string(),
  name: z.string(),
  path: z.string().nullable(),
  timeout_ms: z.number().int(),
  visibility: visibilitySchema,
  shared_with: sharedWithSchema,
  count_predictions: predictionCountingSchema.nullable(),
  max_in_flight: z.number().int().nullable(),
  enabled: z.boolean(),
  owner: z.string(),
  owner_subject: z.string().nullable(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
});
export type Endpoint = z.infer<typeof endpointSchema>;

export const endpoints = defineCrud('endpoint', {
  entity: endpointSchema,
  input: endpointInputSchema,
  patch: endpointPatchSchema,
  ref: uuidSchema,
  filter: z.object({ machine_id: entityRefSchema.optional(), name: z.string().max(128).optional(), sort: listSortSchema.optional() }),
});

/** Routing facts about an endpoint, keyed by machine public id + endpoint name. */
export const routingEndpointSchema = z.object({
  id: uuidSchema,
  machine_id: publicIdSchema,
  name: z.string(),
  path: z.string().nullable(),
  timeout_ms: z.number().int(),
  enabled: z.boolean(),
  owner: z.string(),
  /** Optional on the wire: a registry of an earlier release sends none. */
  owner_subject: z.string().nullable().optional(),
  visibility: visibilitySchema,
  shared_with: sharedWithSchema,
  count_predictions: predictionCountingSchema.nullable(),
  /** When it was registered (the `created` of an OpenAI model); absent from older registries. */
  created_at: isoDateSchema.optional(),
  max_in_flight: z.number().int().nullable().default(null),
});
export type RoutingEndpoint = z.infer<typeof routingEndpointSchema>;

export const endpointChanged = defineMessage(
  'registry.endpoint.changed.v1',
  'events',
  z.object({
    change: z.enum(['created', 'updated', 'deleted']),
    id: uuidSchema,
    machine_id: publicIdSchema,
    name: z.string(),
    endpoint: routingEndpointSchema.optional(),
    at: isoDateSchema,
  }),
);
