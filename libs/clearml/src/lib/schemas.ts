import { z } from 'zod';
import type {
  ClearmlProject,
  ClearmlQueue,
  ClearmlTask,
  ClearmlTaskEx,
  ClearmlWorker,
  DebugPingResponse,
  EntityRef,
  EventsGetTaskLogResponse,
  ProjectsGetAllResponse,
  QueuesGetAllResponse,
  ServerInfoResponse,
  TaskLogEvent,
  TasksCloneResponse,
  TasksCreateResponse,
  TasksEditHyperParamsResponse,
  TasksEnqueueResponse,
  TasksGetAllExResponse,
  TasksGetAllResponse,
  TasksResetResponse,
  TaskUpdateResponse,
  WorkersGetAllResponse,
  WorkersGetStatsResponse,
} from './types';

/*
 * Minimal response validation: the fields the product reads are checked, unknown fields pass
 * through untouched (looseObject), so a newer server adding fields never breaks the client.
 */

const nullableString = z.string().nullish();
const nullableNumber = z.number().nullish();
const stringList = z.array(z.string()).optional();

/** The ClearML response envelope. */
export const envelopeSchema = z.looseObject({
  meta: z.looseObject({
    id: z.string().nullish(),
    result_code: z.number(),
    result_subcode: z.number().nullish(),
    result_msg: z.string().nullish(),
    error_data: z.unknown().optional(),
  }),
  data: z.unknown().optional(),
});

export const loginDataSchema = z.looseObject({ token: z.string().min(1) });

const entityRefSchema: z.ZodType<EntityRef> = z.looseObject({ id: z.string(), name: nullableString });

const taskParamSchema = z.looseObject({
  section: nullableString,
  name: nullableString,
  value: nullableString,
  type: nullableString,
  description: nullableString,
});

const taskFields = {
  id: z.string(),
  name: z.string().optional(),
  status: z.string().optional(),
  type: z.string().optional(),
  company: z.string().optional(),
  comment: nullableString,
  created: z.string().optional(),
  started: nullableString,
  completed: nullableString,
  status_changed: nullableString,
  status_reason: nullableString,
  status_message: nullableString,
  last_update: nullableString,
  last_change: nullableString,
  last_iteration: nullableNumber,
  active_duration: nullableNumber,
  last_worker: nullableString,
  tags: stringList,
  system_tags: stringList,
  hyperparams: z.record(z.string(), z.record(z.string(), taskParamSchema)).optional(),
  container: z.record(z.string(), z.string().nullable()).optional(),
};

export const taskSchema: z.ZodType<ClearmlTask> = z.looseObject({
  ...taskFields,
  user: z.string().optional(),
  project: z.string().optional(),
  parent: nullableString,
  execution: z.looseObject({ queue: nullableString }).optional(),
});

const refOrId = z.union([z.string(), entityRefSchema]).nullish();

export const taskExSchema: z.ZodType<ClearmlTaskEx> = z.looseObject({
  ...taskFields,
  user: refOrId,
  project: refOrId,
  parent: refOrId,
  execution: z.looseObject({ queue: refOrId }).optional(),
});

export const tasksGetByIdSchema = z.looseObject({ task: taskSchema });

export const tasksGetAllSchema: z.ZodType<TasksGetAllResponse> = z.looseObject({
  tasks: z.array(taskSchema),
  scroll_id: z.string().optional(),
});

export const tasksGetAllExSchema: z.ZodType<TasksGetAllExResponse> = z.looseObject({
  tasks: z.array(taskExSchema),
  scroll_id: z.string().optional(),
});

export const tasksCloneSchema: z.ZodType<TasksCloneResponse> = z.looseObject({
  id: z.string().min(1),
  new_project: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
});

export const tasksCreateSchema: z.ZodType<TasksCreateResponse> = z.looseObject({ id: z.string().min(1) });

const updateFields = {
  updated: z.number(),
  fields: z.record(z.string(), z.unknown()).optional(),
};

export const taskUpdateSchema: z.ZodType<TaskUpdateResponse> = z.looseObject(updateFields);

export const tasksEditHyperParamsSchema: z.ZodType<TasksEditHyperParamsResponse> = z.looseObject({
  updated: z.number(),
});

export const tasksEnqueueSchema: z.ZodType<TasksEnqueueResponse> = z.looseObject({
  ...updateFields,
  queued: z.number().optional(),
  queue_watched: z.boolean().optional(),
});

export const tasksResetSchema: z.ZodType<TasksResetResponse> = z.looseObject({
  ...updateFields,
  dequeued: z.record(z.string(), z.unknown()).optional(),
  deleted_models: z.number().optional(),
  urls: z.looseObject({ model_urls: stringList, event_urls: stringList, artifact_urls: stringList }).optional(),
});

const queueSchema: z.ZodType<ClearmlQueue> = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  display_name: z.string().optional(),
  user: z.string().optional(),
  company: z.string().optional(),
  created: z.string().optional(),
  tags: stringList,
  system_tags: stringList,
  entries: z.array(z.looseObject({ task: z.string(), added: z.string().optional() })).optional(),
});

export const queuesGetAllSchema: z.ZodType<QueuesGetAllResponse> = z.looseObject({
  queues: z.array(queueSchema),
  scroll_id: z.string().optional(),
});

export const queuesGetByIdSchema = z.looseObject({ queue: queueSchema });

const projectSchema: z.ZodType<ClearmlProject> = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  basename: z.string().optional(),
  description: z.string().optional(),
  user: z.string().optional(),
  company: z.string().optional(),
  created: z.string().optional(),
  tags: stringList,
  system_tags: stringList,
  default_output_destination: z.string().optional(),
  last_update: z.string().optional(),
});

export const projectsGetAllSchema: z.ZodType<ProjectsGetAllResponse> = z.looseObject({
  projects: z.array(projectSchema),
  scroll_id: z.string().optional(),
});

export const projectsGetByIdSchema = z.looseObject({ project: projectSchema });

const taskLogEventSchema: z.ZodType<TaskLogEvent> = z.looseObject({
  timestamp: z.number(),
  msg: z.string().optional(),
  level: z.string().optional(),
  worker: z.string().optional(),
  task: z.string().optional(),
  type: z.string().optional(),
});

export const eventsGetTaskLogSchema: z.ZodType<EventsGetTaskLogResponse> = z.looseObject({
  events: z.array(taskLogEventSchema),
  returned: z.number().optional(),
  total: z.number().optional(),
});

const workerSchema: z.ZodType<ClearmlWorker> = z.looseObject({
  id: z.string(),
  ip: nullableString,
  register_time: nullableString,
  last_activity_time: nullableString,
  last_report_time: nullableString,
  task: entityRefSchema.nullish(),
  project: entityRefSchema.nullish(),
  queue: entityRefSchema.nullish(),
  queues: z.array(entityRefSchema).nullish(),
});

export const workersGetAllSchema: z.ZodType<WorkersGetAllResponse> = z.looseObject({
  workers: z.array(workerSchema),
});

export const workersGetStatsSchema: z.ZodType<WorkersGetStatsResponse> = z.looseObject({
  workers: z
    .array(
      z.looseObject({
        worker: z.string(),
        metrics: z.array(
          z.looseObject({
            metric: z.string(),
            variant: nullableString,
            dates: z.array(z.number()),
            stats: z.array(z.looseObject({ aggregation: z.enum(['avg', 'min', 'max']), values: z.array(z.number()) })),
          }),
        ),
      }),
    )
    .nullish()
    .transform((w) => w ?? []),
});

export const debugPingSchema: z.ZodType<DebugPingResponse> = z.looseObject({ msg: z.string().optional() });

export const serverInfoSchema: z.ZodType<ServerInfoResponse> = z.looseObject({
  version: z.string().optional(),
  build: z.string().optional(),
  commit: z.string().optional(),
  uid: z.string().optional(),
  api_version: z.string().optional(),
});
