import { Injectable } from '@nestjs/common';
import {
  auditList,
  limitRuleDelete,
  limitRuleList,
  limitRuleSet,
  policySnapshot,
  RpcParsed as Req,
  suspensionList,
  userSuspend,
  userUnsuspend,
} from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { PolicyService } from './policy.service';

@Injectable()
export class PolicyHandlers {
  constructor(private readonly policy: PolicyService) {}

  @RpcHandler(policySnapshot)
  snapshot() {
    return this.policy.snapshot();
  }

  @RpcHandler(limitRuleList)
  list({ caller, scope }: Req<typeof limitRuleList>) {
    return this.policy.listRules(caller, scope);
  }

  @RpcHandler(limitRuleSet)
  set({ caller, rule }: Req<typeof limitRuleSet>) {
    return this.policy.setRule(caller, rule);
  }

  @RpcHandler(limitRuleDelete)
  delete({ caller, id, reason }: Req<typeof limitRuleDelete>) {
    return this.policy.deleteRule(caller, id, reason);
  }

  @RpcHandler(userSuspend)
  suspend({ caller, username, reason, stop_runs }: Req<typeof userSuspend>) {
    return this.policy.suspend(caller, username, reason, stop_runs);
  }

  @RpcHandler(userUnsuspend)
  unsuspend({ caller, username, reason }: Req<typeof userUnsuspend>) {
    return this.policy.unsuspend(caller, username, reason);
  }

  @RpcHandler(suspensionList)
  suspensions({ caller }: Req<typeof suspensionList>) {
    return this.policy.listSuspensions(caller);
  }

  @RpcHandler(auditList)
  audit({ caller, filter, page }: Req<typeof auditList>) {
    return this.policy.audit(caller, filter, page);
  }
}
