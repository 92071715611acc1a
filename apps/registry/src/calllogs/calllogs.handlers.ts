import { Injectable } from '@nestjs/common';
import { enqueueLogList, ondemandLogList, RpcParsed as Req } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { CallLogsService } from './calllogs.service';

@Injectable()
export class CallLogsHandlers {
  constructor(private readonly calllogs: CallLogsService) {}

  @RpcHandler(ondemandLogList)
  listOndemand({ caller, filter, page }: Req<typeof ondemandLogList>) {
    return this.calllogs.listOndemand(caller, filter, page);
  }

  @RpcHandler(enqueueLogList)
  listEnqueue({ caller, filter, page }: Req<typeof enqueueLogList>) {
    return this.calllogs.listEnqueue(caller, filter, page);
  }
}
