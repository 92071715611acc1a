import { z } from 'zod';
import { Caller, CrudContracts, PageRequest } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCrud = CrudContracts<string, z.ZodType, z.ZodType, z.ZodType, z.ZodType, any>;

/** What a resource's service offers for its five operations. */
export interface CrudService<C extends AnyCrud> {
  create(caller: Caller, input: z.output<C['input']>): Promise<z.input<C['entity']>>;
  get(caller: Caller, id: string): Promise<z.input<C['entity']>>;
  list(
    caller: Caller,
    page: PageRequest,
    filter: z.output<C['filter']>,
  ): Promise<{ items: z.input<C['entity']>[]; next_cursor: string | null }>;
  update(caller: Caller, id: string, patch: z.output<C['patch']>): Promise<z.input<C['entity']>>;
  delete(caller: Caller, id: string): Promise<{ deleted: true; id: string }>;
}

/**
 * The RPC handlers of a registry resource (`registry.<key>.<verb>.v1`), each handing the request,
 * validated against the contract by the RPC server, to the resource's service. Extend it with the service:
 * `class MachinesHandlers extends CrudHandlers(machines) { constructor(protected readonly service: MachinesService) { super(); } }`.
 */
export function CrudHandlers<C extends AnyCrud>(crud: C) {
  abstract class Handlers {
    protected abstract readonly service: CrudService<C>;

    @RpcHandler(crud.create)
    create(request: { caller: Caller } & Record<C['key'], z.output<C['input']>>) {
      return this.service.create(request.caller, request[crud.key as C['key']]);
    }

    @RpcHandler(crud.get)
    get({ caller, id }: { caller: Caller; id: string }) {
      return this.service.get(caller, id);
    }

    @RpcHandler(crud.list)
    list({ caller, page, filter }: { caller: Caller; page: PageRequest; filter: z.output<C['filter']> }) {
      return this.service.list(caller, page, filter);
    }

    @RpcHandler(crud.update)
    update({ caller, id, patch }: { caller: Caller; id: string; patch: z.output<C['patch']> }) {
      return this.service.update(caller, id, patch);
    }

    @RpcHandler(crud.delete)
    delete({ caller, id }: { caller: Caller; id: string }) {
      return this.service.delete(caller, id);
    }
  }
  return Handlers;
}
