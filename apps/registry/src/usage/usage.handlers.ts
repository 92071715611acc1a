import { Injectable } from '@nestjs/common';
import { RpcParsed as Req, usageGet } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { UsageService } from './usage.service';

@Injectable()
export class UsageHandlers {
  constructor(private readonly usage: UsageService) {}

  @RpcHandler(usageGet)
  get({ caller, ...query }: Req<typeof usageGet>) {
    return this.usage.get(caller, query);
  }
}
