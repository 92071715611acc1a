import type { z } from 'zod';
import {
  debugPingSchema,
  eventsGetTaskLogSchema,
  projectsGetAllSchema,
  projectsGetByIdSchema,
  queuesGetAllSchema,
  queuesGetByIdSchema,
  serverInfoSchema,
  taskUpdateSchema,
  tasksCloneSchema,
  tasksCreateSchema,
  tasksEditHyperParamsSchema,
  tasksEnqueueSchema,
  tasksGetAllExSchema,
  tasksGetAllSchema,
  tasksGetByIdSchema,
  tasksResetSchema,
  workersGetAllSchema,
  workersGetStatsSchema,
} from './schemas';
import type {
  ClearmlProject,
  ClearmlQueue,
  ClearmlTask,
  DebugPingResponse,
  EventsGetTaskLogRequest,
  EventsGetTaskLogResponse,
  ProjectsGetAllQuery,
  ProjectsGetAllResponse,
  QueuesGetAllExQuery,
  QueuesGetAllQuery,
  QueuesGetAllResponse,
  ServerInfoResponse,
  TaskUpdateResponse,
  TasksCloneRequest,
  TasksCloneResponse,
  TasksCreateRequest,
  TasksCreateResponse,
  TasksEditHyperParamsRequest,
  TasksEditHyperParamsResponse,
  TasksEditRequest,
  TasksEnqueueRequest,
  TasksEnqueueResponse,
  TasksGetAllExQuery,
  TasksGetAllExResponse,
  TasksGetAllQuery,
  TasksGetAllResponse,
  TasksResetRequest,
  TasksResetResponse,
  TasksStopRequest,
  WorkersGetAllQuery,
  WorkersGetAllResponse,
  WorkersGetStatsRequest,
  WorkersGetStatsResponse,
} from './types';

/**
 * `read`: safe to repeat, retried on any transient error.
 * `write`: changes server state, retried only when the server cannot have applied it.
 * `public`: a read sent without credentials (`debug.ping` needs none).
 */
export type CallKind = 'read' | 'write' | 'public';

/** What the endpoint groups need from the client. */
export interface ClearmlRpc {
  invoke<T>(endpoint: string, body: object, schema: z.ZodType<T>, kind: CallKind): Promise<T>;
}

/** Largest page the server returns (`max_page_size` in the server's _mongo.conf). */
export const MAX_PAGE_SIZE = 500;

export interface IterateOptions {
  /** 1..500, default 500. */
  pageSize?: number;
}

export type TasksIterateQuery = Omit<TasksGetAllQuery, 'page' | 'page_size' | 'scroll_id' | 'size' | 'refresh_scroll'>;

export class DebugApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  /** `debug.ping`: no credentials needed; the health probe the server's own compose file uses. */
  ping(): Promise<DebugPingResponse> {
    return this.rpc.invoke('debug.ping', {}, debugPingSchema, 'public');
  }
}

export class ServerApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  /** `server.info`: version, build, commit, uid (2.8+), api_version (2.12+). */
  info(): Promise<ServerInfoResponse> {
    return this.rpc.invoke('server.info', {}, serverInfoSchema, 'read');
  }
}

export class TasksApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  /** `tasks.get_by_id`. An unknown id fails with 400/101 `invalid_task_id`. */
  async getById(task: string): Promise<ClearmlTask> {
    const data = await this.rpc.invoke('tasks.get_by_id', { task }, tasksGetByIdSchema, 'read');
    return data.task;
  }

  getAll(query: TasksGetAllQuery = {}): Promise<TasksGetAllResponse> {
    return this.rpc.invoke('tasks.get_all', query, tasksGetAllSchema, 'read');
  }

  /** The web UI's query endpoint: adds `filters` and returns joined references (`project.name`). */
  getAllEx(query: TasksGetAllExQuery = {}): Promise<TasksGetAllExResponse> {
    return this.rpc.invoke('tasks.get_all_ex', query, tasksGetAllExSchema, 'read');
  }

  /**
   * Every task matching `query`, page by page (`page`/`page_size`). Ordered by `order_by`
   * (default `id`; the server appends `id` as a tiebreaker so pages are stable). Stops at
   * the first short page. Tasks changing while iterating may be skipped or seen twice.
   */
  async *iterateAll(query: TasksIterateQuery = {}, options: IterateOptions = {}): AsyncGenerator<ClearmlTask> {
    // The server silently caps page_size at 500; a larger value would end the loop after one page.
    const pageSize = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(options.pageSize ?? MAX_PAGE_SIZE)));
    const order_by = query.order_by && query.order_by.length > 0 ? query.order_by : ['id'];
    for (let page = 0; ; page++) {
      const { tasks } = await this.getAll({ ...query, order_by, page, page_size: pageSize });
      yield* tasks;
      if (tasks.length < pageSize) return;
    }
  }

  /** `tasks.clone`: the new task is a Draft (`created`). Returns `{ id }`. */
  clone(request: TasksCloneRequest): Promise<TasksCloneResponse> {
    return this.rpc.invoke('tasks.clone', request, tasksCloneSchema, 'write');
  }

  create(request: TasksCreateRequest): Promise<TasksCreateResponse> {
    return this.rpc.invoke('tasks.create', request, tasksCreateSchema, 'write');
  }

  edit(request: TasksEditRequest): Promise<TaskUpdateResponse> {
    return this.rpc.invoke('tasks.edit', request, taskUpdateSchema, 'write');
  }

  editHyperParams(request: TasksEditHyperParamsRequest): Promise<TasksEditHyperParamsResponse> {
    return this.rpc.invoke('tasks.edit_hyper_params', request, tasksEditHyperParamsSchema, 'write');
  }

  async enqueue(request: TasksEnqueueRequest): Promise<TasksEnqueueResponse> {
    if (request.queue !== undefined && request.queue_name !== undefined) {
      throw new TypeError('tasks.enqueue takes either queue or queue_name, not both');
    }
    return this.rpc.invoke('tasks.enqueue', request, tasksEnqueueSchema, 'write');
  }

  stop(request: TasksStopRequest): Promise<TaskUpdateResponse> {
    return this.rpc.invoke('tasks.stop', request, taskUpdateSchema, 'write');
  }

  reset(request: TasksResetRequest): Promise<TasksResetResponse> {
    return this.rpc.invoke('tasks.reset', request, tasksResetSchema, 'write');
  }
}

export class QueuesApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  getAll(query: QueuesGetAllQuery = {}): Promise<QueuesGetAllResponse> {
    return this.rpc.invoke('queues.get_all', query, queuesGetAllSchema, 'read');
  }

  getAllEx(query: QueuesGetAllExQuery = {}): Promise<QueuesGetAllResponse> {
    return this.rpc.invoke('queues.get_all_ex', query, queuesGetAllSchema, 'read');
  }

  /** `queues.get_by_id`. An unknown id fails with 400/701 `invalid_queue_id`. */
  async getById(queue: string, options: { max_task_entries?: number } = {}): Promise<ClearmlQueue> {
    const data = await this.rpc.invoke('queues.get_by_id', { queue, ...options }, queuesGetByIdSchema, 'read');
    return data.queue;
  }
}

export class EventsApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  /**
   * `events.get_task_log` (2.9+ semantics). Newest first unless `order: 'asc'`; page back
   * with `from_timestamp` = the oldest timestamp already seen.
   */
  getTaskLog(request: EventsGetTaskLogRequest): Promise<EventsGetTaskLogResponse> {
    return this.rpc.invoke('events.get_task_log', request, eventsGetTaskLogSchema, 'read');
  }
}

export class ProjectsApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  getAll(query: ProjectsGetAllQuery = {}): Promise<ProjectsGetAllResponse> {
    return this.rpc.invoke('projects.get_all', query, projectsGetAllSchema, 'read');
  }

  async getById(project: string): Promise<ClearmlProject> {
    const data = await this.rpc.invoke('projects.get_by_id', { project }, projectsGetByIdSchema, 'read');
    return data.project;
  }
}

export class WorkersApi {
  constructor(private readonly rpc: ClearmlRpc) {}

  getAll(query: WorkersGetAllQuery = {}): Promise<WorkersGetAllResponse> {
    return this.rpc.invoke('workers.get_all', query, workersGetAllSchema, 'read');
  }

  getStats(request: WorkersGetStatsRequest): Promise<WorkersGetStatsResponse> {
    return this.rpc.invoke('workers.get_stats', request, workersGetStatsSchema, 'read');
  }
}
