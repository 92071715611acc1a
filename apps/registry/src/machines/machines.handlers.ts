import { Injectable } from '@nestjs/common';
import {
  machineCreate,
  machineDelete,
  machineGet,
  machineHealthGet,
  machineList,
  machineTargets,
  machineUpdate,
  RpcParsed as Req,
} from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { MachinesService } from './machines.service';

@Injectable()
export class MachinesHandlers {
  constructor(private readonly machines: MachinesService) {}

  @RpcHandler(machineCreate)
  create({ caller, machine }: Req<typeof machineCreate>) {
    return this.machines.create(caller, machine);
  }

  @RpcHandler(machineGet)
  get({ caller, id }: Req<typeof machineGet>) {
    return this.machines.get(caller, id);
  }

  @RpcHandler(machineList)
  list({ caller, page, filter }: Req<typeof machineList>) {
    return this.machines.list(caller, page, filter);
  }

  @RpcHandler(machineUpdate)
  update({ caller, id, patch }: Req<typeof machineUpdate>) {
    return this.machines.update(caller, id, patch);
  }

  @RpcHandler(machineTargets)
  targets() {
    return this.machines.targets();
  }

  @RpcHandler(machineHealthGet)
  health({ caller, machine_ids, window_minutes }: Req<typeof machineHealthGet>) {
    return this.machines.health(caller, machine_ids, window_minutes);
  }

  @RpcHandler(machineDelete)
  delete({ caller, id }: Req<typeof machineDelete>) {
    return this.machines.delete(caller, id);
  }
}
