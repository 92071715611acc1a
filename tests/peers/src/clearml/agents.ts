/**
 * Simulated clearml-agent workers. Each worker listens on one queue, pops tasks in FIFO order
 * (queues.get_next_task), marks them started (tasks.started with force, status_message
 * "launch by agent"), prints console output as log events over the scripted run time while
 * iterations advance, and ends the task completed or failed as clearml-agent does
 * ("worker execution done" / "worker execution exit code 1"). A task whose status_message becomes
 * "stopping" (tasks.stop) is aborted and set to stopped ("task was stopped by tasks.stop"); a task
 * whose status is changed by someone else (reset, forced status) is abandoned silently.
 */
import { PeerStore, WorkerInfo } from './store';
import { changeStatus } from './status';
import { AgentsOptions, MachineProfile, QueueDoc, ScriptRule, TaskDoc, TaskScript } from './types';
import { MachineStats } from './worker-stats';

export const DEFAULT_MACHINE: MachineProfile = {
  cpus: 8,
  gpus: 1,
  memoryMb: 32_768,
  gpuMemoryMb: 16_160,
  diskFreeHomePct: 62,
  busyCpuPct: 71,
  busyGpuPct: 87,
  busyMemoryMb: 9_216,
  busyGpuMemoryMb: 9_830,
};
const IDLE_MEMORY_MB = 1_900;
const IDLE_GPU_MEMORY_MB = 310;

export const DEFAULT_SCRIPT: TaskScript = {
  durationMs: 1000,
  outcome: 'completed',
  lines: 12,
  iterations: 10,
  linesPerEvent: 3,
  failMessage: 'RuntimeError: simulated failure',
};

/** Hyperparameter names (any section, "General" first) that override the script of a task. */
export const SCRIPT_PARAMS: Record<string, keyof TaskScript> = {
  peer_duration_ms: 'durationMs',
  peer_outcome: 'outcome',
  peer_lines: 'lines',
  peer_iterations: 'iterations',
  peer_lines_per_event: 'linesPerEvent',
  peer_fail_message: 'failMessage',
};

/** Configuration item holding a JSON script, e.g. {"durationMs": 200, "outcome": "failed"}. */
export const SCRIPT_CONFIGURATION = 'peer_script';

function coerceScript(partial: Record<string, unknown>): Partial<TaskScript> {
  const out: Partial<TaskScript> = {};
  for (const key of ['durationMs', 'lines', 'iterations', 'linesPerEvent'] as const) {
    const v = partial[key];
    if (v !== undefined && v !== null && v !== '' && Number.isFinite(Number(v))) out[key] = Math.max(0, Math.floor(Number(v)));
  }
  if (partial.outcome === 'completed' || partial.outcome === 'failed') out.outcome = partial.outcome;
  if (typeof partial.failMessage === 'string') out.failMessage = partial.failMessage;
  return out;
}

/** The script a task runs with: default < peer option < name rule < configuration < hyperparameters. */
export function resolveScript(task: TaskDoc, opts: { script?: Partial<TaskScript>; rules?: ScriptRule[] }): TaskScript {
  const script: TaskScript = { ...DEFAULT_SCRIPT, ...coerceScript(opts.script ?? {}) };
  const rule = (opts.rules ?? []).find((r) => (typeof r.name === 'string' ? r.name === task.name : r.name.test(task.name)));
  if (rule) Object.assign(script, coerceScript(rule.script as Record<string, unknown>));
  const conf = task.configuration?.[SCRIPT_CONFIGURATION];
  if (conf && typeof conf.value === 'string') {
    try {
      Object.assign(script, coerceScript(JSON.parse(conf.value) as Record<string, unknown>));
    } catch {
      // not JSON: ignored
    }
  }
  const sections = Object.keys(task.hyperparams ?? {}).sort((a, b) => (a === 'General' ? -1 : b === 'General' ? 1 : 0));
  const fromParams: Record<string, unknown> = {};
  for (const section of [...sections].reverse()) {
    for (const [name, key] of Object.entries(SCRIPT_PARAMS)) {
      const item = task.hyperparams[section]?.[name];
      if (item && item.value !== undefined) fromParams[key] = item.value;
    }
  }
  Object.assign(script, coerceScript(fromParams));
  return script;
}

interface Run {
  taskId: string;
  script: TaskScript;
  startedAt: number;
  eventTimes: number[];
  emitted: number;
  linesEmitted: number;
  lastTs: number;
}

interface SimWorker {
  info: WorkerInfo;
  queueId: string;
  run?: Run;
  machine: MachineProfile;
  /** Server time of the last status report with machine statistics. */
  statsAt: number;
  /** Replaces what the machine reports (a test forcing a full disk or memory). */
  override?: MachineStats;
}

export class AgentPool {
  private readonly workers = new Map<string, SimWorker>();
  private timer?: NodeJS.Timeout;
  private paused: boolean;
  private readonly host: string;

  constructor(
    private readonly store: PeerStore,
    private readonly opts: AgentsOptions,
  ) {
    this.paused = !!opts.paused;
    this.host = opts.host ?? 'peer-agent';
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.pollIntervalMs ?? 20);
    this.timer.unref();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.tick();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Tasks currently being run, by worker id. */
  running(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, w] of this.workers) if (w.run) out[id] = w.run.taskId;
    return out;
  }

  private workerCount(q: QueueDoc): number {
    if (this.opts.queues && !this.opts.queues.includes(q.name)) return 0;
    const w = this.opts.workers;
    if (w === undefined) return 1;
    if (typeof w === 'number') return w;
    return w[q.name] ?? 0;
  }

  private ensureWorkers(): void {
    const userId = [...this.store.credentials.values()][0]?.userId ?? [...this.store.users.keys()][0] ?? 'agent';
    for (const q of this.store.queues.values()) {
      const n = this.workerCount(q);
      for (let i = 0; i < n; i++) {
        const id = `${this.host}-${q.name}:${i}`;
        if (this.workers.has(id)) continue;
        const now = this.store.clock.date();
        const info: WorkerInfo = {
          id,
          userId,
          ip: '127.0.0.1',
          queues: [q.id],
          registerTime: now,
          lastActivityTime: now,
          lastReportTime: now,
        };
        this.store.workers.set(id, info);
        this.workers.set(id, { info, queueId: q.id, machine: this.machineOf(q.name), statsAt: 0 });
      }
    }
  }

  /** One polling round: every worker reports, advances its run or pops its queue. */
  tick(): void {
    this.ensureWorkers();
    for (const w of this.workers.values()) {
      if (!this.store.queues.has(w.queueId)) continue;
      const now = this.store.clock.date();
      w.info.lastActivityTime = now;
      w.info.lastReportTime = now;
      if (w.run) this.advance(w);
      else if (!this.paused) this.pick(w);
      this.reportStats(w, now.getTime());
    }
  }

  /** What the next reports of matching workers say instead (merged over the machine's own figures); null clears it. */
  overrideStats(worker: string | RegExp, stats: MachineStats | null): void {
    for (const w of this.workers.values()) {
      if (typeof worker === 'string' ? w.info.id === worker : worker.test(w.info.id)) w.override = stats ?? undefined;
    }
  }

  private machineOf(queue: string): MachineProfile {
    const m = this.opts.machine;
    if (!m) return DEFAULT_MACHINE;
    const perQueue = Object.values(m).some((v) => typeof v === 'object');
    return { ...DEFAULT_MACHINE, ...(perQueue ? (m as Record<string, Partial<MachineProfile>>)[queue] : (m as Partial<MachineProfile>)) };
  }

  /**
   * The status report clearml-agent sends every few seconds with the machine's statistics
   * (cpu and gpu use per core and card, memory, GPU memory, free disk), busier while it runs a task.
   */
  private reportStats(w: SimWorker, now: number): void {
    const interval = this.opts.statsIntervalMs ?? 10_000;
    if (interval <= 0 || now - w.statsAt < interval) return;
    w.statsAt = now;
    const m = w.machine;
    const busy = !!w.run;
    const wobble = (i: number) => Math.sin(now / 7_000 + i) * 2.5;
    const stats: MachineStats = {
      cpu_usage: Array.from({ length: m.cpus }, (_, i) => Math.max(0, (busy ? m.busyCpuPct : 2.5) + wobble(i))),
      memory_used: busy ? m.busyMemoryMb : IDLE_MEMORY_MB,
      memory_free: m.memoryMb - (busy ? m.busyMemoryMb : IDLE_MEMORY_MB),
      disk_free_home: m.diskFreeHomePct,
      disk_free_temp: m.diskFreeHomePct,
      network_rx: busy ? 1.2 : 0.01,
      network_tx: busy ? 0.4 : 0.01,
      ...(m.gpus > 0
        ? {
            gpu_usage: Array.from({ length: m.gpus }, (_, i) => (busy ? Math.min(100, m.busyGpuPct + wobble(i)) : 0)),
            gpu_memory_used: Array.from({ length: m.gpus }, () => (busy ? m.busyGpuMemoryMb : IDLE_GPU_MEMORY_MB)),
            gpu_memory_free: Array.from({ length: m.gpus }, () => m.gpuMemoryMb - (busy ? m.busyGpuMemoryMb : IDLE_GPU_MEMORY_MB)),
            gpu_temperature: Array.from({ length: m.gpus }, () => (busy ? 71 : 38)),
          }
        : {}),
      ...w.override,
    };
    this.store.addMachineStats(w.info.id, now, w.run?.taskId ?? null, stats);
  }

  private pick(w: SimWorker): void {
    const entry = this.store.popQueue(w.queueId);
    if (!entry) return;
    const task = this.store.tasks.get(entry.task);
    if (!task) return;
    // queues.get_next_task puts a task that was aborted after being queued back to "queued"
    if (task.status === 'stopped') task.status = 'queued';
    const now = this.store.clock.date();
    const restart = task.status === 'in_progress' && task.started;
    changeStatus(this.store, task, {
      newStatus: 'in_progress',
      statusMessage: 'launch by agent',
      force: true,
      userId: w.info.userId,
      set: { ...(restart ? {} : { started: now }), last_worker: w.info.id, last_worker_report: now },
      unset: restart ? [] : ['completed', 'active_duration'],
    });
    const script = resolveScript(task, this.opts);
    const events = Math.ceil(script.lines / Math.max(1, script.linesPerEvent));
    const startedAt = Date.now();
    w.run = {
      taskId: task.id,
      script,
      startedAt,
      eventTimes: Array.from({ length: events }, (_, i) => startedAt + (script.durationMs * (i + 1)) / (events + 1)),
      emitted: 0,
      linesEmitted: 0,
      lastTs: 0,
    };
    w.info.task = task.id;
    w.info.queue = w.queueId;
    const queue = this.store.queues.get(w.queueId);
    this.log(w, task, `Running task id [${task.id}]:\nWorker ${w.info.id} pulled the task from queue ${queue?.name ?? w.queueId}`, 'info');
  }

  private log(w: SimWorker, task: TaskDoc, msg: string, level: string): void {
    const run = w.run!;
    const ts = Math.max(this.store.clock.now(), run.lastTs + 1);
    run.lastTs = ts;
    this.store.addLogEvent(task.id, { msg, level, worker: w.info.id, timestamp: ts });
    this.store.setLastUpdate(task, w.info.userId);
    task.last_worker_report = this.store.clock.date();
  }

  private end(w: SimWorker): void {
    w.run = undefined;
    w.info.task = undefined;
    w.info.queue = undefined;
  }

  private advance(w: SimWorker): void {
    const run = w.run!;
    const task = this.store.tasks.get(run.taskId);
    // status changed by someone else (reset, dequeue, forced status): the process is terminated
    if (!task || task.status !== 'in_progress') return this.end(w);
    if ((task.status_message ?? '').includes('stopping')) {
      this.log(w, task, 'User aborted: stopping task (1)', 'error');
      this.log(w, task, 'Process aborted by user', 'info');
      this.finish(w, task, 'stopped', 'task was stopped by tasks.stop');
      return this.end(w);
    }
    const now = Date.now();
    const { script } = run;
    while (run.emitted < run.eventTimes.length && now >= run.eventTimes[run.emitted]) {
      const count = Math.min(script.linesPerEvent, script.lines - run.linesEmitted);
      const iteration = Math.round((script.iterations * (run.emitted + 1)) / run.eventTimes.length);
      const lines: string[] = [];
      for (let i = 0; i < count; i++) {
        const n = run.linesEmitted + i + 1;
        lines.push(`[iteration ${iteration}/${script.iterations}] step ${n}/${script.lines} loss=${(1 / (1 + n)).toFixed(4)}`);
      }
      run.linesEmitted += count;
      run.emitted++;
      task.last_iteration = Math.max(task.last_iteration, iteration);
      this.log(w, task, lines.join('\n'), 'info');
    }
    if (now - run.startedAt < script.durationMs || run.emitted < run.eventTimes.length) return;
    if (script.outcome === 'completed') {
      this.log(w, task, 'Process completed successfully', 'info');
      this.finish(w, task, 'completed', 'worker execution done');
    } else {
      this.log(w, task, `Traceback (most recent call last):\n  File "main.py", line 42, in <module>\n${script.failMessage}`, 'error');
      this.log(w, task, 'Process failed, exit code 1', 'info');
      this.finish(w, task, 'failed', 'worker execution exit code 1');
    }
    this.end(w);
  }

  /** The agent's own terminal status change, as the real agent reports it when the process ends. */
  private finish(w: SimWorker, task: TaskDoc, newStatus: 'stopped' | 'completed' | 'failed', statusReason: string): void {
    changeStatus(this.store, task, {
      newStatus,
      statusReason,
      statusMessage: `Changed by clearml-agent ${w.info.id}`,
      userId: w.info.userId,
      set: { completed: this.store.clock.date() },
    });
  }
}
