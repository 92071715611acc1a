import { randomUUID } from 'node:crypto';
import { ServerClock, parseServerDate, toEsTimestamp, toWireDate } from './clock';
import { ERR, apiError } from './errors';
import { MachineStats, StatDoc, statDocs } from './worker-stats';
import {
  ConfigurationItem,
  Credential,
  Doc,
  LogEvent,
  ParamsItem,
  ProjectDoc,
  QueueDoc,
  QueueEntry,
  Seed,
  SeedHyperparams,
  SeedProject,
  SeedQueue,
  SeedTask,
  TASK_STATUSES,
  TaskDoc,
  TaskStatus,
  UserDoc,
} from './types';

/** database.utils.id(): uuid4 hex. */
export const newId = (): string => randomUUID().replace(/-/g, '');

/** The open-source server's single company. */
export const DEFAULT_COMPANY = { id: 'd1bd92a3b039400cbafc60a7a5b1e52b', name: 'clearml' };

export interface WorkerInfo {
  id: string;
  userId: string;
  ip: string;
  queues: string[];
  registerTime: Date;
  lastActivityTime: Date;
  lastReportTime: Date;
  /** Running task and the queue it came from. */
  task?: string;
  queue?: string;
}

export interface Identity {
  user: string;
  company: string;
  role: string;
  user_name: string;
  company_name: string;
}

/** Deep copy with Date objects preserved. */
export function clone<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((v) => clone(v)) as T;
  if (value && typeof value === 'object') {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value as Doc)) out[k] = clone(v);
    return out as T;
  }
  return value;
}

/** JSON-ready copy: Date objects become the server's ISO strings, undefined keys are dropped. */
export function toWire<T>(value: T): unknown {
  if (value instanceof Date) return toWireDate(value);
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (value && typeof value === 'object') {
    const out: Doc = {};
    for (const [k, v] of Object.entries(value as Doc)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

function toDate(value: string | Date | undefined, fallback?: Date): Date | undefined {
  if (value === undefined) return fallback;
  const d = parseServerDate(value);
  if (!d) throw new Error(`invalid date in seed: ${String(value)}`);
  return d;
}

/** Normalise the seed short form {section: {name: "value"}} into params items. */
export function normalizeHyperparams(h: SeedHyperparams | undefined): Record<string, Record<string, ParamsItem>> {
  const out: Record<string, Record<string, ParamsItem>> = {};
  for (const [section, params] of Object.entries(h ?? {})) {
    out[section] = {};
    for (const [name, v] of Object.entries(params)) {
      if (v && typeof v === 'object') {
        out[section][name] = { section, name, value: '', ...(v as Partial<ParamsItem>) } as ParamsItem;
      } else {
        out[section][name] = {
          section,
          name,
          value: String(v),
          type: typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'boolean' ? 'bool' : 'str',
        };
      }
    }
  }
  return out;
}

export class PeerStore {
  readonly company = { ...DEFAULT_COMPANY };
  readonly users = new Map<string, UserDoc>();
  readonly credentials = new Map<string, { secret: string; userId: string }>();
  readonly projects = new Map<string, ProjectDoc>();
  readonly queues = new Map<string, QueueDoc>();
  readonly tasks = new Map<string, TaskDoc>();
  readonly logs = new Map<string, LogEvent[]>();
  readonly workers = new Map<string, WorkerInfo>();
  /** worker_stats documents (Elasticsearch), oldest first. */
  readonly workerStats: StatDoc[] = [];
  /** get_all scroll states: id -> position (expire after 600 s as scroll_state_expiration_seconds). */
  readonly scrolls = new Map<string, { position: number; expires: number }>();
  private eventSeq = 0;
  /** Insertion sequence of each log event, the tiebreaker Elasticsearch uses for equal timestamps. */
  readonly eventOrder = new WeakMap<LogEvent, number>();

  constructor(readonly clock: ServerClock) {}

  /** A worker's machine statistics as `workers.status_report` stores them (the oldest documents beyond 500 000 dropped). */
  addMachineStats(worker: string, timestamp: number, task: string | null, stats: MachineStats): void {
    this.workerStats.push(...statDocs(worker, timestamp, task, stats));
    if (this.workerStats.length > 500_000) this.workerStats.splice(0, this.workerStats.length - 500_000);
  }

  // ---------------------------------------------------------------- identity

  addUser(id: string, name: string): UserDoc {
    const existing = this.users.get(id);
    if (existing) return existing;
    const user: UserDoc = { id, company: this.company.id, name, created: this.clock.date() };
    this.users.set(id, user);
    return user;
  }

  addCredential(c: Credential): void {
    const userId = c.userId ?? `user-${c.accessKey}`;
    this.addUser(userId, c.userName ?? c.accessKey);
    this.credentials.set(c.accessKey, { secret: c.secretKey, userId });
  }

  identityFor(userId: string): Identity {
    const user = this.users.get(userId);
    return {
      user: userId,
      company: this.company.id,
      role: 'user',
      user_name: user?.name ?? userId,
      company_name: this.company.name,
    };
  }

  // ---------------------------------------------------------------- projects

  addProject(p: SeedProject & { user?: string }): ProjectDoc {
    const now = this.clock.date();
    const name = p.name.trim();
    const doc: ProjectDoc = {
      id: p.id ?? newId(),
      company: this.company.id,
      user: p.user ?? [...this.users.keys()][0] ?? '',
      name,
      basename: name.split('/').pop() ?? name,
      description: p.description ?? '',
      created: toDate(p.created, now)!,
      tags: [...(p.tags ?? [])].sort(),
      system_tags: [...(p.system_tags ?? [])].sort(),
      last_update: now,
      featured: 9999,
    };
    const parentPath = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : undefined;
    if (parentPath) {
      const parent = this.projectByName(parentPath) ?? this.addProject({ name: parentPath, user: doc.user });
      doc.parent = parent.id;
    }
    this.projects.set(doc.id, doc);
    return doc;
  }

  projectByName(name: string): ProjectDoc | undefined {
    for (const p of this.projects.values()) if (p.name === name) return p;
    return undefined;
  }

  /** Project and all its descendants (include_subprojects). */
  projectWithChildren(id: string): string[] {
    const out = [id];
    for (let i = 0; i < out.length; i++) {
      for (const p of this.projects.values()) if (p.parent === out[i] && !out.includes(p.id)) out.push(p.id);
    }
    return out;
  }

  touchProject(id: string | undefined): void {
    const p = id ? this.projects.get(id) : undefined;
    if (p) p.last_update = this.clock.date();
  }

  // ---------------------------------------------------------------- queues

  addQueue(q: SeedQueue): QueueDoc {
    const name = q.name.trim();
    if (name.length < 3) {
      throw apiError(ERR.dataValidationError, null, { name: 'String value is too short' });
    }
    if (this.queueByName(name)) {
      throw apiError(ERR.dataValidationError, null, { name: 'Tried to save duplicate unique keys' });
    }
    const now = this.clock.date();
    const systemTags = new Set(q.system_tags ?? []);
    if (q.default) systemTags.add('default');
    const doc: QueueDoc = {
      id: q.id ?? newId(),
      company: this.company.id,
      name,
      created: now,
      tags: [...(q.tags ?? [])].sort(),
      system_tags: [...systemTags].sort(),
      entries: [],
      last_update: now,
      metadata: {},
    };
    this.queues.set(doc.id, doc);
    return doc;
  }

  queueByName(name: string): QueueDoc | undefined {
    for (const q of this.queues.values()) if (q.name === name) return q;
    return undefined;
  }

  /** queue_bll.get_default */
  defaultQueue(): QueueDoc {
    const found = [...this.queues.values()].filter((q) => q.system_tags.includes('default'));
    if (!found.length) throw apiError(ERR.noDefaultQueue);
    if (found.length > 1) throw apiError(ERR.multipleDefaultQueues, null, { queues: found.map((q) => q.id) });
    return found[0];
  }

  /** queue_bll.get_by_id */
  getQueueOrThrow(id: string): QueueDoc {
    const q = this.queues.get(id);
    if (!q) throw apiError(ERR.invalidQueueId, null, { id, company: this.company.id });
    return q;
  }

  /** queue_bll.add_task */
  addToQueue(queueId: string, taskId: string): void {
    const q = this.getQueueOrThrow(queueId);
    if (q.entries.some((e) => e.task === taskId)) throw apiError(ERR.taskAlreadyQueued, null, { task: taskId });
    const now = this.clock.date();
    q.entries.push({ task: taskId, added: now });
    q.last_update = now;
  }

  /** queue_bll.remove_task; returns the number of removed entries. */
  removeFromQueue(queueId: string, taskId: string): number {
    const q = this.queues.get(queueId);
    if (!q || !q.entries.some((e) => e.task === taskId)) {
      throw apiError(ERR.invalidQueueOrTaskNotQueued, null, { task: taskId, id: queueId, company: this.company.id });
    }
    const before = q.entries.length;
    q.entries = q.entries.filter((e) => e.task !== taskId);
    q.last_update = this.clock.date();
    return before - q.entries.length;
  }

  /** TaskBLL.remove_task_from_all_queues */
  removeFromAllQueues(taskId: string, exclude?: string): number {
    let updated = 0;
    for (const q of this.queues.values()) {
      if (q.id === exclude || !q.entries.some((e) => e.task === taskId)) continue;
      q.entries = q.entries.filter((e) => e.task !== taskId);
      q.last_update = this.clock.date();
      updated++;
    }
    return updated;
  }

  /** queue_bll.get_next_task: atomically pop the first entry. */
  popQueue(queueId: string): QueueEntry | undefined {
    const q = this.queues.get(queueId);
    if (!q || !q.entries.length) return undefined;
    const entry = q.entries.shift()!;
    q.last_update = this.clock.date();
    return entry;
  }

  // ---------------------------------------------------------------- tasks

  /** A task document with the defaults mongoengine fills in (Task model). */
  newTaskDoc(fields: Partial<TaskDoc> & { name: string; type: string; user: string }): TaskDoc {
    const now = this.clock.date();
    const doc: TaskDoc = {
      id: newId(),
      company: this.company.id,
      status: 'created',
      created: now,
      output: {},
      execution: { test_split: 0, parameters: {}, model_desc: {}, artifacts: {} },
      tags: [],
      system_tags: [],
      script: { binary: 'python', repository: '', entry_point: '', requirements: {} },
      last_update: now,
      last_change: now,
      last_changed_by: fields.user,
      last_iteration: 0,
      last_metrics: {},
      metric_stats: {},
      hyperparams: {},
      configuration: {},
      runtime: {},
      models: { input: [], output: [] },
      container: {},
      report_assets: [],
      ...fields,
    } as TaskDoc;
    return doc;
  }

  insertTask(doc: TaskDoc): TaskDoc {
    this.tasks.set(doc.id, doc);
    this.touchProject(doc.project);
    return doc;
  }

  getTask(id: string): TaskDoc | undefined {
    return this.tasks.get(id);
  }

  /** TaskBLL.assert_exists for a single id (tasks.get_by_id, events.*). */
  assertTask(id: string): TaskDoc {
    const t = this.tasks.get(id);
    if (!t) throw apiError(ERR.invalidTaskId, null, { ids: [id] });
    return t;
  }

  /** get_task_with_write_access */
  taskForWrite(id: string): TaskDoc {
    const t = this.tasks.get(id);
    if (!t) throw apiError(ERR.invalidTaskId, null, { id, company: this.company.id });
    return t;
  }

  /** The queue a task sits in, if any. */
  queuesOfTask(taskId: string): QueueDoc[] {
    return [...this.queues.values()].filter((q) => q.entries.some((e) => e.task === taskId));
  }

  /**
   * TaskBLL.set_last_update: last_update/last_change, and active_duration while in progress
   * (events.add_batch calls it for every batch of log events).
   */
  setLastUpdate(task: TaskDoc, userId: string | undefined, at = this.clock.date()): void {
    if (task.status === 'in_progress' && task.started) {
      task.active_duration = Math.floor((at.getTime() - task.started.getTime()) / 1000);
    }
    task.last_update = at;
    task.last_change = at;
    if (userId) task.last_changed_by = userId;
  }

  // ---------------------------------------------------------------- log events

  /** events.add (task_log): one event may hold several lines joined by '\n'. */
  addLogEvent(taskId: string, e: { msg: string; level?: string; worker?: string; timestamp?: number }): LogEvent {
    const event: LogEvent = {
      timestamp: e.timestamp ?? this.clock.now(),
      type: 'log',
      task: taskId,
      level: e.level ?? 'info',
      worker: e.worker ?? '<unknown>',
      msg: e.msg,
      metric: '',
      variant: '',
      '@timestamp': toEsTimestamp(this.clock.now()),
    };
    this.eventOrder.set(event, ++this.eventSeq);
    let list = this.logs.get(taskId);
    if (!list) this.logs.set(taskId, (list = []));
    // keep the list ordered by (timestamp, insertion); appends are the common case
    let i = list.length;
    while (i > 0 && list[i - 1].timestamp > event.timestamp) i--;
    list.splice(i, 0, event);
    return event;
  }

  seqOf(e: LogEvent): number {
    return this.eventOrder.get(e) ?? 0;
  }

  // ---------------------------------------------------------------- seeding

  seed(seed: Seed): void {
    for (const u of seed.users ?? []) this.addUser(u.id, u.name);
    for (const p of seed.projects ?? []) if (!this.projectByName(p.name)) this.addProject(p);
    for (const q of seed.queues ?? []) if (!this.queueByName(q.name)) this.addQueue(q);
    for (const t of seed.tasks ?? []) this.seedTask(t);
  }

  seedTask(t: SeedTask): TaskDoc {
    const now = this.clock.date();
    const user = t.user ?? [...this.users.keys()][0] ?? 'unknown';
    let project: string | undefined;
    if (t.project)
      project = this.projects.get(t.project)?.id ?? (this.projectByName(t.project) ?? this.addProject({ name: t.project, user })).id;
    const status: TaskStatus = t.status ?? 'created';
    if (!TASK_STATUSES.includes(status)) throw new Error(`invalid status in seed: ${status}`);
    const configuration: Record<string, ConfigurationItem> = {};
    for (const [name, v] of Object.entries(t.configuration ?? {})) {
      configuration[name] =
        typeof v === 'string' ? { name, value: v, type: 'dictionary' } : ({ name, value: '', ...v } as ConfigurationItem);
    }
    const created = toDate(t.created, now)!;
    const doc = this.newTaskDoc({
      name: t.name,
      type: t.type ?? 'training',
      user,
      ...(t.id ? { id: t.id } : {}),
      ...(project ? { project } : {}),
      status,
      ...(t.status_reason !== undefined ? { status_reason: t.status_reason } : {}),
      ...(t.status_message !== undefined ? { status_message: t.status_message } : {}),
      ...(t.comment !== undefined ? { comment: t.comment } : {}),
      ...(t.parent ? { parent: t.parent } : {}),
      tags: [...(t.tags ?? [])].sort(),
      system_tags: [...(t.system_tags ?? [])].sort(),
      hyperparams: normalizeHyperparams(t.hyperparams),
      configuration,
      container: { ...(t.container ?? {}) },
      created,
      last_iteration: t.last_iteration ?? 0,
    });
    if (t.script) doc.script = { ...doc.script, ...t.script };
    if (t.execution) doc.execution = { ...doc.execution, ...t.execution };
    if (t.runtime) doc.runtime = { ...t.runtime };
    if (t.last_worker) doc.last_worker = t.last_worker;
    doc.status_changed = toDate(t.status_changed, status === 'created' ? undefined : created);
    if (!doc.status_changed) delete doc.status_changed;
    doc.last_update = toDate(t.last_update, doc.status_changed ?? created);
    doc.last_change = doc.last_update;
    const started = toDate(
      t.started,
      ['in_progress', 'completed', 'failed', 'stopped', 'published', 'closed'].includes(status) ? created : undefined,
    );
    if (started) doc.started = started;
    const completed = toDate(
      t.completed,
      ['completed', 'failed', 'stopped', 'published', 'closed'].includes(status) ? doc.status_changed : undefined,
    );
    if (completed) doc.completed = completed;
    if (doc.started && doc.completed) doc.active_duration = Math.floor((doc.completed.getTime() - doc.started.getTime()) / 1000);
    this.insertTask(doc);
    if (status === 'queued') {
      const q = t.queue ? (this.queues.get(t.queue) ?? this.queueByName(t.queue)) : this.defaultQueue();
      if (!q) throw new Error(`unknown queue in seed: ${t.queue}`);
      this.addToQueue(q.id, doc.id);
      doc.execution.queue = q.id;
      doc.enqueue_status = 'created';
    } else if (t.queue) {
      const q = this.queues.get(t.queue) ?? this.queueByName(t.queue);
      if (q) doc.execution.queue = q.id;
    }
    let ts = (doc.started ?? created).getTime();
    for (const msg of t.log ?? []) this.addLogEvent(doc.id, { msg, timestamp: ts++, worker: doc.last_worker ?? '<unknown>' });
    return doc;
  }

  // ---------------------------------------------------------------- scroll states

  scrollState(id: unknown): { id: string; position: number } {
    const now = Date.now();
    if (typeof id === 'string' && id) {
      const s = this.scrolls.get(id);
      if (s && s.expires > now) return { id, position: s.position };
    }
    // an unknown or expired scroll id silently starts a new scroll (RedisCacheManager)
    return { id: newId(), position: 0 };
  }

  saveScroll(id: string, position: number): void {
    const now = Date.now();
    if (this.scrolls.size > 5000) for (const [k, v] of this.scrolls) if (v.expires <= now) this.scrolls.delete(k);
    this.scrolls.set(id, { position, expires: now + 600_000 });
  }
}
