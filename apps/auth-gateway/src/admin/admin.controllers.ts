import { Controller, Delete, Get, Put } from '@nestjs/common';
import { z } from 'zod';
import {
  auditFilterSchema,
  auditList,
  auditRecordSchema,
  Caller,
  limitRuleDelete,
  limitRuleInputSchema,
  limitRuleList,
  limitRuleSchema,
  limitRuleSet,
  limitScopeSchema,
  pageOf,
  pageRequestSchema,
  suspensionList,
  suspensionSchema,
  userSuspend,
  userUnsuspend,
  uuidSchema,
} from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { Input, pageAndFilter } from '../http/input';
import { PolicyCache } from '../limits/policy-cache';
import { Doc } from '../openapi/doc.decorator';

const reasonQuery = z.object({ reason: z.string().trim().max(1000).optional().describe('Why: kept in the audit record') });
const usernameParams = z.object({ username: z.string().min(1).max(255) });
const suspendBody = z
  .object({
    reason: z.string().trim().min(1).max(1000).describe('Shown to the user with every refusal, and kept in the audit record'),
    stop_runs: z.boolean().default(false).describe("Also stop the user's runs that are not finished, through ClearML"),
  })
  .strict();
const auditQuery = auditFilterSchema.extend(pageRequestSchema.shape);

/**
 * Limits per role, user, endpoint and task (administrators). A change takes effect on every
 * gateway replica at once: the registry announces it and each replica reads the policy again.
 */
@Controller('v1/limits')
export class LimitsController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly policy: PolicyCache,
  ) {}

  @Get()
  @Auth({ level: 'admin' })
  @Doc({
    summary: 'List the limit rules',
    tags: ['limits'],
    query: z.object({ scope: limitScopeSchema.optional() }),
    responses: { 200: limitRuleList.response },
    auth: true,
  })
  list(@Input('query') { scope }: { scope?: z.infer<typeof limitScopeSchema> }, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(limitRuleList, { caller, ...(scope ? { scope } : {}) }, { correlationId: rid });
  }

  @Put()
  @Auth({ level: 'admin' })
  @Doc({
    summary: 'Set the limits of a role, a user, an endpoint or a task (creates the rule or replaces its limits)',
    description:
      'A field left out is inherited from the next rule (endpoint/task for the caller → endpoint/task → user → role); ' +
      '`null` lifts the limit. See the README, "Limits and usage".',
    tags: ['limits'],
    body: limitRuleInputSchema,
    responses: { 200: limitRuleSchema, 404: null },
    auth: true,
  })
  async set(@Input('body') rule: z.output<typeof limitRuleInputSchema>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    const saved = await this.rpc.request(limitRuleSet, { caller, rule }, { correlationId: rid });
    await this.policy.reload();
    return saved;
  }

  @Delete(':id')
  @Auth({ level: 'admin' })
  @Doc({
    summary: 'Delete a limit rule',
    tags: ['limits'],
    params: z.object({ id: uuidSchema }),
    query: reasonQuery,
    responses: { 200: limitRuleDelete.response, 404: null },
    auth: true,
  })
  async delete(
    @Input('params') { id }: { id: string },
    @Input('query') { reason }: z.output<typeof reasonQuery>,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
  ) {
    const deleted = await this.rpc.request(limitRuleDelete, { caller, id, ...(reason ? { reason } : {}) }, { correlationId: rid });
    await this.policy.reload();
    return deleted;
  }
}

/** Suspending and reinstating users, and the audit log of every such action (administrators). */
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly policy: PolicyCache,
  ) {}

  @Get('suspensions')
  @Auth({ level: 'admin' })
  @Doc({ summary: 'List suspended users', tags: ['admin'], responses: { 200: suspensionList.response }, auth: true })
  suspensions(@CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(suspensionList, { caller }, { correlationId: rid });
  }

  @Put('suspensions/:username')
  @Auth({ level: 'admin' })
  @Doc({
    summary: 'Suspend a user: every request of theirs is refused with 403 until the suspension is lifted',
    description: 'With `stop_runs`, their runs that are not finished are stopped through ClearML. The action is audited.',
    tags: ['admin'],
    params: usernameParams,
    body: suspendBody,
    responses: { 200: suspensionSchema.extend({ runs_stopped: z.number().int() }) },
    auth: true,
  })
  async suspend(
    @Input('params') { username }: z.output<typeof usernameParams>,
    @Input('body') body: z.output<typeof suspendBody>,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
  ) {
    const suspended = await this.rpc.request(userSuspend, { caller, username, ...body }, { correlationId: rid });
    await this.policy.reload();
    return suspended;
  }

  @Delete('suspensions/:username')
  @Auth({ level: 'admin' })
  @Doc({
    summary: "Lift a user's suspension",
    tags: ['admin'],
    params: usernameParams,
    query: reasonQuery,
    responses: { 200: userUnsuspend.response, 404: null },
    auth: true,
  })
  async unsuspend(
    @Input('params') { username }: z.output<typeof usernameParams>,
    @Input('query') { reason }: z.output<typeof reasonQuery>,
    @CurrentCaller() caller: Caller,
    @RequestId() rid: string,
  ) {
    const lifted = await this.rpc.request(userUnsuspend, { caller, username, ...(reason ? { reason } : {}) }, { correlationId: rid });
    await this.policy.reload();
    return lifted;
  }

  @Get('audit')
  @Auth({ level: 'admin' })
  @Doc({
    summary: 'The audit log: who suspended or reinstated whom and changed which limits, when and why (newest first)',
    tags: ['admin'],
    query: auditQuery,
    responses: { 200: pageOf(auditRecordSchema) },
    auth: true,
  })
  audit(@Input('query') query: z.output<typeof auditQuery>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
    return this.rpc.request(auditList, { caller, ...pageAndFilter(query) }, { correlationId: rid });
  }
}
