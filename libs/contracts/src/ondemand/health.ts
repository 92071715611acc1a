import { z } from 'zod';
import { ondemandOutcomeSchema } from '../calllogs';
import { callerSchema, entityRefSchema, isoDateSchema, publicIdSchema } from '../common';
import { defineRpc } from '../contract';

/**
 * A serving machine's health, from what two services already know: the registry's call log (how
 * its recent calls went, the last one that failed) and each router's circuit breaker.
 */

/** Recent calls of a machine, from the on-demand call log. */
export const machineCallHealthSchema = z.object({
  machine_id: publicIdSchema,
  window_minutes: z.number().int(),
  calls: z.number().int(),
  errors: z.number().int(),
  /** errors / calls over the window; null without calls. */
  error_rate: z.number().min(0).max(1).nullable(),
  /** The latest failed call of the last 24 hours, whatever the window. */
  last_error: z
    .object({
      at: isoDateSchema,
      endpoint: z.string(),
      outcome: ondemandOutcomeSchema,
      status_code: z.number().int(),
      error: z.string().nullable(),
    })
    .nullable(),
});
export type MachineCallHealth = z.infer<typeof machineCallHealthSchema>;

/** Machines the caller may read (their own; any for administrators); others are left out. */
export const machineHealthGet = defineRpc(
  'registry.machine.health.v1',
  z.object({
    caller: callerSchema,
    machine_ids: z.array(entityRefSchema).min(1).max(100),
    window_minutes: z.number().int().min(1).max(1440).default(15),
  }),
  z.object({ items: z.array(machineCallHealthSchema) }),
);

export const CIRCUIT_STATES = ['closed', 'half_open', 'open'] as const;
export const circuitStateSchema = z.enum(CIRCUIT_STATES);
export type CircuitState = z.infer<typeof circuitStateSchema>;

/**
 * The circuit of each machine in one router replica. Every replica answers (fan-out): each keeps
 * its own breakers. A machine the replica never called has no circuit and is left out.
 */
export const circuitList = defineRpc(
  'ondemand.circuit.list.v1',
  z.object({ machine_ids: z.array(publicIdSchema).min(1).max(500) }),
  z.object({
    router: z.string(),
    circuits: z.array(z.object({ machine_id: publicIdSchema, state: circuitStateSchema, since: isoDateSchema.nullable() })),
  }),
  { fanOut: true },
);

/** Of several replicas' views of one circuit, the one that refuses most (open > half-open > closed). */
export function worstCircuit(states: CircuitState[]): CircuitState {
  return states.reduce<CircuitState>((worst, s) => (CIRCUIT_STATES.indexOf(s) > CIRCUIT_STATES.indexOf(worst) ? s : worst), 'closed');
}
