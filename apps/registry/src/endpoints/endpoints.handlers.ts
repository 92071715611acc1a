import { Injectable } from '@nestjs/common';
import { endpointCreate, endpointDelete, endpointGet, endpointList, endpointUpdate, RpcParsed as Req } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { EndpointsService } from './endpoints.service';

@Injectable()
export class EndpointsHandlers {
  constructor(private readonly endpoints: EndpointsService) {}

  @RpcHandler(endpointCreate)
  create({ caller, endpoint }: Req<typeof endpointCreate>) {
    return this.endpoints.create(caller, endpoint);
  }

  @RpcHandler(endpointGet)
  get({ caller, id }: Req<typeof endpointGet>) {
    return this.endpoints.get(caller, id);
  }

  @RpcHandler(endpointList)
  list({ caller, page, filter }: Req<typeof endpointList>) {
    return this.endpoints.list(caller, page, filter);
  }

  @RpcHandler(endpointUpdate)
  update({ caller, id, patch }: Req<typeof endpointUpdate>) {
    return this.endpoints.update(caller, id, patch);
  }

  @RpcHandler(endpointDelete)
  delete({ caller, id }: Req<typeof endpointDelete>) {
    return this.endpoints.delete(caller, id);
  }
}
