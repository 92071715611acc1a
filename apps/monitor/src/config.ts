import { z } from 'zod';
import { commonEnv, envBool, envInt, envJson, envUrl, loadConfig } from '@cleargate/config';
import { clearmlEnv } from '@cleargate/clearml';
import { clearmlTaskStatusSchema } from '@cleargate/contracts';

/** One alert rule: a task status change matching every given condition raises an alert. */
export const alertRuleSchema = z
  .object({
    name: z.string().min(1).max(100),
    statuses: z.array(clearmlTaskStatusSchema).min(1).default(['failed']),
    /** Project names; `/…/` is a regular expression. Empty: all projects. */
    projects: z.array(z.string().min(1).max(300)).default([]),
    /** ClearML user ids (the `user` field of a task). Empty: everyone. */
    users: z.array(z.string().min(1)).default([]),
    /** Queue names the task was enqueued on. Empty: all queues (and tasks run by hand). */
    queues: z.array(z.string().min(1)).default([]),
    /** Tasks run from a developer's machine carry the system tag `development`; skipped unless true. */
    include_manual: z.boolean().default(false),
    min_iterations: z.number().int().min(0).default(0),
    /** Only tasks that ClearGate cloned for a run (system tag `cleargate`). */
    cleargate_runs_only: z.boolean().default(false),
    severity: z.enum(['info', 'warning', 'critical']).optional(),
  })
  .strict();
export type AlertRule = z.infer<typeof alertRuleSchema>;

const durationSeconds = z.number().int().min(1);

export const monitorEnv = z.object({
  ...commonEnv,
  ...clearmlEnv,
  /** The web UI, for links to a task's log; derived from the API host when empty (api.→app., :8008→:8080). */
  CLEARML_WEB_HOST: envUrl(['http', 'https']).optional(),
  CLEARML_TIMEOUT_MS: envInt({ min: 100, max: 120_000, default: 10_000 }),
  MONITOR_POLL_INTERVAL_MS: envInt({ min: 100, max: 3_600_000, default: 10_000 }),
  /** Page size of tasks.get_all; the server caps it at 500. */
  MONITOR_PAGE_SIZE: envInt({ min: 1, max: 500, default: 500 }),
  MONITOR_LEASE_TTL_MS: envInt({ min: 1_000, max: 600_000, default: 20_000 }),
  /** Where a monitor without saved state starts: `now` (the server's latest change) or an ISO date. */
  MONITOR_START_FROM: z.union([z.literal('now'), z.iso.datetime({ offset: true })]).default('now'),
  MONITOR_ALERT_RULES: envJson(z.array(alertRuleSchema), '[{"name":"failed","statuses":["failed"]}]'),
  MONITOR_CONSOLE_LINES: envInt({ min: 0, max: 1000, default: 20 }),
  /** Longest running time per queue name, in seconds; `*` for any other queue. */
  MONITOR_RUNAWAY_LIMITS: envJson(z.record(z.string(), durationSeconds), '{}'),
  /** Stop a task past its limit (tasks.stop with a reason), besides alerting. */
  MONITOR_RUNAWAY_STOP: envBool(false),
  /** ClearML failing for this long raises an "unreachable" alert (and "recovered" when back). */
  MONITOR_UNREACHABLE_AFTER_MS: envInt({ min: 0, max: 86_400_000, default: 30_000 }),
  MONITOR_GAUGES_INTERVAL_MS: envInt({ min: 1_000, max: 3_600_000, default: 15_000 }),
  /** Workers whose machine statistics become metrics (the first by id); their ids are label values. */
  MONITOR_WORKER_METRICS_MAX: envInt({ min: 0, max: 5_000, default: 200 }),
});
export type MonitorConfig = z.infer<typeof monitorEnv>;
export const loadMonitorConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig('monitor', monitorEnv, env);
export const MONITOR_CONFIG = Symbol('MONITOR_CONFIG');
