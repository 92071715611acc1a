import { Injectable } from '@nestjs/common';
import { routingResolve, routingSnapshot, RpcParsed as Req } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { toRoutingEndpoint } from '../endpoints/endpoints.service';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { toRoutingMachine } from '../machines/machines.service';
import { MachinesRepository } from '../machines/machines.repository';

/** What the ondemand-router asks: everything at start-up, single lookups on a cache miss. */
@Injectable()
export class RoutingHandlers {
  constructor(
    private readonly machines: MachinesRepository,
    private readonly endpoints: EndpointsRepository,
  ) {}

  @RpcHandler(routingSnapshot)
  async snapshot() {
    const [machines, endpoints] = await Promise.all([this.machines.all(), this.endpoints.all()]);
    return { machines: machines.map(toRoutingMachine), endpoints: endpoints.map(toRoutingEndpoint) };
  }

  @RpcHandler(routingResolve)
  async resolve({ machine_id, endpoint }: Req<typeof routingResolve>) {
    const machine = await this.machines.findByRef(machine_id);
    if (!machine) return { machine: null, endpoint: null };
    const found = await this.endpoints.findByMachineAndName(machine.id, endpoint);
    return { machine: toRoutingMachine(machine), endpoint: found ? toRoutingEndpoint(found) : null };
  }
}
