import { z } from 'zod';
import { Get } from '@nestjs/common';
import {
  Caller,
  CIRCUIT_STATES,
  circuitList,
  endpoints,
  entityRefSchema,
  isoDateSchema,
  listSortSchema,
  machineCallHealthSchema,
  machineHealthGet,
  machines,
  queryNumber,
  tasks,
  worstCircuit,
} from '@cleargate/contracts';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { Input } from '../http/input';
import { Doc } from '../openapi/doc.decorator';
import { CrudController } from './crud.controller';

const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

const sortQuery = listSortSchema.optional().describe('Order: a field, descending with a leading `-` (default `-created_at`)');
const healthQuery = z.object({
  ids: z
    .string()
    .max(100 * 70)
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(entityRefSchema).min(1).max(100))
    .describe('Comma-separated machine ids (uuid or public machine_id), at most 100'),
  window_minutes: queryNumber().int().min(1).max(1440).default(15).describe('Period of the call counts'),
});
const machineHealthItem = machineCallHealthSchema.extend({
  circuit: z
    .enum([...CIRCUIT_STATES, 'unknown'])
    .describe('The circuit breaker: open if any router replica has it open, half_open if any is trying; unknown when no router answered'),
  circuit_since: isoDateSchema.nullable().describe('When that circuit last changed state'),
});

export class MachinesController extends CrudController({
  path: 'v1/machines',
  tag: 'machines',
  contracts: machines,
  query: z.object({
    name: z.string().max(100).optional().describe('Part of the name, any case'),
    enabled: boolQuery.optional(),
    sort: sortQuery,
  }),
  summaries: {
    create: 'Register a serving machine (administrators may give its machine_id, e.g. a ClearML Utils hash)',
    list: 'List serving machines (your own; all for administrators)',
    get: 'Get a serving machine by id or public machine_id',
    update: 'Change a serving machine',
    delete: 'Delete a serving machine without endpoints',
  },
  conflicts: { create: [403, 409], update: [409], delete: [409] },
}) {
  @Get('health')
  @Auth({ level: 'registrar' })
  @Doc({
    summary: 'Health of serving machines: recent calls and errors, the last failed call, the circuit breaker',
    description:
      'Your own machines (any for administrators); others are left out. Calls and errors come from the call log, ' +
      'the circuit from every router replica.',
    tags: ['machines'],
    query: healthQuery,
    responses: { 200: z.object({ items: z.array(machineHealthItem) }) },
    auth: true,
  })
  async health(
    @Input('query') { ids, window_minutes }: z.output<typeof healthQuery>,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
  ) {
    const { items } = await this.rpc.request(machineHealthGet, { caller, machine_ids: ids, window_minutes }, { correlationId: rid });
    if (!items.length) return { items: [] };
    // Each replica keeps its own breakers; without any router the circuit is unknown, the rest still useful.
    const views = await this.rpc
      .gather(circuitList, { machine_ids: items.map((i) => i.machine_id) }, { correlationId: rid, maxWaitMs: 1000, stallMs: 50 })
      .catch(() => null);
    return {
      items: items.map((item) => {
        const seen = (views ?? []).flatMap((v) => v.circuits.filter((c) => c.machine_id === item.machine_id));
        const state = worstCircuit(seen.map((c) => c.state));
        const since = seen
          .filter((c) => c.state === state && c.since)
          .map((c) => c.since!)
          .sort()
          .pop();
        return { ...item, circuit: views ? state : ('unknown' as const), circuit_since: since ?? null };
      }),
    };
  }
}

export class EndpointsController extends CrudController({
  path: 'v1/endpoints',
  tag: 'endpoints',
  contracts: endpoints,
  query: z.object({
    machine_id: entityRefSchema.optional(),
    name: z.string().max(128).optional().describe('Part of the name, any case'),
    sort: sortQuery,
  }),
  summaries: {
    create: 'Register an on-demand endpoint on a machine',
    list: 'List on-demand endpoints (your own; all for administrators)',
    get: 'Get an endpoint',
    update: 'Change an endpoint',
    delete: 'Delete an endpoint',
  },
  conflicts: { create: [404, 409], update: [409] },
}) {}

export class TasksController extends CrudController({
  path: 'v1/tasks',
  tag: 'tasks',
  contracts: tasks,
  query: z.object({ name: z.string().max(200).optional().describe('Part of the name, any case'), sort: sortQuery }),
  summaries: {
    create: 'Register a ClearML task as runnable (administrators may give its task_id, e.g. a ClearML Utils hash)',
    list: 'List runnable tasks (your own; all for administrators)',
    get: 'Get a runnable task by id or public task_id',
    update: 'Change a runnable task',
    delete: 'Delete a runnable task without runs',
  },
  conflicts: { create: [403, 409], delete: [409] },
}) {}
