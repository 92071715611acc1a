import { Injectable } from '@nestjs/common';
import { machineHealthGet, machines, machineTargets, RpcParsed as Req } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { CrudHandlers } from '../crud/crud.handlers';
import { MachinesService } from './machines.service';

@Injectable()
export class MachinesHandlers extends CrudHandlers(machines) {
  constructor(protected readonly service: MachinesService) {
    super();
  }

  @RpcHandler(machineTargets)
  targets() {
    return this.service.targets();
  }

  @RpcHandler(machineHealthGet)
  health({ caller, machine_ids, window_minutes }: Req<typeof machineHealthGet>) {
    return this.service.health(caller, machine_ids, window_minutes);
  }
}
