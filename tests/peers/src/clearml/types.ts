/** A MongoDB-like document as the peer keeps it: plain JSON values and Date objects. */
export type Doc = Record<string, unknown>;

export const TASK_STATUSES = [
  'created',
  'queued',
  'in_progress',
  'stopped',
  'publishing',
  'published',
  'closed',
  'failed',
  'completed',
  'unknown',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** apiserver/database/model/task/task.py TaskType */
export const TASK_TYPES = [
  'training',
  'testing',
  'inference',
  'data_processing',
  'application',
  'monitor',
  'controller',
  'report',
  'optimizer',
  'service',
  'qc',
  'custom',
] as const;

export interface ParamsItem {
  section: string;
  name: string;
  value: string;
  type?: string;
  description?: string;
}

export interface ConfigurationItem {
  name: string;
  value: string;
  type?: string;
  description?: string;
}

/** Task document (apiserver/database/model/task/task.py). Dates are Date objects. */
export interface TaskDoc extends Doc {
  id: string;
  company: string;
  user: string;
  name: string;
  type: string;
  status: TaskStatus;
  status_reason?: string | null;
  status_message?: string | null;
  status_changed?: Date;
  comment?: string;
  created: Date;
  started?: Date;
  completed?: Date;
  published?: Date;
  active_duration?: number;
  parent?: string;
  project?: string;
  output: Doc;
  execution: Doc;
  tags: string[];
  system_tags: string[];
  script: Doc;
  last_worker?: string;
  last_worker_report?: Date;
  last_update?: Date;
  last_change?: Date;
  last_changed_by?: string;
  last_iteration: number;
  last_metrics: Doc;
  hyperparams: Record<string, Record<string, ParamsItem>>;
  configuration: Record<string, ConfigurationItem>;
  runtime: Doc;
  models: { input: Doc[]; output: Doc[] };
  container: Record<string, string | null>;
  enqueue_status?: TaskStatus;
}

export interface ProjectDoc extends Doc {
  id: string;
  company: string;
  user: string;
  name: string;
  basename: string;
  description: string;
  created: Date;
  tags: string[];
  system_tags: string[];
  last_update?: Date;
  parent?: string;
  featured: number;
  default_output_destination?: string;
}

export interface QueueEntry extends Doc {
  task: string;
  added: Date;
}

export interface QueueDoc extends Doc {
  id: string;
  company: string;
  name: string;
  created: Date;
  tags: string[];
  system_tags: string[];
  entries: QueueEntry[];
  last_update?: Date;
  metadata: Doc;
}

export interface UserDoc extends Doc {
  id: string;
  company: string;
  name: string;
  given_name?: string;
  family_name?: string;
  created: Date;
}

/** One task_log event (_source of an Elasticsearch document). */
export interface LogEvent extends Doc {
  timestamp: number;
  type: 'log';
  task: string;
  level: string;
  worker: string;
  msg: string;
  metric: string;
  variant: string;
  '@timestamp': string;
}

/** What a simulated agent does with a task: run time, outcome, console output. */
export interface TaskScript {
  /** Wall-clock run time in milliseconds (local time, not affected by clock skew). */
  durationMs: number;
  outcome: 'completed' | 'failed';
  /** Number of console lines printed during the run (besides the agent's own start/end lines). */
  lines: number;
  /** Iterations reported; last_iteration advances to this value. */
  iterations: number;
  /** Lines batched into one log event (the SDK joins records of the same second with '\n'). */
  linesPerEvent: number;
  /** Last line printed before a failure. */
  failMessage: string;
}

export interface ScriptRule {
  /** Exact task name, or a regular expression tested against it. */
  name: string | RegExp;
  script: Partial<TaskScript>;
}

export interface AgentsOptions {
  /**
   * Workers per queue name. A number applies to every queue (including queues created later,
   * e.g. by tasks.enqueue with queue_name). Default 1.
   */
  workers?: number | Record<string, number>;
  /** Only serve these queue names (default: all queues). */
  queues?: string[];
  /** How often idle workers poll their queue and running tasks advance. Default 20 ms. */
  pollIntervalMs?: number;
  /** Default script for every task. */
  script?: Partial<TaskScript>;
  /** Per-task-name scripts, first match wins. */
  rules?: ScriptRule[];
  /** Start with agents paused (tasks stay queued until resumeAgents()). */
  paused?: boolean;
  /** Host part of worker ids ("<host>:<queue>:<n>"). Default "peer-agent". */
  host?: string;
  /**
   * How often each worker reports its machine statistics (workers.status_report `machine_stats`),
   * in ms of the server clock. Default 10000; 0 reports none.
   */
  statsIntervalMs?: number;
  /** The machine every worker runs on (per queue name with a record). */
  machine?: Partial<MachineProfile> | Record<string, Partial<MachineProfile>>;
}

/** A simulated agent's machine: what its statistics are made of, idle and while running a task. */
export interface MachineProfile {
  cpus: number;
  gpus: number;
  memoryMb: number;
  gpuMemoryMb: number;
  /** % free of the home drive. */
  diskFreeHomePct: number;
  /** % use per core / card and MB used while a task runs. */
  busyCpuPct: number;
  busyGpuPct: number;
  busyMemoryMb: number;
  busyGpuMemoryMb: number;
}

export interface Credential {
  accessKey: string;
  secretKey: string;
  /** User the key belongs to; created if missing. */
  userId?: string;
  userName?: string;
}

export interface SeedProject {
  id?: string;
  name: string;
  description?: string;
  tags?: string[];
  system_tags?: string[];
  created?: string | Date;
}

export interface SeedQueue {
  id?: string;
  name: string;
  /** Tag the queue as the company's default queue (system tag "default"). */
  default?: boolean;
  tags?: string[];
  system_tags?: string[];
}

/**
 * Short hyperparameter form accepted by seeds: { General: { lr: "0.1" } } or full params items.
 */
export type SeedHyperparams = Record<string, Record<string, string | number | boolean | Partial<ParamsItem>>>;

export interface SeedTask {
  id?: string;
  name: string;
  type?: string;
  /** Project id or project name. */
  project?: string;
  status?: TaskStatus;
  status_reason?: string;
  status_message?: string;
  comment?: string;
  tags?: string[];
  system_tags?: string[];
  parent?: string;
  user?: string;
  hyperparams?: SeedHyperparams;
  configuration?: Record<string, string | Partial<ConfigurationItem>>;
  container?: Record<string, string>;
  script?: Doc;
  execution?: Doc;
  runtime?: Doc;
  /** Queue id or name; for status "queued" the task is put into that queue. */
  queue?: string;
  created?: string | Date;
  started?: string | Date;
  completed?: string | Date;
  status_changed?: string | Date;
  last_update?: string | Date;
  last_iteration?: number;
  last_worker?: string;
  /** Console output to attach (one event per string; a string may contain several lines). */
  log?: string[];
}

export interface SeedUser {
  id: string;
  name: string;
}

export interface Seed {
  users?: SeedUser[];
  projects?: SeedProject[];
  queues?: SeedQueue[];
  tasks?: SeedTask[];
}

export interface ClearmlPeerOptions {
  port?: number;
  host?: string;
  credentials?: Credential[];
  /** Default token lifetime (auth.login without expiration_sec). Default 30 days, as the server. */
  tokenTtlSec?: number;
  /** Latency added to every API call. */
  latencyMs?: number;
  /** The server clock is this far ahead of the local clock (negative: behind). */
  clockSkewMs?: number;
  seed?: Seed;
  /** Simulated agents; false disables them. Default: one worker per queue, short runs. */
  agents?: false | AgentsOptions;
  /** Web UI base URL to advertise (for log links). Default http://<host>:<port+1> style derived. */
  webHost?: string;
  /** Max API version reported (server.info, token api_version). Default "2.31". */
  apiVersion?: string;
  /** Server version reported by server.info. */
  serverVersion?: string;
  /** Compress responses with gzip when the client accepts it (Flask-Compress). Default true. */
  compress?: boolean;
}
