import { CLEARGATE_TAG } from '@cleargate/contracts';
import { AlertRule } from '../config';

/** What the rules look at, taken from the task as the monitor saw it. */
export interface ObservedTask {
  id: string;
  name: string;
  status: string;
  projectName: string | null;
  queueName: string | null;
  user: string | null;
  systemTags: string[];
  lastIteration: number | null;
}

function matchesName(patterns: string[], value: string | null): boolean {
  if (!patterns.length) return true;
  if (value === null) return false;
  return patterns.some((p) => {
    const regex = /^\/(.*)\/([a-z]*)$/.exec(p);
    return regex ? new RegExp(regex[1]!, regex[2]).test(value) : p === value;
  });
}

/** The first rule the task matches, or null. */
export function matchRule(rules: AlertRule[], task: ObservedTask): AlertRule | null {
  for (const rule of rules) {
    if (!rule.statuses.includes(task.status as AlertRule['statuses'][number])) continue;
    if (!rule.include_manual && task.systemTags.includes('development')) continue;
    if (rule.cleargate_runs_only && !task.systemTags.includes(CLEARGATE_TAG)) continue;
    if ((task.lastIteration ?? 0) < rule.min_iterations) continue;
    if (!matchesName(rule.projects, task.projectName)) continue;
    if (!matchesName(rule.queues, task.queueName)) continue;
    if (rule.users.length && (!task.user || !rule.users.includes(task.user))) continue;
    return rule;
  }
  return null;
}

export function defaultSeverity(status: string): 'info' | 'warning' | 'critical' {
  return status === 'failed' ? 'critical' : status === 'stopped' ? 'warning' : 'info';
}
