import { z } from 'zod';
import { callerSchema, isoDateSchema, pageOf, pageRequestSchema, publicIdSchema, uuidSchema } from './common';
import { defineBroadcast, defineRpc } from './contract';
import { AppError } from './errors';

/**
 * What a limit rule sets. A field left out is inherited from the next, less specific rule; `null`
 * lifts the limit (unlimited). Every field is per caller.
 */
export const limitValuesSchema = z
  .object({
    /** On-demand calls per second: the refill rate of a token bucket shared by every gateway replica. */
    calls_per_second: z.number().positive().max(1_000_000).nullable().optional(),
    /** The bucket's size: calls allowed at once after a quiet spell (default: one second's worth, at least 1). */
    burst: z.number().int().min(1).max(10_000_000).nullable().optional(),
    /** On-demand calls of the caller in flight at once, on each gateway replica. */
    max_in_flight: z.number().int().min(1).max(1_000_000).nullable().optional(),
    /** Runs started per UTC day; 0 refuses every run. */
    runs_per_day: z.number().int().min(0).max(10_000_000).nullable().optional(),
    /** Runs not finished yet (accepted, retrying, queued, in progress) at once; 0 refuses every run. */
    max_concurrent_runs: z.number().int().min(0).max(1_000_000).nullable().optional(),
    /**
     * Tokens (prompt and completion) of LLM endpoints per UTC day, as their answers reported them;
     * 0 refuses every LLM call. Checked before a call against what the call log has counted, so the
     * calls in flight when the quota is reached may pass it by their own tokens.
     */
    tokens_per_day: z.number().int().min(0).max(1_000_000_000_000).nullable().optional(),
  })
  .strict();
export type LimitValues = z.infer<typeof limitValuesSchema>;
export const LIMIT_FIELDS = Object.keys(limitValuesSchema.shape) as (keyof LimitValues)[];

/**
 * Where a rule applies. `role`: every caller whose highest Snap4City role it is; `user`: one caller;
 * `endpoint` / `task`: calls of that endpoint or runs of that task, by everyone or (with `user`) one caller.
 */
export const limitScopeSchema = z.enum(['role', 'user', 'endpoint', 'task']);
export type LimitScope = z.infer<typeof limitScopeSchema>;

const usernameSchema = z.string().min(1).max(255);

export const limitRuleInputSchema = z
  .object({
    scope: limitScopeSchema,
    /** The role name, the user name, the endpoint's id (uuid) or the task's id (uuid or public task_id). */
    subject: z.string().min(1).max(255),
    /** With scope endpoint or task: only this caller's calls or runs. */
    user: usernameSchema.nullish(),
    limits: limitValuesSchema,
    /** Why: kept in the audit record. */
    reason: z.string().trim().max(1000).optional(),
  })
  .strict();

export const limitRuleSchema = z.object({
  id: uuidSchema,
  scope: limitScopeSchema,
  subject: z.string(),
  user: z.string().nullable(),
  /** For endpoint rules: the machine's public id and the endpoint's name; for task rules: the public task_id. */
  target: z
    .object({ machine_id: publicIdSchema.optional(), endpoint: z.string().optional(), task_id: publicIdSchema.optional() })
    .nullable(),
  limits: limitValuesSchema,
  updated_by: z.string(),
  updated_at: isoDateSchema,
});
export type LimitRule = z.infer<typeof limitRuleSchema>;

export const limitRuleList = defineRpc(
  'registry.limits.list.v1',
  z.object({ caller: callerSchema, scope: limitScopeSchema.optional() }),
  z.object({ items: z.array(limitRuleSchema) }),
);
/** Creates the rule of (scope, subject, user) or replaces its limits. Administrators only. */
export const limitRuleSet = defineRpc(
  'registry.limits.set.v1',
  z.object({ caller: callerSchema, rule: limitRuleInputSchema }),
  limitRuleSchema,
);
export const limitRuleDelete = defineRpc(
  'registry.limits.delete.v1',
  z.object({ caller: callerSchema, id: uuidSchema, reason: z.string().trim().max(1000).optional() }),
  z.object({ deleted: z.literal(true), id: uuidSchema }),
);

export const suspensionSchema = z.object({
  username: z.string(),
  reason: z.string(),
  suspended_by: z.string(),
  suspended_at: isoDateSchema,
});
export type Suspension = z.infer<typeof suspensionSchema>;

/**
 * What the gateway enforces on every request, kept in its memory: every limit rule and every
 * suspended user. `version` grows with every change.
 */
export const policySnapshot = defineRpc(
  'registry.policy.snapshot.v1',
  z.object({}),
  z.object({ version: z.number().int(), rules: z.array(limitRuleSchema), suspended: z.array(suspensionSchema) }),
);

/** Sent after every change of a rule or a suspension: each gateway replica reads the snapshot again. */
export const policyChanged = defineBroadcast('registry.policy.changed.v1', z.object({ version: z.number().int(), at: isoDateSchema }));

export const userSuspend = defineRpc(
  'registry.user.suspend.v1',
  z.object({
    caller: callerSchema,
    username: usernameSchema,
    reason: z.string().trim().min(1).max(1000),
    /** Also stop the user's runs that are not finished (through ClearML). */
    stop_runs: z.boolean().default(false),
  }),
  suspensionSchema.extend({ runs_stopped: z.number().int() }),
);
export const userUnsuspend = defineRpc(
  'registry.user.unsuspend.v1',
  z.object({ caller: callerSchema, username: usernameSchema, reason: z.string().trim().max(1000).optional() }),
  z.object({ username: z.string(), lifted: z.literal(true) }),
);
export const suspensionList = defineRpc(
  'registry.suspension.list.v1',
  z.object({ caller: callerSchema }),
  z.object({ items: z.array(suspensionSchema) }),
);

export const AUDIT_ACTIONS = ['user.suspend', 'user.unsuspend', 'limits.set', 'limits.delete'] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);

/** Who did what to whom, when and why: every administrative action on users and limits. */
export const auditRecordSchema = z.object({
  id: uuidSchema,
  at: isoDateSchema,
  actor: z.string(),
  action: auditActionSchema,
  target: z.string(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export const auditFilterSchema = z.object({
  action: auditActionSchema.optional(),
  target: z.string().max(255).optional(),
  actor: z.string().max(255).optional(),
  since: isoDateSchema.optional(),
  until: isoDateSchema.optional(),
});
export const auditList = defineRpc(
  'registry.audit.list.v1',
  z.object({ caller: callerSchema, page: pageRequestSchema, filter: auditFilterSchema.default({}) }),
  pageOf(auditRecordSchema),
);

/** Only administrators read and change limits, suspensions and the audit log. */
export function assertAdmin(caller: { admin: boolean }): void {
  if (!caller.admin) throw new AppError('forbidden', 'only administrators may do this');
}

/** The key of an endpoint in limit rules and in the gateway: machine public id and endpoint name. */
export const endpointKey = (machineId: string, endpoint: string): string => `${machineId}/${endpoint}`;

/** Resolved limits: null is unlimited. */
export type EffectiveLimits = { [K in keyof LimitValues]-?: Exclude<LimitValues[K], undefined> };
export const UNLIMITED: EffectiveLimits = Object.freeze({
  calls_per_second: null,
  burst: null,
  max_in_flight: null,
  runs_per_day: null,
  max_concurrent_runs: null,
  tokens_per_day: null,
});

/** Rules indexed for lookups on the hot path. */
export class LimitIndex {
  private readonly byKey = new Map<string, LimitRule>();

  constructor(rules: readonly LimitRule[]) {
    for (const rule of rules) this.byKey.set(LimitIndex.key(rule.scope, LimitIndex.targetOf(rule), rule.user), rule);
  }

  get size(): number {
    return this.byKey.size;
  }

  private static targetOf(rule: LimitRule): string {
    if (rule.scope === 'endpoint' && rule.target?.machine_id && rule.target.endpoint)
      return endpointKey(rule.target.machine_id, rule.target.endpoint);
    if (rule.scope === 'task' && rule.target?.task_id) return rule.target.task_id;
    return rule.subject;
  }

  private static key(scope: LimitScope, target: string, user: string | null): string {
    return `${scope}\u0000${target}\u0000${user ?? ''}`;
  }

  /**
   * The limits for a caller, most specific rule first, field by field: the caller's own rule of
   * the endpoint or task, the endpoint's or task's rule for everyone, the caller's own rule, the
   * rule of the caller's highest role. `scoped` names the fields an endpoint or task rule set:
   * those are counted for that endpoint or task alone (a bucket of their own, the task's runs).
   */
  resolve(
    username: string,
    role: string,
    target?: { endpoint?: string; task?: string },
  ): { limits: EffectiveLimits; scoped: Partial<Record<keyof LimitValues, string>> } {
    const scopedRules: (LimitRule | undefined)[] = [];
    let scopeKey = '';
    if (target?.endpoint) {
      scopedRules.push(this.byKey.get(LimitIndex.key('endpoint', target.endpoint, username)));
      scopedRules.push(this.byKey.get(LimitIndex.key('endpoint', target.endpoint, null)));
      scopeKey = `e:${target.endpoint}`;
    } else if (target?.task) {
      scopedRules.push(this.byKey.get(LimitIndex.key('task', target.task, username)));
      scopedRules.push(this.byKey.get(LimitIndex.key('task', target.task, null)));
      scopeKey = `t:${target.task}`;
    }
    const chain = [
      ...scopedRules,
      this.byKey.get(LimitIndex.key('user', username, null)),
      this.byKey.get(LimitIndex.key('role', role, null)),
    ];
    const limits = { ...UNLIMITED } as Record<keyof LimitValues, number | null>;
    const scoped: Partial<Record<keyof LimitValues, string>> = {};
    for (const field of LIMIT_FIELDS) {
      if (field === 'burst') continue;
      for (let i = 0; i < chain.length; i++) {
        const value = chain[i]?.limits[field];
        if (value !== undefined) {
          limits[field] = value;
          if (i < scopedRules.length) scoped[field] = scopeKey;
          // A rate and its burst go together: the burst of the rule that set the rate, else one second's worth.
          if (field === 'calls_per_second')
            limits.burst = value === null ? null : (chain[i]!.limits.burst ?? Math.max(1, Math.ceil(value)));
          break;
        }
      }
    }
    return { limits: limits as EffectiveLimits, scoped };
  }
}
