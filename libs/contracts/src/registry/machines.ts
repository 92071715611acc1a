import { z } from 'zod';
import { callerSchema, entityRefSchema, givenPublicIdSchema, isoDateSchema, listSortSchema, publicIdSchema, uuidSchema } from '../common';
import { defineMessage, defineRpc } from '../contract';
import { defineCrud } from './crud';

/**
 * How the router talks to a machine: clearml-serving's `/serve/{endpoint}`, KServe v2's
 * `/v2/models/{model}/infer`, or an OpenAI-compatible server (`openai`), whose `/v1/...` routes
 * hang from the base URL: `http://host:8000` for vLLM's own server, `http://host:8080/serve/openai`
 * for clearml-serving's vLLM engine. The base URL is what picks the flavour, per machine.
 */
export const servingProtocolSchema = z.enum(['clearml-serving', 'kserve-v2', 'openai']);
export type ServingProtocol = z.infer<typeof servingProtocolSchema>;

/** An http(s) URL without credentials, query or fragment; a trailing slash is dropped. */
export const httpBaseUrlSchema = z
  .string()
  .max(2000)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.search && !u.hash;
      } catch {
        return false;
      }
    },
    { message: 'expected an http(s) URL without credentials, query or fragment' },
  )
  .transform((v) => v.replace(/\/+$/, ''));

const httpUrlSchema = z
  .string()
  .max(2000)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: 'expected an http(s) URL without credentials' },
  );

/** A cap on on-demand calls in flight at once: over it, calls are refused with 429 instead of waiting. */
export const maxInFlightSchema = z.number().int().min(1).max(100_000);

/** Labels become Prometheus target labels, so they follow Prometheus's label rules. */
export const labelsSchema = z
  .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'label names: letters, digits, underscore'), z.string().max(200))
  .refine((l) => Object.keys(l).length <= 20, { message: 'at most 20 labels' });

export const machineNameSchema = z.string().trim().min(1).max(100);

export const machineInputSchema = z
  .object({
    /** A legacy public id to keep instead of a minted one: administrators only. */
    machine_id: givenPublicIdSchema
      .optional()
      .describe(
        'The public id to give the machine instead of a minted one, e.g. the hash ClearML Utils handed out (64 hex). ' +
          'Administrators only; unique across machines and tasks.',
      ),
    name: machineNameSchema,
    base_url: httpBaseUrlSchema,
    protocol: servingProtocolSchema,
    serving_task_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .nullish(),
    metrics_url: httpUrlSchema.nullish(),
    labels: labelsSchema.optional(),
    /** Most on-demand calls in flight to this machine at once (each router replica); null: the router's default. */
    max_in_flight: maxInFlightSchema.nullish(),
    enabled: z.boolean().optional(),
  })
  .strict();
export const machinePatchSchema = machineInputSchema.omit({ machine_id: true }).partial().strict();

export const machineSchema = z.object({
  id: uuidSchema,
  machine_id: publicIdSchema,
  name: z.string(),
  base_url: z.string(),
  protocol: servingProtocolSchema,
  serving_task_id: z.string().nullable(),
  metrics_url: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  max_in_flight: z.number().int().nullable(),
  enabled: z.boolean(),
  owner: z.string(),
  /** The owner's subject (token `sub`); null for a machine registered before subjects were kept, until its owner claims it. */
  owner_subject: z.string().nullable(),
  endpoint_count: z.number().int(),
  created_at: isoDateSchema,
  updated_at: isoDateSchema,
});
export type Machine = z.infer<typeof machineSchema>;

export const machines = defineCrud('machine', {
  entity: machineSchema,
  input: machineInputSchema,
  patch: machinePatchSchema,
  ref: entityRefSchema,
  filter: z.object({ name: z.string().max(100).optional(), enabled: z.boolean().optional(), sort: listSortSchema.optional() }),
});

/** Routing facts about a machine: what the router needs, nothing more. */
export const routingMachineSchema = z.object({
  id: uuidSchema,
  machine_id: publicIdSchema,
  name: z.string(),
  base_url: z.string(),
  protocol: servingProtocolSchema,
  enabled: z.boolean(),
  /** Null: the router's ROUTER_MACHINE_MAX_IN_FLIGHT. Absent in events of registries from before it existed. */
  max_in_flight: z.number().int().nullable().default(null),
});
export type RoutingMachine = z.infer<typeof routingMachineSchema>;

export const machineChanged = defineMessage(
  'registry.machine.changed.v1',
  'events',
  z.object({
    change: z.enum(['created', 'updated', 'deleted']),
    id: uuidSchema,
    machine_id: publicIdSchema,
    /** Present unless deleted. */
    machine: routingMachineSchema.optional(),
    at: isoDateSchema,
  }),
);

/** Machines that export metrics, for Prometheus service discovery (enabled machines with a metrics_url). */
export const machineTargets = defineRpc(
  'registry.machine.targets.v1',
  z.object({ caller: callerSchema }),
  z.array(
    z.object({
      machine_id: publicIdSchema,
      name: z.string(),
      protocol: servingProtocolSchema,
      metrics_url: z.string(),
      labels: z.record(z.string(), z.string()),
    }),
  ),
);
