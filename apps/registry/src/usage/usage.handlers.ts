import { Injectable } from '@nestjs/common';
import { RpcParsed as Req, usageGet, usageToColumns, usageTokensToday } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

@Injectable()
export class UsageHandlers {
  constructor(
    private readonly usage: UsageService,
    private readonly repository: UsageRepository,
  ) {}

  @RpcHandler(usageGet)
  async get({ caller, ...query }: Req<typeof usageGet>) {
    return usageToColumns(await this.usage.get(caller, query));
  }

  @RpcHandler(usageTokensToday)
  async tokensToday({ username }: Req<typeof usageTokensToday>) {
    const day = new Date().toISOString().slice(0, 10);
    return { day, tokens: await this.repository.tokensOn(day, username) };
  }
}
