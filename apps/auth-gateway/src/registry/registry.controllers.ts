import { z } from 'zod';
import { endpoints, entityRefSchema, machines, tasks } from '@cleargate/contracts';
import { CrudController } from './crud.controller';

const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export class MachinesController extends CrudController({
  path: 'v1/machines',
  tag: 'machines',
  contracts: machines,
  query: z.object({ name: z.string().max(100).optional(), enabled: boolQuery.optional() }),
  summaries: {
    create: 'Register a serving machine (administrators may give its machine_id, e.g. a ClearML Utils hash)',
    list: 'List serving machines (your own; all for administrators)',
    get: 'Get a serving machine by id or public machine_id',
    update: 'Change a serving machine',
    delete: 'Delete a serving machine without endpoints',
  },
  conflicts: { create: [403, 409], update: [409], delete: [409] },
}) {}

export class EndpointsController extends CrudController({
  path: 'v1/endpoints',
  tag: 'endpoints',
  contracts: endpoints,
  query: z.object({ machine_id: entityRefSchema.optional(), name: z.string().max(128).optional() }),
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
  query: z.object({ name: z.string().max(200).optional() }),
  summaries: {
    create: 'Register a ClearML task as runnable (administrators may give its task_id, e.g. a ClearML Utils hash)',
    list: 'List runnable tasks (your own; all for administrators)',
    get: 'Get a runnable task by id or public task_id',
    update: 'Change a runnable task',
    delete: 'Delete a runnable task without runs',
  },
  conflicts: { create: [403, 409], delete: [409] },
}) {}
