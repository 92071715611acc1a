import { z } from 'zod';
import { isoDateSchema, uuidSchema } from '../common';
import { defineMessage } from '../contract';

/** ClearML's task statuses (API `task_status_enum`). */
export const CLEARML_TASK_STATUSES = [
  'created',
  'queued',
  'in_progress',
  'stopped',
  'published',
  'publishing',
  'closed',
  'failed',
  'completed',
  'unknown',
] as const;
export const clearmlTaskStatusSchema = z.enum(CLEARML_TASK_STATUSES);
export type ClearmlTaskStatus = z.infer<typeof clearmlTaskStatusSchema>;

/**
 * A task changed status in ClearML, as the monitor saw it. `status_changed` is the server's own
 * timestamp; (task_id, status, status_changed) identifies the change.
 */
export const taskStatusChanged = defineMessage(
  'clearml.task.status-changed.v1',
  'events',
  z.object({
    task_id: z.string(),
    name: z.string(),
    status: clearmlTaskStatusSchema,
    status_changed: isoDateSchema,
    status_reason: z.string().nullable(),
    status_message: z.string().nullable(),
    project_id: z.string().nullable(),
    project_name: z.string().nullable(),
    queue_id: z.string().nullable(),
    queue_name: z.string().nullable(),
    user: z.string().nullable(),
    system_tags: z.array(z.string()),
    last_iteration: z.number().int().nullable(),
    /** The ClearGate run this task is the clone of, if any. */
    run_id: uuidSchema.nullable(),
  }),
);

/** `prometheus`: an alert of the Prometheus rules, received from Alertmanager by the notifier. */
export const alertKindSchema = z.enum(['task_status', 'runaway', 'clearml_unreachable', 'clearml_recovered', 'prometheus']);
export type AlertKind = z.infer<typeof alertKindSchema>;

/**
 * An alert to deliver. The monitor decides that something deserves an alert; the notifier's
 * routing rules decide which channels get it. `alert_id` is deterministic (the same change
 * always yields the same id), so a repeated alert is delivered once.
 */
export const alertSchema = z.object({
  alert_id: z.string().min(1).max(200),
  kind: alertKindSchema,
  severity: z.enum(['info', 'warning', 'critical']),
  /** One line, e.g. "Task train_mnist_20250101_101010 failed". */
  title: z.string().max(500),
  at: isoDateSchema,
  task: z
    .object({
      id: z.string(),
      name: z.string(),
      status: clearmlTaskStatusSchema,
      project: z.string().nullable(),
      queue: z.string().nullable(),
      user: z.string().nullable(),
      status_reason: z.string().nullable(),
      /** The task's console log page in the ClearML web UI. */
      log_url: z.string().nullable(),
      run_id: uuidSchema.nullable(),
      /** Running time so far (runaway alerts). */
      running_seconds: z.number().nullable(),
    })
    .nullable(),
  /** The last console lines, oldest first. */
  console_lines: z.array(z.string()).max(1000),
  /** Details for alerts without a task (e.g. the ClearML API error). */
  details: z.string().max(4000).nullable(),
  /** Bounded values used by routing rules. */
  labels: z.record(z.string(), z.string()),
  /** Links shown under the summary (a runbook, a dashboard, the alert's source); http(s) only. */
  links: z
    .array(z.object({ label: z.string().min(1).max(100), url: z.string().max(2000) }))
    .max(10)
    .default([]),
});
export type Alert = z.infer<typeof alertSchema>;

export const alertRaised = defineMessage('alerts.notification.requested.v1', 'alerts', alertSchema);
