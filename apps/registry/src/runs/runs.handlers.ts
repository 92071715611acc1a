import { Injectable } from '@nestjs/common';
import { RpcParsed as Req, runCreate, runGet, runList } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { RunsService } from './runs.service';

@Injectable()
export class RunsHandlers {
  constructor(private readonly runs: RunsService) {}

  @RpcHandler(runCreate)
  create({ caller, task_id, queue, params, route }: Req<typeof runCreate>) {
    return this.runs.create(caller, { task_id, queue, params, route });
  }

  @RpcHandler(runGet)
  get({ caller, run_id, wait_ms, until_not }: Req<typeof runGet>) {
    return this.runs.get(caller, run_id, wait_ms, until_not);
  }

  @RpcHandler(runList)
  list({ caller, page, filter }: Req<typeof runList>) {
    return this.runs.list(caller, page, filter);
  }
}
