import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { highestRole, isRole, ROLES } from '@cleargate/auth';
import {
  AppError,
  assertAdmin,
  Caller,
  LimitIndex,
  LimitRule,
  LimitScope,
  LimitValues,
  policyChanged,
  runStopRequested,
  Suspension,
  limitRuleInputSchema,
} from '@cleargate/contracts';
import { z } from 'zod';
import { awaitStreams, MessagePublisher, NatsService, subscribeEvents, SubscriptionHandle } from '@cleargate/messaging';
import { InjectLogger, Logger } from '@cleargate/observability';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { RunsRepository } from '../runs/runs.repository';
import { TasksRepository } from '../tasks/tasks.repository';
import { PolicyRepository } from './policy.repository';

const RESYNC_MS = 60_000;

/**
 * Limits per role, user, endpoint and task; suspensions; the audit log of every change to them.
 * Every change is committed with its audit record, then announced (`registry.policy.changed.v1`)
 * so that every gateway replica reads the policy again at once. The registry keeps the rules in
 * memory too, for the run quotas it enforces.
 */
@Injectable()
export class PolicyService implements OnModuleInit, OnModuleDestroy {
  private index = new LimitIndex([]);
  private loadedVersion = -1;
  private subscription?: SubscriptionHandle;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: PolicyRepository,
    private readonly endpoints: EndpointsRepository,
    private readonly tasks: TasksRepository,
    private readonly runs: RunsRepository,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsService,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await awaitStreams(this.nats, ['enqueue'], this.logger);
    this.subscription = subscribeEvents(this.nats, policyChanged, () => void this.reload(), this.logger);
    await this.reload();
    this.timer = setInterval(() => void this.reload(), RESYNC_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  /** The limits that apply to a caller's runs of a task (`scoped` fields count that task's runs alone). */
  runLimits(caller: Caller, taskPublicId: string) {
    return this.index.resolve(caller.username, highestRole(caller.roles), { task: taskPublicId });
  }

  async snapshot() {
    const [version, rules, suspended] = await Promise.all([
      this.repository.version(),
      this.repository.rules(),
      this.repository.suspensions(),
    ]);
    return { version, rules, suspended };
  }

  async listRules(caller: Caller, scope?: LimitScope) {
    assertAdmin(caller);
    return { items: await this.repository.rules(scope) };
  }

  async setRule(caller: Caller, input: z.output<typeof limitRuleInputSchema>): Promise<LimitRule> {
    assertAdmin(caller);
    const { scope, limits } = input;
    const user = input.user ?? null;
    if (user !== null && scope !== 'endpoint' && scope !== 'task') {
      throw new AppError('invalid_argument', '`user` narrows endpoint and task rules only', {
        issues: [{ path: 'body.user', message: 'not allowed for this scope' }],
      });
    }
    checkPair(limits);
    let subject = input.subject;
    let endpointId: string | null = null;
    let templateId: string | null = null;
    if (scope === 'role') {
      if (!isRole(subject)) throw invalidSubject(`a Snap4City role: ${ROLES.join(', ')}`);
    } else if (scope === 'endpoint') {
      const endpoint = /^[0-9a-f-]{36}$/i.test(subject) ? await this.endpoints.findById(subject) : null;
      if (!endpoint) throw AppError.notFound('endpoint', subject);
      subject = endpointId = endpoint.id;
    } else if (scope === 'task') {
      const template = await this.tasks.findByRef(subject.toLowerCase());
      if (!template) throw AppError.notFound('task', subject);
      subject = templateId = template.id;
    }
    const { rule, version } = await this.repository.transaction(async (tx) => {
      const id = await this.repository.upsertRule(tx, { scope, subject, user, endpointId, templateId, limits, actor: caller.username });
      const saved = (await this.repository.rule(tx, id))!;
      await this.repository.audit(tx, {
        actor: caller.username,
        action: 'limits.set',
        target: ruleTarget(saved),
        reason: input.reason ?? null,
        details: { rule_id: saved.id, scope, subject, user, limits },
      });
      return { rule: saved, version: await this.repository.nextVersion(tx) };
    });
    await this.announce(version);
    return rule;
  }

  async deleteRule(caller: Caller, id: string, reason?: string) {
    assertAdmin(caller);
    const version = await this.repository.transaction(async (tx) => {
      const rule = await this.repository.deleteRule(tx, id);
      if (!rule) throw AppError.notFound('limit rule', id);
      await this.repository.audit(tx, {
        actor: caller.username,
        action: 'limits.delete',
        target: ruleTarget(rule),
        reason: reason ?? null,
        details: { rule_id: rule.id, scope: rule.scope, subject: rule.subject, user: rule.user, limits: rule.limits },
      });
      return this.repository.nextVersion(tx);
    });
    await this.announce(version);
    return { deleted: true as const, id };
  }

  async suspend(caller: Caller, username: string, reason: string, stopRuns: boolean): Promise<Suspension & { runs_stopped: number }> {
    assertAdmin(caller);
    if (username === caller.username) throw new AppError('invalid_argument', 'administrators cannot suspend themselves');
    const active = stopRuns ? await this.runs.activeOf(username) : [];
    const { suspension, version } = await this.repository.transaction(async (tx) => {
      const suspension = await this.repository.suspend(tx, username, reason, caller.username);
      await this.repository.audit(tx, {
        actor: caller.username,
        action: 'user.suspend',
        target: username,
        reason,
        details: { stop_runs: stopRuns, runs: active.map((r) => r.id) },
      });
      return { suspension, version: await this.repository.nextVersion(tx) };
    });
    await this.announce(version);
    let stopped = 0;
    for (const run of active) {
      try {
        await this.publisher.publish(
          runStopRequested,
          { run_id: run.id, caller: username, reason: `user suspended: ${reason}`.slice(0, 1000), requested_at: new Date().toISOString() },
          { msgId: `stop:${run.id}` },
        );
        stopped++;
      } catch (err) {
        this.logger.warn({ err, run_id: run.id }, 'could not ask for a run of a suspended user to be stopped');
      }
    }
    this.logger.info({ username, actor: caller.username, runs_stopped: stopped }, 'user suspended');
    return { ...suspension, runs_stopped: stopped };
  }

  async unsuspend(caller: Caller, username: string, reason?: string) {
    assertAdmin(caller);
    const version = await this.repository.transaction(async (tx) => {
      if (!(await this.repository.unsuspend(tx, username))) throw AppError.notFound('suspension of user', username);
      await this.repository.audit(tx, {
        actor: caller.username,
        action: 'user.unsuspend',
        target: username,
        reason: reason ?? null,
        details: {},
      });
      return this.repository.nextVersion(tx);
    });
    await this.announce(version);
    this.logger.info({ username, actor: caller.username }, 'suspension lifted');
    return { username, lifted: true as const };
  }

  async listSuspensions(caller: Caller) {
    assertAdmin(caller);
    return { items: await this.repository.suspensions() };
  }

  /** Refuses a suspended caller (runs are also refused here, not only at the gateway). */
  async assertNotSuspended(username: string): Promise<void> {
    const suspension = await this.repository.isSuspended(username);
    if (suspension) throw suspendedError(suspension);
  }

  async audit(caller: Caller, filter: Parameters<PolicyRepository['auditPage']>[0], page: { limit: number; cursor?: string }) {
    assertAdmin(caller);
    return this.repository.auditPage(filter, page);
  }

  /**
   * Renames or deletes an endpoint or deletes a task (`change`): rules naming it change their key
   * at the gateways (or go with it, ON DELETE CASCADE), so when it had rules the policy version
   * moves and the gateways read the policy again.
   */
  async changingTarget<T>(target: { endpointId?: string; templateId?: string }, change: () => Promise<T>): Promise<T> {
    const hadRules = await this.repository.hasRulesFor(target);
    const result = await change();
    if (hadRules) await this.announce(await this.repository.transaction((tx) => this.repository.nextVersion(tx)));
    return result;
  }

  private async announce(version: number): Promise<void> {
    await this.reload();
    this.publisher.broadcast(policyChanged, { version, at: new Date().toISOString() });
  }

  private async reload(): Promise<void> {
    try {
      const version = await this.repository.version();
      if (version === this.loadedVersion) return;
      this.index = new LimitIndex(await this.repository.rules());
      this.loadedVersion = version;
    } catch (err) {
      this.logger.warn({ err }, 'could not read the limit rules; keeping the ones loaded');
    }
  }
}

/** The error every refusal of a suspended user carries, at the gateway and here. */
export function suspendedError(s: Pick<Suspension, 'reason'>): AppError {
  return new AppError('forbidden', `your account is suspended by an administrator: ${s.reason}`, { reason: 'suspended' });
}

function ruleTarget(rule: LimitRule): string {
  const what =
    rule.scope === 'endpoint' && rule.target?.endpoint
      ? `endpoint:${rule.target.machine_id}/${rule.target.endpoint}`
      : rule.scope === 'task' && rule.target?.task_id
        ? `task:${rule.target.task_id}`
        : `${rule.scope}:${rule.subject}`;
  return (rule.user ? `${what} user:${rule.user}` : what).slice(0, 255);
}

function checkPair(limits: LimitValues): void {
  if (limits.burst !== undefined && limits.burst !== null && (limits.calls_per_second === undefined || limits.calls_per_second === null)) {
    throw new AppError('invalid_argument', 'burst is the size of the calls_per_second bucket: set both in the same rule', {
      issues: [{ path: 'body.limits.burst', message: 'needs calls_per_second in the same rule' }],
    });
  }
}

function invalidSubject(expected: string): AppError {
  return new AppError('invalid_argument', `subject must be ${expected}`, {
    issues: [{ path: 'body.subject', message: `expected ${expected}` }],
  });
}
