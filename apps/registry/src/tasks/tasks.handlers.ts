import { Injectable } from '@nestjs/common';
import { RpcParsed as Req, taskCreate, taskDelete, taskGet, taskList, taskUpdate } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { TasksService } from './tasks.service';

@Injectable()
export class TasksHandlers {
  constructor(private readonly tasks: TasksService) {}

  @RpcHandler(taskCreate)
  create({ caller, task }: Req<typeof taskCreate>) {
    return this.tasks.create(caller, task);
  }

  @RpcHandler(taskGet)
  get({ caller, id }: Req<typeof taskGet>) {
    return this.tasks.get(caller, id);
  }

  @RpcHandler(taskList)
  list({ caller, page, filter }: Req<typeof taskList>) {
    return this.tasks.list(caller, page, filter);
  }

  @RpcHandler(taskUpdate)
  update({ caller, id, patch }: Req<typeof taskUpdate>) {
    return this.tasks.update(caller, id, patch);
  }

  @RpcHandler(taskDelete)
  delete({ caller, id }: Req<typeof taskDelete>) {
    return this.tasks.delete(caller, id);
  }
}
