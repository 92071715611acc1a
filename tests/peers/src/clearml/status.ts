import { ERR, apiError } from './errors';
import { PeerStore } from './store';
import { Doc, TASK_STATUSES, TaskDoc, TaskStatus } from './types';

/** Remove a dotted path from a document. */
export function deletePath(doc: Doc, path: string): void {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (!cur || typeof cur !== 'object') return;
    cur = (cur as Doc)[p];
  }
  if (cur && typeof cur === 'object') delete (cur as Doc)[parts[parts.length - 1]];
}

/** apiserver/bll/task/utils.py state_machine */
export const STATE_MACHINE: Record<TaskStatus, ReadonlySet<TaskStatus>> = {
  created: new Set(['queued', 'in_progress']),
  queued: new Set(['created', 'in_progress', 'stopped']),
  in_progress: new Set(['stopped', 'failed', 'created', 'completed']),
  stopped: new Set(['closed', 'created', 'failed', 'queued', 'in_progress', 'published', 'publishing', 'completed']),
  closed: new Set(['created', 'failed', 'published', 'publishing', 'stopped']),
  failed: new Set(['created', 'stopped', 'published', 'queued']),
  publishing: new Set(['published']),
  published: new Set(),
  completed: new Set(['published', 'in_progress', 'created']),
  unknown: new Set(),
};

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value);
}

/** validate_status_change */
export function validateStatusChange(current: TaskStatus, next: TaskStatus): void {
  const allowed = STATE_MACHINE[current];
  if (!allowed) throw apiError(ERR.internalError, `Current status ${current} not supported by state machine`);
  if (!allowed.has(next)) {
    throw apiError(ERR.invalidTaskStatus, 'Invalid status change', { current_status: current, new_status: next });
  }
}

export interface ChangeStatusArgs {
  newStatus: TaskStatus;
  statusReason?: string | null;
  statusMessage?: string | null;
  force?: boolean;
  allowSameStateTransition?: boolean;
  currentStatusOverride?: TaskStatus;
  userId?: string | null;
  /** Extra fields set together with the status (returned in `fields`). */
  set?: Doc;
  /** Fields removed together with the status (not returned). */
  unset?: string[];
}

/**
 * ChangeStatusRequest.execute: validates the transition against the state machine (unless force),
 * then atomically sets status, status_reason, status_message, status_changed, last_update,
 * last_change, last_changed_by and the extra fields. Returns {updated, fields} as the endpoints do.
 */
export function changeStatus(store: PeerStore, task: TaskDoc, a: ChangeStatusArgs): { updated: number; fields: Doc } {
  const current = a.currentStatusOverride ?? task.status;
  if (!a.force) {
    if (a.newStatus !== current) validateStatusChange(current, a.newStatus);
    else if (a.allowSameStateTransition === false) {
      throw apiError(ERR.invalidTaskStatus, 'Task already in requested status', {
        current_status: current,
        new_status: a.newStatus,
      });
    }
  }
  // the update is conditioned on the expected current status
  if (task.status !== current) {
    throw apiError(ERR.failedChangingTaskStatus, null, {
      task_id: task.id,
      current_status: current,
      new_status: a.newStatus,
    });
  }
  const now = store.clock.date();
  const fields: Doc = {
    status: a.newStatus,
    status_reason: a.statusReason ?? null,
    status_message: a.statusMessage ?? null,
    status_changed: now,
    last_update: now,
    last_change: now,
    last_changed_by: a.userId ?? null,
    ...(a.set ?? {}),
  };
  for (const [k, v] of Object.entries(fields)) {
    if (v === null || v === undefined) delete task[k];
    else task[k] = v;
  }
  for (const path of a.unset ?? []) deletePath(task, path);
  if (a.newStatus === 'queued') task.system_tags = task.system_tags.filter((t) => t !== 'development');
  store.touchProject(task.project);
  return { updated: 1, fields };
}
