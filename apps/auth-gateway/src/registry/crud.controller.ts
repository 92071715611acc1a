import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { z } from 'zod';
import { Caller, CrudContracts, deletedSchema, pageOf, pageRequestSchema } from '@cleargate/contracts';
import { RpcClient } from '@cleargate/messaging';
import { Auth, CurrentCaller, RequestId } from '../auth/auth.guard';
import { Input, pageAndFilter } from '../http/input';
import { Doc } from '../openapi/doc.decorator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCrud = CrudContracts<string, z.ZodType, z.ZodType, z.ZodType, z.ZodType, any>;

export interface CrudRoutes<C extends AnyCrud> {
  path: string;
  /** The OpenAPI tag, e.g. `machines`. */
  tag: string;
  contracts: C;
  /** The list's query parameters besides the page: the filter as query text (e.g. booleans as `true`). */
  query: z.ZodObject;
  summaries: { create: string; list: string; get: string; update: string; delete: string };
  /** Statuses besides 200/201 each route may answer, for the document. */
  conflicts?: Partial<Record<'create' | 'update' | 'delete', number[]>>;
}

const others = (statuses: number[] = []) => Object.fromEntries(statuses.map((s) => [s, null]));

/**
 * The five HTTP routes of a registry resource, for registrars (AreaManager and above): POST and
 * GET on the collection, GET, PATCH and DELETE on one (`{id}`), each forwarded to the registry's
 * RPC of the same name.
 */
export function CrudController<C extends AnyCrud>(routes: CrudRoutes<C>) {
  const { contracts: crud, tag, summaries } = routes;
  const idParams = z.object({ id: crud.ref });
  const listQuery = z.object({ ...pageRequestSchema.shape, ...routes.query.shape });

  @Controller(routes.path)
  class Crud {
    constructor(readonly rpc: RpcClient) {}

    @Post()
    @HttpCode(201)
    @Auth({ level: 'registrar' })
    @Doc({
      summary: summaries.create,
      tags: [tag],
      body: crud.input,
      responses: { 201: crud.entity, ...others(routes.conflicts?.create) },
      auth: true,
    })
    create(@Input('body') input: unknown, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
      return this.rpc.request(crud.create, { caller, [crud.key]: input }, { correlationId: rid });
    }

    @Get()
    @Auth({ level: 'registrar' })
    @Doc({ summary: summaries.list, tags: [tag], query: listQuery, responses: { 200: pageOf(crud.entity) }, auth: true })
    list(@Input('query') query: z.output<typeof listQuery>, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
      return this.rpc.request(crud.list, { caller, ...pageAndFilter(query) }, { correlationId: rid });
    }

    @Get(':id')
    @Auth({ level: 'registrar' })
    @Doc({ summary: summaries.get, tags: [tag], params: idParams, responses: { 200: crud.entity, 404: null }, auth: true })
    get(@Input('params') { id }: { id: string }, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
      return this.rpc.request(crud.get, { caller, id }, { correlationId: rid });
    }

    @Patch(':id')
    @Auth({ level: 'registrar' })
    @Doc({
      summary: summaries.update,
      tags: [tag],
      params: idParams,
      body: crud.patch,
      responses: { 200: crud.entity, 404: null, ...others(routes.conflicts?.update) },
      auth: true,
    })
    update(
      @Input('params') { id }: { id: string },
      @Input('body') patch: unknown,
      @CurrentCaller() caller: Caller,
      @RequestId() rid: string,
    ) {
      return this.rpc.request(crud.update, { caller, id, patch }, { correlationId: rid });
    }

    @Delete(':id')
    @Auth({ level: 'registrar' })
    @Doc({
      summary: summaries.delete,
      tags: [tag],
      params: idParams,
      responses: { 200: deletedSchema, 404: null, ...others(routes.conflicts?.delete) },
      auth: true,
    })
    delete(@Input('params') { id }: { id: string }, @CurrentCaller() caller: Caller, @RequestId() rid: string) {
      return this.rpc.request(crud.delete, { caller, id }, { correlationId: rid });
    }
  }
  return Crud;
}
