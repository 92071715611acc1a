/*
 * Request and response shapes from the clearml-server schemas
 * (apiserver/schema/services/{tasks,_tasks_common,queues,projects,events,workers,debug,server}.conf).
 * Responses list the fields this product reads; everything else the server sends is kept
 * and typed `unknown` through the index signature.
 */

/** `task_status_enum` (_common.conf). `stopped` is "Aborted" in the web UI. */
export type TaskStatus =
  'created' | 'queued' | 'in_progress' | 'stopped' | 'published' | 'publishing' | 'closed' | 'failed' | 'completed' | 'unknown';

/** `task_type_enum` (_tasks_common.conf). */
export type TaskType =
  | 'training'
  | 'testing'
  | 'inference'
  | 'data_processing'
  | 'application'
  | 'monitor'
  | 'controller'
  | 'optimizer'
  | 'service'
  | 'qc'
  | 'custom';

/** `params_item`: `value` is always a string on the wire. */
export interface ParamsItem {
  section: string;
  name: string;
  value: string;
  type?: string;
  description?: string;
}

/** `section → name → params_item`, the shape of `hyperparams` on a task. */
export type Hyperparams = Record<string, Record<string, ParamsItem>>;

export interface ConfigurationItem {
  name?: string;
  value?: string;
  type?: string;
  description?: string;
}

export interface TaskModelItem {
  name: string;
  model: string;
}

export interface TaskModels {
  input?: TaskModelItem[];
  output?: TaskModelItem[];
}

export interface TaskScript {
  binary?: string;
  repository?: string;
  tag?: string;
  branch?: string;
  version_num?: string;
  entry_point?: string;
  working_dir?: string;
  requirements?: Record<string, unknown>;
  diff?: string;
}

export interface TaskExecution {
  queue?: string;
  parameters?: Record<string, unknown>;
  model?: string;
  model_desc?: Record<string, unknown>;
  model_labels?: Record<string, number>;
  framework?: string;
  docker_cmd?: string;
  artifacts?: unknown[];
}

/** A reference field as `get_all_ex` returns it (joined), e.g. `project: { id, name }`. */
export interface EntityRef {
  id: string;
  name?: string | null;
  [key: string]: unknown;
}

/** Task fields shared by `get_by_id`/`get_all` and `get_all_ex` results. */
export interface ClearmlTaskFields {
  id: string;
  name?: string;
  status?: TaskStatus | (string & {});
  type?: TaskType | (string & {});
  company?: string;
  comment?: string | null;
  created?: string;
  started?: string | null;
  completed?: string | null;
  status_changed?: string | null;
  status_reason?: string | null;
  status_message?: string | null;
  last_update?: string | null;
  last_change?: string | null;
  last_iteration?: number | null;
  active_duration?: number | null;
  last_worker?: string | null;
  tags?: string[];
  system_tags?: string[];
  hyperparams?: Record<string, Record<string, TaskParam>>;
  container?: Record<string, string | null>;
}

/** A `params_item` as stored on a task. */
export interface TaskParam {
  section?: string | null;
  name?: string | null;
  value?: string | null;
  type?: string | null;
  description?: string | null;
  [key: string]: unknown;
}

export interface ClearmlTask extends ClearmlTaskFields {
  user?: string;
  project?: string;
  parent?: string | null;
  execution?: { queue?: string | null; [key: string]: unknown };
  [key: string]: unknown;
}

/** A task from `tasks.get_all_ex`: reference fields may come back joined as objects. */
export interface ClearmlTaskEx extends ClearmlTaskFields {
  user?: string | EntityRef | null;
  project?: string | EntityRef | null;
  parent?: string | EntityRef | null;
  execution?: { queue?: string | EntityRef | null; [key: string]: unknown };
  [key: string]: unknown;
}

export interface MultiFieldPattern {
  pattern?: string;
  datetime?: string;
  fields: string[];
}

/** `field_filter` (_common.conf, 2.27). */
export interface FieldFilter {
  any?: { include?: string[]; exclude?: string[] };
  all?: { include?: string[]; exclude?: string[] };
  op?: 'and' | 'or';
}

/** `tasks.get_all` request. Datetime filters take strings with an optional `>`, `>=`, `<`, `<=` prefix. */
export interface TasksGetAllQuery {
  id?: string[];
  /** Python regular expression. */
  name?: string;
  user?: string[];
  project?: string[];
  parent?: string;
  type?: string[];
  tags?: string[];
  /** Prefix a tag with `-` to exclude it, e.g. `-archived`. */
  system_tags?: string[];
  status?: Array<TaskStatus | (string & {})>;
  status_changed?: string[];
  /** Not declared by the schema but accepted and handled as a datetime field. */
  last_update?: string[];
  last_change?: string[];
  only_fields?: string[];
  order_by?: string[];
  page?: number;
  /** Capped at 500 by the server. */
  page_size?: number;
  search_text?: string;
  _all_?: MultiFieldPattern;
  _any_?: MultiFieldPattern;
  search_hidden?: boolean;
  scroll_id?: string;
  refresh_scroll?: boolean;
  size?: number;
  include_subprojects?: boolean;
}

export interface TasksGetAllExQuery extends TasksGetAllQuery {
  allow_public?: boolean;
  filters?: Record<string, FieldFilter>;
}

export interface TasksGetAllResponse {
  tasks: ClearmlTask[];
  scroll_id?: string;
  [key: string]: unknown;
}

export interface TasksGetAllExResponse {
  tasks: ClearmlTaskEx[];
  scroll_id?: string;
  [key: string]: unknown;
}

export interface TasksCloneRequest {
  task: string;
  new_task_name?: string;
  new_task_comment?: string;
  new_task_tags?: string[];
  new_task_system_tags?: string[];
  new_task_parent?: string;
  new_task_project?: string;
  /** Replaces all hyperparameters of the clone (not merged). */
  new_task_hyperparams?: Hyperparams;
  new_task_configuration?: Record<string, ConfigurationItem>;
  execution_overrides?: TaskExecution;
  validate_references?: boolean;
  new_project_name?: string;
  new_task_input_models?: TaskModelItem[];
  /** An empty map keeps the source container; clear it with `tasks.edit` afterwards. */
  new_task_container?: Record<string, string>;
}

export interface TasksCloneResponse {
  id: string;
  new_project?: { id?: string; name?: string };
  [key: string]: unknown;
}

/** `update_response` of tasks.edit/stop/reset/enqueue. */
export interface TaskUpdateResponse {
  updated: number;
  fields?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The fields of a task that tasks.create sets and tasks.edit changes. */
export interface TaskFields {
  tags?: string[];
  system_tags?: string[];
  comment?: string;
  parent?: string;
  project?: string;
  output_dest?: string;
  execution?: TaskExecution;
  script?: TaskScript;
  hyperparams?: Hyperparams;
  configuration?: Record<string, ConfigurationItem>;
  models?: TaskModels;
  container?: Record<string, string>;
}

export interface TasksEditRequest extends TaskFields {
  task: string;
  /** Without `force` the call fails unless the task is `created` (Draft). */
  force?: boolean;
  name?: string;
  type?: TaskType;
  runtime?: Record<string, unknown>;
}

export interface TasksEditHyperParamsRequest {
  task: string;
  hyperparams: ParamsItem[];
  replace_hyperparams?: 'none' | 'section' | 'all';
  force?: boolean;
}

export interface TasksEditHyperParamsResponse {
  updated: number;
  [key: string]: unknown;
}

export interface TasksCreateRequest extends TaskFields {
  name: string;
  type: TaskType;
}

export interface TasksCreateResponse {
  id: string;
  [key: string]: unknown;
}

interface StatusChange {
  status_reason?: string;
  status_message?: string;
}

interface EnqueueCommon extends StatusChange {
  task: string;
  /** 2.22+: report whether any worker watches the queue (`queue_watched`). */
  verify_watched_queue?: boolean;
  /** 2.31+ */
  update_execution_queue?: boolean;
}

/**
 * `tasks.enqueue`: a queue id, or (2.19+) a queue name that the server auto-creates,
 * never both; with neither the server uses the default queue (400/707 if none).
 */
export type TasksEnqueueRequest =
  (EnqueueCommon & { queue?: string; queue_name?: never }) | (EnqueueCommon & { queue_name: string; queue?: never });

export interface TasksEnqueueResponse extends TaskUpdateResponse {
  queued?: number;
  queue_watched?: boolean;
}

export interface TasksStopRequest extends StatusChange {
  task: string;
  /** Without `force` the call fails unless the task is `in_progress`. */
  force?: boolean;
  include_pipeline_steps?: boolean;
}

export interface TasksResetRequest extends StatusChange {
  task: string;
  force?: boolean;
  clear_all?: boolean;
  return_file_urls?: boolean;
  delete_output_models?: boolean;
  delete_external_artifacts?: boolean;
}

export interface TasksResetResponse extends TaskUpdateResponse {
  dequeued?: Record<string, unknown>;
  deleted_models?: number;
  urls?: { model_urls?: string[]; event_urls?: string[]; artifact_urls?: string[] };
}

export interface QueueEntry {
  task: string;
  added?: string;
  [key: string]: unknown;
}

export interface ClearmlQueue {
  id: string;
  name?: string;
  display_name?: string;
  user?: string;
  company?: string;
  created?: string;
  tags?: string[];
  system_tags?: string[];
  entries?: QueueEntry[];
  [key: string]: unknown;
}

export interface QueuesGetAllQuery {
  /** Python regular expression. */
  name?: string;
  id?: string[];
  tags?: string[];
  system_tags?: string[];
  page?: number;
  page_size?: number;
  order_by?: string[];
  search_text?: string;
  only_fields?: string[];
  scroll_id?: string;
  refresh_scroll?: boolean;
  size?: number;
  max_task_entries?: number;
  search_hidden?: boolean;
}

export interface QueuesGetAllExQuery extends QueuesGetAllQuery {
  filters?: Record<string, FieldFilter>;
}

export interface QueuesGetAllResponse {
  queues: ClearmlQueue[];
  scroll_id?: string;
  [key: string]: unknown;
}

export interface ClearmlProject {
  id: string;
  name?: string;
  basename?: string;
  description?: string;
  user?: string;
  company?: string;
  created?: string;
  tags?: string[];
  system_tags?: string[];
  default_output_destination?: string;
  last_update?: string;
  [key: string]: unknown;
}

export interface ProjectsGetAllQuery {
  id?: string[];
  /** Python regular expression. */
  name?: string;
  basename?: string;
  description?: string;
  tags?: string[];
  system_tags?: string[];
  order_by?: string[];
  page?: number;
  page_size?: number;
  search_text?: string;
  only_fields?: string[];
  _all_?: MultiFieldPattern;
  _any_?: MultiFieldPattern;
  shallow_search?: boolean;
  search_hidden?: boolean;
  scroll_id?: string;
  refresh_scroll?: boolean;
  size?: number;
}

export interface ProjectsGetAllResponse {
  projects: ClearmlProject[];
  scroll_id?: string;
  [key: string]: unknown;
}

/** `events.get_task_log` (2.9+). */
export interface EventsGetTaskLogRequest {
  task: string;
  /** Default 5000 on the server. */
  batch_size?: number;
  /** Default true: page backwards from `from_timestamp` (or from the newest event). */
  navigate_earlier?: boolean;
  /** Epoch milliseconds; the paging anchor. */
  from_timestamp?: number;
  /** Order of the returned page. */
  order?: 'asc' | 'desc';
}

/** One `task_log_event`. One event may hold several lines joined with `\n`. */
export interface TaskLogEvent {
  timestamp: number;
  msg?: string;
  level?: string;
  worker?: string;
  task?: string;
  type?: string;
  [key: string]: unknown;
}

export interface EventsGetTaskLogResponse {
  events: TaskLogEvent[];
  returned?: number;
  /** Capped at 10000 by the server. */
  total?: number;
  [key: string]: unknown;
}

export interface WorkersGetAllQuery {
  /** Seconds; workers idle for longer are left out. Server default 3600, 0 disables the filter. */
  last_seen?: number;
}

export interface ClearmlWorker {
  id: string;
  ip?: string | null;
  register_time?: string | null;
  last_activity_time?: string | null;
  last_report_time?: string | null;
  /** The task the worker is running, if any (`running_time`, `last_iteration` included). */
  task?: EntityRef | null;
  project?: EntityRef | null;
  /** The queue the running task came from. */
  queue?: EntityRef | null;
  /** The queues the worker listens on. */
  queues?: EntityRef[] | null;
  [key: string]: unknown;
}

export interface WorkersGetAllResponse {
  workers: ClearmlWorker[];
  [key: string]: unknown;
}

/**
 * `workers.get_stats` (2.4+): the machine statistics agents report with `workers.status_report`
 * (`machine_stats`: cpu_usage, gpu_usage (%, per core/card), memory_used, memory_free,
 * gpu_memory_used, gpu_memory_free (MB), disk_free_home, disk_free_temp (%), network and disk
 * rates, temperatures), aggregated per `interval` seconds (the server uses at least 40). Dates
 * are the bucket starts in epoch milliseconds (the schema says seconds; the server returns the
 * Elasticsearch keys). Buckets without a report carry 0; the last, incomplete bucket is left out.
 */
export interface WorkersGetStatsRequest {
  worker_ids?: string[];
  /** Seconds since the epoch. */
  from_date: number;
  to_date: number;
  interval: number;
  items: { key: string; aggregation?: 'avg' | 'min' | 'max' }[];
  /** Per GPU / core (`variant` "0", "1", … or "total" for single values) instead of over all of them. */
  split_by_variant?: boolean;
}

export interface WorkerMetricStats {
  metric: string;
  variant?: string | null;
  dates: number[];
  stats: { aggregation: 'avg' | 'min' | 'max'; values: number[] }[];
}

export interface WorkersGetStatsResponse {
  workers: { worker: string; metrics: WorkerMetricStats[] }[];
  [key: string]: unknown;
}

export interface DebugPingResponse {
  msg?: string;
  [key: string]: unknown;
}

export interface ServerInfoResponse {
  version?: string;
  build?: string;
  commit?: string;
  uid?: string;
  api_version?: string;
  [key: string]: unknown;
}
