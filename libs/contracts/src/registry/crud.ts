import { z } from 'zod';
import { callerSchema, pageOf, pageRequestSchema, uuidSchema } from '../common';
import { defineRpc, RpcContract } from '../contract';

export const deletedSchema = z.object({ deleted: z.literal(true), id: uuidSchema });

/** The five registry operations of one resource: create, get, list, update, delete. */
export interface CrudContracts<
  K extends string,
  E extends z.ZodType,
  I extends z.ZodType,
  P extends z.ZodType,
  R extends z.ZodType,
  F extends z.ZodObject,
> {
  /** The field of the create request that carries the new resource (`machine`, `endpoint`, `task`). */
  key: K;
  entity: E;
  input: I;
  patch: P;
  /** What identifies one: the uuid, or also the public id. */
  ref: R;
  filter: F;
  create: RpcContract<z.ZodObject<{ caller: typeof callerSchema } & { [k in K]: I }>, E>;
  get: RpcContract<z.ZodObject<{ caller: typeof callerSchema; id: R }>, E>;
  list: RpcContract<
    z.ZodObject<{ caller: typeof callerSchema; page: typeof pageRequestSchema; filter: z.ZodDefault<F> }>,
    ReturnType<typeof pageOf<E>>
  >;
  update: RpcContract<z.ZodObject<{ caller: typeof callerSchema; id: R; patch: P }>, E>;
  delete: RpcContract<z.ZodObject<{ caller: typeof callerSchema; id: R }>, typeof deletedSchema>;
}

/**
 * Defines a registry resource's operations once: `registry.<key>.<verb>.v1`, each request with
 * the caller, the answers the resource (or a page of them).
 */
export function defineCrud<
  K extends string,
  E extends z.ZodType,
  I extends z.ZodType,
  P extends z.ZodType,
  R extends z.ZodType,
  F extends z.ZodObject,
>(key: K, schemas: { entity: E; input: I; patch: P; ref: R; filter: F }): CrudContracts<K, E, I, P, R, F> {
  const { entity, input, patch, ref, filter } = schemas;
  const subject = (verb: string) => `registry.${key}.${verb}.v1`;
  return {
    key,
    ...schemas,
    create: defineRpc(
      subject('create'),
      z.object({ caller: callerSchema, [key]: input } as { caller: typeof callerSchema } & { [k in K]: I }),
      entity,
    ),
    get: defineRpc(subject('get'), z.object({ caller: callerSchema, id: ref }), entity),
    list: defineRpc(
      subject('list'),
      z.object({ caller: callerSchema, page: pageRequestSchema, filter: filter.default({} as never) }),
      pageOf(entity),
    ),
    update: defineRpc(subject('update'), z.object({ caller: callerSchema, id: ref, patch }), entity),
    delete: defineRpc(subject('delete'), z.object({ caller: callerSchema, id: ref }), deletedSchema),
  };
}
