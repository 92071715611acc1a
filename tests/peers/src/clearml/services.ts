/**
 * auth.*, debug.*, server.*, queues.*, projects.*, workers.* and events.* endpoints.
 */
import { CallContext, EndpointDef, versionCmp } from './context';
import { ERR, apiError } from './errors';
import { PROJECT_QUERY, QUEUE_QUERY, getMany, project, splitProjection } from './query';
import { PeerStore, WorkerInfo, clone, toWire } from './store';
import { Doc, LogEvent, QueueDoc } from './types';
import { getStats, parseMachineStats } from './worker-stats';

// ------------------------------------------------------------------------------------ auth / debug / server

/** auth.login: a token for the authenticated identity; also sets the clearml_token_basic cookie. */
function login(ctx: CallContext): Doc {
  const requested = ctx.req.int('expiration_sec');
  const ttl = requested || ctx.env.defaultTokenTtlSec;
  const iat = Math.floor(ctx.store.clock.now() / 1000);
  const token = ctx.env.signer.sign({
    env: '<unknown>',
    identity: { ...ctx.identity },
    entities: {},
    iat,
    exp: iat + ttl,
    api_version: ctx.env.apiVersion,
    server_version: ctx.env.serverVersion,
    server_build: ctx.env.serverBuild,
    feature_set: 'basic',
  });
  ctx.cookies.clearml_token_basic = token;
  return { token };
}

/** debug.ping: the server's name, with whatever the request carried merged over it (services/debug.py). */
function ping(ctx: CallContext): Doc {
  return { msg: 'ClearML server', ...ctx.data };
}

/** server.info: uid from 2.8, api_version (instead of uid) from 2.12, as services/server/__init__.py. */
function serverInfo(ctx: CallContext): Doc {
  const data: Doc = { version: ctx.env.serverVersion, build: ctx.env.serverBuild, commit: ctx.env.serverCommit };
  if (versionCmp(ctx.version, [2, 12]) >= 0) data.api_version = ctx.env.apiVersion;
  else if (versionCmp(ctx.version, [2, 8]) >= 0) data.uid = ctx.env.serverUid;
  return data;
}

// ------------------------------------------------------------------------------------ queues

function queueEntriesSlice(q: Doc, max: number | undefined): Doc {
  if (max && Array.isArray(q.entries)) q.entries = (q.entries as unknown[]).slice(0, max);
  return q;
}

function getQueueById(ctx: CallContext): Doc {
  const id = ctx.req.str('queue', { required: true });
  const max = ctx.req.int('max_task_entries');
  const q = ctx.store.getQueueOrThrow(id);
  return { queue: toWire(queueEntriesSlice(clone(q), max)) };
}

function getDefaultQueue(ctx: CallContext): Doc {
  const q = ctx.store.defaultQueue();
  return { id: q.id, name: q.name };
}

function getAllQueues(ctx: CallContext): Doc {
  const max = ctx.req.int('max_task_entries');
  const ret: Doc = {};
  const { items } = getMany({ store: ctx.store, docs: ctx.store.queues.values(), params: ctx.data, options: QUEUE_QUERY, ret });
  return { queues: items.map((q) => toWire(queueEntriesSlice(q, max))), ...ret };
}

function runningTask(store: PeerStore, w: WorkerInfo): Doc | null {
  const t = w.task ? store.tasks.get(w.task) : undefined;
  if (!t) return null;
  return {
    id: t.id,
    name: t.name,
    ...(t.started ? { running_time: Math.max(0, store.clock.now() - t.started.getTime()) } : {}),
    last_iteration: t.last_iteration,
  };
}

/**
 * queues.get_all_ex: all queue fields (the request projection is overridden), entries joined with
 * the task name, and the workers listening on each queue.
 */
function getAllQueuesEx(ctx: CallContext): Doc {
  const max = ctx.req.int('max_task_entries');
  const ret: Doc = {};
  const { items } = getMany({
    store: ctx.store,
    docs: ctx.store.queues.values(),
    params: ctx.data,
    options: QUEUE_QUERY,
    projection: [],
    ret,
  });
  const out = items.map((item) => {
    queueEntriesSlice(item, max);
    item.company = { id: item.company };
    item.entries = (item.entries as Doc[]).map((e) => {
      const t = ctx.store.tasks.get(String(e.task));
      return { ...e, task: t ? { id: t.id, name: t.name } : { id: e.task } };
    });
    item.workers = [...ctx.store.workers.values()]
      .filter((w) => w.queues.includes(String(item.id)))
      .map((w) => ({ name: w.id, ip: w.ip, task: runningTask(ctx.store, w) }));
    return toWire(item);
  });
  return { queues: out, ...ret };
}

// ------------------------------------------------------------------------------------ projects

const PROJECT_EXCLUDE = ['path', 'company_origin', 'logo_blob'];

function getAllProjects(ctx: CallContext): Doc {
  const data = ctx.data;
  const hideHidden = !(data.search_hidden || (Array.isArray(data.id) ? data.id.length : data.id));
  const ret: Doc = {};
  const { items } = getMany({
    store: ctx.store,
    docs: ctx.store.projects.values(),
    params: data,
    options: PROJECT_QUERY,
    extra: hideHidden ? (p) => !p.system_tags.includes('hidden') : undefined,
    excludeByDefault: PROJECT_EXCLUDE,
    ret,
  });
  return { projects: items.map((p) => toWire(p)), ...ret };
}

function getProjectById(ctx: CallContext): Doc {
  const id = ctx.req.str('project', { required: true });
  const p = ctx.store.projects.get(id);
  if (!p) throw apiError(ERR.invalidProjectId, null, { id });
  const { include, exclude } = splitProjection([], PROJECT_EXCLUDE);
  return { project: toWire(project(p, include, exclude)) };
}

// ------------------------------------------------------------------------------------ workers

function queueEntry(store: PeerStore, q: QueueDoc | undefined, id: string): Doc {
  if (!q) return { id };
  const next = q.entries[0] ? store.tasks.get(q.entries[0].task) : undefined;
  return { id: q.id, name: q.name, ...(next ? { next_task: { id: next.id, name: next.name } } : {}), num_tasks: q.entries.length };
}

function getAllWorkers(ctx: CallContext): Doc {
  const lastSeen = ctx.req.int('last_seen', { default: 3600 }) ?? 3600;
  const store = ctx.store;
  const now = store.clock.now();
  const workers = [...store.workers.values()]
    .filter((w) => !lastSeen || now - w.lastActivityTime.getTime() <= lastSeen * 1000)
    .map((w) => {
      const user = store.users.get(w.userId);
      const task = runningTask(store, w);
      const t = w.task ? store.tasks.get(w.task) : undefined;
      const p = t?.project ? store.projects.get(t.project) : undefined;
      return {
        id: w.id,
        user: { id: w.userId, name: user?.name ?? w.userId },
        company: { id: store.company.id, name: store.company.name },
        ip: w.ip,
        register_time: w.registerTime,
        last_activity_time: w.lastActivityTime,
        last_report_time: w.lastReportTime,
        ...(task ? { task } : {}),
        ...(p ? { project: { id: p.id, name: p.name } } : {}),
        ...(w.queue ? { queue: queueEntry(store, store.queues.get(w.queue), w.queue) } : {}),
        queues: w.queues.map((id) => queueEntry(store, store.queues.get(id), id)),
        tags: [],
        system_tags: [],
        key: `worker_${store.company.id}_${w.id}`,
      };
    });
  return { workers: toWire(workers) };
}

/** workers.register: the worker's entry (replacing one of the same id); unknown queue ids are refused. */
function registerWorker(ctx: CallContext): Doc {
  const id = ctx.req.str('worker', { required: true });
  const queues = ctx.req.strList('queues') ?? [];
  const unknown = queues.filter((q) => !ctx.store.queues.has(q));
  if (unknown.length) throw apiError(ERR.invalidQueueId, null, { ids: unknown });
  const now = ctx.store.clock.date();
  ctx.store.workers.set(id, {
    id,
    userId: ctx.identity.user,
    ip: '127.0.0.1',
    queues,
    registerTime: now,
    lastActivityTime: now,
    lastReportTime: now,
  });
  return {};
}

/**
 * workers.status_report: the worker must be registered (400/1001 otherwise); `machine_stats` are
 * stored as worker_stats documents with the report's own `timestamp` (epoch ms from the agent);
 * `task` set or cleared, `queue` likewise, `queues` replaced when given.
 */
function statusReport(ctx: CallContext): Doc {
  const id = ctx.req.str('worker', { required: true });
  const timestamp = ctx.req.int('timestamp', { required: true })!;
  const worker = ctx.store.workers.get(id);
  if (!worker) throw apiError(ERR.invalidWorkerId, null, { worker: id });
  const task = ctx.req.str('task');
  if (task !== undefined) ctx.store.assertTask(task);
  const stats = parseMachineStats(ctx.data.machine_stats);
  if (Object.keys(stats).length) ctx.store.addMachineStats(id, timestamp, task ?? null, stats);
  const now = ctx.store.clock.date();
  worker.lastActivityTime = now;
  worker.lastReportTime = now;
  worker.task = task;
  worker.queue = ctx.req.str('queue');
  const queues = ctx.req.strList('queues');
  if (queues?.length) worker.queues = queues;
  if (task) {
    const t = ctx.store.tasks.get(task)!;
    t.last_worker = id;
    t.last_worker_report = now;
  }
  return {};
}

function getWorkerStats(ctx: CallContext): Doc {
  return getStats(ctx, ctx.store.workerStats);
}

// ------------------------------------------------------------------------------------ events

function lowerBound(list: LogEvent[], ts: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].timestamp < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(list: LogEvent[], ts: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].timestamp <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * events.get_task_log (2.9+, bll/event/events_iterator.py): newest first by default; paging anchor
 * from_timestamp (search_after on the timestamp); every event sharing the last returned timestamp is
 * included so that the next page loses nothing; total is the Elasticsearch hit count (max 10000).
 */
function getTaskLog(ctx: CallContext): Doc {
  const r = ctx.req;
  const id = r.str('task', { required: true });
  const batchSize = r.int('batch_size', { default: 5000 }) ?? 5000;
  const navigateEarlier = r.bool('navigate_earlier', true);
  const fromTs = r.float('from_timestamp');
  const order = r.str('order', { choices: ['asc', 'desc'] });
  const store = ctx.store;
  store.assertTask(id);
  if (store.logs.size === 0) return { events: [], returned: 0, total: 0 };
  const all = store.logs.get(id) ?? [];
  if (batchSize > 10000) {
    throw apiError(ERR.dataError, null, {
      err: `Result window is too large, from + size must be less than or equal to: [10000] but was [${batchSize}].`,
    });
  }
  const total = Math.min(all.length, 10000);
  const seq = (e: LogEvent): number => store.seqOf(e);
  let candidates: LogEvent[];
  // `all` is ordered by (timestamp, insertion); widen the window to whole timestamps so that ties are
  // ordered as Elasticsearch orders them (by index order)
  if (navigateEarlier) {
    const end = fromTs ? lowerBound(all, fromTs) : all.length;
    let start = Math.max(0, end - Math.max(batchSize, 0));
    if (start < end) start = lowerBound(all, all[start].timestamp);
    candidates = all.slice(start, end);
    candidates.sort((a, b) => b.timestamp - a.timestamp || seq(a) - seq(b));
  } else {
    const start = fromTs ? upperBound(all, fromTs) : 0;
    let end = Math.min(all.length, start + Math.max(batchSize, 0));
    if (end > start) end = upperBound(all, all[end - 1].timestamp);
    candidates = all.slice(start, end);
    candidates.sort((a, b) => a.timestamp - b.timestamp || seq(a) - seq(b));
  }
  const hits = batchSize > 0 ? candidates.slice(0, batchSize) : [];
  if (!hits.length) return { events: [], returned: 0, total };
  const lastTs = hits[hits.length - 1].timestamp;
  const sameTs = all.slice(lowerBound(all, lastTs), upperBound(all, lastTs)).sort((a, b) => seq(a) - seq(b));
  let events = hits;
  if (sameTs.length >= 2) {
    const present = new Set(hits);
    events = [...hits, ...sameTs.filter((e) => !present.has(e))];
  }
  if (order && ((navigateEarlier && order === 'asc') || (!navigateEarlier && order === 'desc'))) events = [...events].reverse();
  return { events: events.map((e) => ({ ...e })), returned: events.length, total };
}

export const OTHER_ENDPOINTS: EndpointDef[] = [
  { name: 'auth.login', minVersion: '1.0', handler: login },
  { name: 'debug.ping', minVersion: '1.0', handler: ping, authorize: false },
  { name: 'server.info', minVersion: '1.0', handler: serverInfo },
  { name: 'server.info', minVersion: '2.8', handler: serverInfo },
  { name: 'server.info', minVersion: '2.12', handler: serverInfo },
  { name: 'queues.get_by_id', minVersion: '2.4', handler: getQueueById },
  { name: 'queues.get_default', minVersion: '2.4', handler: getDefaultQueue },
  { name: 'queues.get_all', minVersion: '2.4', handler: getAllQueues },
  { name: 'queues.get_all_ex', minVersion: '2.4', handler: getAllQueuesEx },
  { name: 'projects.get_all', minVersion: '1.0', handler: getAllProjects },
  { name: 'projects.get_by_id', minVersion: '1.0', handler: getProjectById },
  { name: 'workers.get_all', minVersion: '2.4', handler: getAllWorkers },
  { name: 'workers.register', minVersion: '2.4', handler: registerWorker, write: true },
  { name: 'workers.status_report', minVersion: '2.4', handler: statusReport, write: true },
  { name: 'workers.get_stats', minVersion: '2.4', handler: getWorkerStats },
  { name: 'events.get_task_log', minVersion: '2.9', handler: getTaskLog },
];
