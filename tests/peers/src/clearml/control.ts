/**
 * Test control of the peer: latency, fault injection, token revocation, forced task statuses,
 * agents, console output. The same operations are exposed over HTTP under /__peer/.
 */
import type { AgentPool } from './agents';
import type { TokenSigner } from './jwt';
import { PeerStore, toWire } from './store';
import { TASK_STATUSES, TaskStatus } from './types';
import type { MachineStats } from './worker-stats';

export interface FailSpec {
  /** HTTP status to answer with (500 answers with the server envelope, 502/503/504 like a proxy). */
  status: number;
  /** How many calls fail (default 1). */
  times?: number;
  /** Envelope result_subcode (default 0). */
  subcode?: number;
  /** Envelope result_msg / text body. */
  message?: string;
  /** Body shape: the API envelope, a plain text page, or nothing. Default: envelope for 4xx/500, text otherwise. */
  body?: 'envelope' | 'text' | 'empty';
}

export interface ResetSpec {
  times?: number;
  /** Reset the connection before the call is processed (default: after, so its effect is kept). */
  before?: boolean;
}

export interface AppendLogOptions {
  level?: string;
  worker?: string;
  /** Event timestamp (epoch ms, server clock). Default: now. */
  timestamp?: number;
  /** Lines per event (default: all lines in one event, joined by '\n'). */
  perEvent?: number;
}

/** An API answer other than 200, as the client received it. */
export interface PeerFailure {
  endpoint: string;
  /** The version the client asked for (path prefix, or the server's maximum). */
  version: string;
  status: number;
  subcode: number;
  message: string;
}

/** How many failed answers `failures()` keeps (the most recent). */
const MAX_FAILURES = 200;

interface Pending<T> {
  spec: T;
  remaining: number;
}

export class PeerControl {
  latencyMs: number;
  private readonly faults = new Map<string, Pending<FailSpec>>();
  private readonly resets = new Map<string, Pending<ResetSpec>>();
  private readonly counts = new Map<string, number>();
  private readonly failed: PeerFailure[] = [];
  private writes = 0;

  constructor(
    private readonly store: PeerStore,
    private readonly signer: TokenSigner,
    private readonly agents: AgentPool | undefined,
    latencyMs: number,
    private readonly isWrite: (endpoint: string) => boolean,
  ) {
    this.latencyMs = latencyMs;
  }

  // ---------------------------------------------------------------- counters

  /** Called by the server for every API call (after path parsing). */
  count(endpoint: string): void {
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    if (this.isWrite(endpoint)) this.writes++;
  }

  calls(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  writeCalls(): number {
    return this.writes;
  }

  /** Called by the server for every API answer other than 200 (envelope or not). */
  recordFailure(failure: PeerFailure): void {
    this.failed.push(failure);
    if (this.failed.length > MAX_FAILURES) this.failed.shift();
  }

  /** The most recent answers other than 200, oldest first: what a client saw go wrong. */
  failures(): PeerFailure[] {
    return this.failed.map((f) => ({ ...f }));
  }

  resetCalls(): void {
    this.counts.clear();
    this.failed.length = 0;
    this.writes = 0;
  }

  // ---------------------------------------------------------------- faults

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  setClockSkew(ms: number): void {
    this.store.clock.skewMs = ms;
  }

  /** The next `times` calls to `endpoint` ('*' for any) fail with `status` before being processed. */
  failNext(endpoint: string, spec: FailSpec): void {
    this.faults.set(endpoint, { spec, remaining: spec.times ?? 1 });
  }

  /** The next call to `endpoint` ('*' for any) has its connection reset (after processing by default). */
  resetAfterNext(endpoint: string, spec: ResetSpec = {}): void {
    this.resets.set(endpoint, { spec, remaining: spec.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.clear();
    this.resets.clear();
  }

  private take<T>(map: Map<string, Pending<T>>, endpoint: string, filter: (s: T) => boolean = () => true): T | undefined {
    for (const key of [endpoint, '*']) {
      const p = map.get(key);
      if (!p || !filter(p.spec)) continue;
      if (--p.remaining <= 0) map.delete(key);
      return p.spec;
    }
    return undefined;
  }

  takeFault(endpoint: string): FailSpec | undefined {
    return this.take(this.faults, endpoint);
  }

  takeReset(endpoint: string, before: boolean): ResetSpec | undefined {
    return this.take(this.resets, endpoint, (s) => !!s.before === before);
  }

  // ---------------------------------------------------------------- tokens

  /** Invalidate every token issued so far (the server's token secret changes); clients must log in again. */
  revokeTokens(): void {
    this.signer.rotate();
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Force a task into any status, bypassing the state machine (as if set directly in the database):
   * status fields and timestamps are updated, queue membership follows the new status.
   */
  setTaskStatus(taskId: string, status: TaskStatus, reason?: string, message?: string): unknown {
    if (!(TASK_STATUSES as readonly string[]).includes(status)) throw new Error(`unknown task status: ${status}`);
    const store = this.store;
    const task = store.tasks.get(taskId);
    if (!task) throw new Error(`unknown task: ${taskId}`);
    const previous = task.status;
    const now = store.clock.date();
    if (status !== 'queued') store.removeFromAllQueues(taskId);
    task.status = status;
    if (reason !== undefined) task.status_reason = reason;
    else delete task.status_reason;
    if (message !== undefined) task.status_message = message;
    else delete task.status_message;
    task.status_changed = now;
    store.setLastUpdate(task, undefined, now);
    if (status === 'in_progress' && (!task.started || previous !== 'in_progress')) {
      task.started = now;
      delete task.completed;
      delete task.active_duration;
    }
    if (['completed', 'failed', 'stopped', 'closed'].includes(status)) {
      if (!task.started) task.started = now;
      task.completed = now;
      task.active_duration = Math.floor((now.getTime() - task.started.getTime()) / 1000);
    }
    if (status === 'published') task.published = now;
    if (status === 'queued') {
      const queueId =
        typeof task.execution.queue === 'string' && store.queues.has(task.execution.queue) ? task.execution.queue : store.defaultQueue().id;
      if (!store.queuesOfTask(taskId).length) store.addToQueue(queueId, taskId);
      task.execution.queue = queueId;
      if (previous !== 'queued') task.enqueue_status = previous;
    }
    store.touchProject(task.project);
    return toWire(task);
  }

  /** Append console output to a task (as events.add_batch with task_log events). */
  appendLog(taskId: string, lines: string | string[], opts: AppendLogOptions = {}): number {
    const task = this.store.tasks.get(taskId);
    if (!task) throw new Error(`unknown task: ${taskId}`);
    const list = Array.isArray(lines) ? lines : [lines];
    const per = opts.perEvent && opts.perEvent > 0 ? opts.perEvent : Math.max(1, list.length);
    const existing = this.store.logs.get(taskId);
    // without an explicit timestamp, successive events get distinct, increasing timestamps
    let ts = opts.timestamp ?? Math.max(this.store.clock.now(), (existing?.[existing.length - 1]?.timestamp ?? 0) + 1);
    let events = 0;
    for (let i = 0; i < list.length; i += per) {
      this.store.addLogEvent(taskId, {
        msg: list.slice(i, i + per).join('\n'),
        level: opts.level ?? 'info',
        worker: opts.worker ?? task.last_worker ?? '<unknown>',
        timestamp: ts++,
      });
      events++;
    }
    this.store.setLastUpdate(task, undefined);
    return events;
  }

  // ---------------------------------------------------------------- agents

  pauseAgents(): void {
    this.agents?.pause();
  }

  resumeAgents(): void {
    this.agents?.resume();
  }

  /** What the machine statistics of the matching simulated workers say from their next report on (null: their own again). */
  setMachineStats(worker: string | RegExp, stats: MachineStats | null): void {
    this.agents?.overrideStats(worker, stats);
  }

  /** Running tasks by worker id. */
  runningTasks(): Record<string, string> {
    return this.agents?.running() ?? {};
  }
}
