import { Injectable } from '@nestjs/common';
import { RpcParsed as Req, statsGet } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { MachinesRepository } from '../machines/machines.repository';
import { TasksRepository } from '../tasks/tasks.repository';
import { UsageRepository } from '../usage/usage.repository';

/**
 * The admin console's home page: counts plus request series (the original "ClearML Utils"
 * dashboard), the series from the hourly rollup the call-log triggers keep.
 */
@Injectable()
export class StatsHandlers {
  constructor(
    private readonly machines: MachinesRepository,
    private readonly endpoints: EndpointsRepository,
    private readonly usage: UsageRepository,
    private readonly tasks: TasksRepository,
  ) {}

  @RpcHandler(statsGet)
  async get({ hours }: Req<typeof statsGet>) {
    const [machines, endpoints, tasks, ondemand, enqueue] = await Promise.all([
      this.machines.count(),
      this.endpoints.count(),
      this.tasks.count(),
      this.usage.hourly('ondemand', hours),
      this.usage.hourly('enqueue', hours),
    ]);
    return { counts: { machines, endpoints, tasks }, series: { ondemand, enqueue } };
  }
}
