import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { circuitList, RpcParsed as Req } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { UpstreamClient } from '../upstream/upstream-client';

/** This replica's circuit breakers, for the console's machine health (every replica answers). */
@Injectable()
export class CircuitsHandler {
  private readonly router = `${hostname()}:${process.pid}`;

  constructor(private readonly upstream: UpstreamClient) {}

  @RpcHandler(circuitList)
  list({ machine_ids }: Req<typeof circuitList>) {
    return { router: this.router, circuits: this.upstream.circuits(machine_ids) };
  }
}
