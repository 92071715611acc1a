import { z } from 'zod';
import { Alert, alertKindSchema, alertSchema, clearmlTaskStatusSchema } from '@cleargate/contracts';
import { channelNameSchema } from '../channels/channel-config';

const severitySchema = alertSchema.shape.severity;
type Severity = z.infer<typeof severitySchema>;
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** A single value or a non-empty list of them; always a list once parsed. */
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item.transform((v) => [v]), z.array(item).min(1)]);

const regexSchema = z.string().refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}, 'invalid regular expression');

/**
 * Everything given must hold (lists: any of the values). An empty match matches every alert.
 * A task field (`status`, `project`, `project_regex`) never matches an alert without a task.
 */
export const matchSchema = z.strictObject({
  kind: oneOrMany(alertKindSchema).optional(),
  severity: oneOrMany(severitySchema).optional(),
  min_severity: severitySchema.optional(),
  status: oneOrMany(clearmlTaskStatusSchema).optional(),
  /** Exact project names. */
  project: oneOrMany(z.string().min(1)).optional(),
  /** A JavaScript regular expression tested against the project name. */
  project_regex: regexSchema.optional(),
  /** Label name → exact value or list of values. */
  labels: z.record(z.string(), oneOrMany(z.string())).optional(),
});
export type RouteMatch = z.output<typeof matchSchema>;

export const routeSchema = z.strictObject({
  name: z.string().min(1).max(100),
  match: matchSchema.default({}),
  channels: z.array(channelNameSchema).min(1),
  /** Keep evaluating the following rules after this one matched (like Alertmanager's `continue`). */
  continue: z.boolean().default(false),
});
export type Route = z.output<typeof routeSchema>;

export const routesSchema = z.array(routeSchema).max(200);

/** `*` (every channel), `none`, or channel names separated by commas. */
export const defaultChannelsSchema = z
  .string()
  .trim()
  .transform((v) =>
    v === '*'
      ? '*'
      : v === 'none'
        ? []
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
  )
  .pipe(z.union([z.literal('*'), z.array(channelNameSchema)]));

export interface RoutingDecision {
  channels: string[];
  /** Names of the rules that matched; empty when the default route was used. */
  rules: string[];
}

const compiled = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) compiled.set(source, (re = new RegExp(source)));
  return re;
}

export function matches(match: RouteMatch, alert: Alert): boolean {
  if (match.kind && !match.kind.includes(alert.kind)) return false;
  if (match.severity && !match.severity.includes(alert.severity)) return false;
  if (match.min_severity && SEVERITY_RANK[alert.severity] < SEVERITY_RANK[match.min_severity]) return false;
  const task = alert.task;
  if (match.status && !(task && match.status.includes(task.status))) return false;
  if (match.project && !(task?.project && match.project.includes(task.project))) return false;
  if (match.project_regex && !(task?.project && regex(match.project_regex).test(task.project))) return false;
  for (const [label, values] of Object.entries(match.labels ?? {})) {
    const value = alert.labels[label];
    if (value === undefined || !values.includes(value)) return false;
  }
  return true;
}

/**
 * Decides which channels get an alert: rules in order, each matching rule adds its channels,
 * evaluation stops at the first match unless that rule says `continue`; an alert no rule
 * matched goes to the default channels.
 */
export class AlertRouter {
  private readonly defaults: string[];

  constructor(
    private readonly routes: Route[],
    defaults: string[] | '*',
    allChannels: string[],
  ) {
    this.defaults = defaults === '*' ? [...allChannels] : [...defaults];
  }

  route(alert: Alert): RoutingDecision {
    const channels = new Set<string>();
    const rules: string[] = [];
    for (const route of this.routes) {
      if (!matches(route.match, alert)) continue;
      rules.push(route.name);
      for (const c of route.channels) channels.add(c);
      if (!route.continue) break;
    }
    if (rules.length === 0) return { channels: [...this.defaults], rules };
    return { channels: [...channels], rules };
  }
}
