import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { PageRequest } from '@cleargate/contracts';
import { ROUTE_DOC, RouteDoc } from '../openapi/doc.decorator';
import { parseInput } from './validation';

const PART = { body: 'body', query: 'query', params: 'path' } as const;

/**
 * A request part validated by the schema the route's `@Doc` declares for it, so one schema both
 * documents the route and checks what it receives: `@Input('body') input: MachineInput`.
 */
export const Input = createParamDecorator((part: keyof typeof PART, context: ExecutionContext): unknown => {
  const doc = Reflect.getMetadata(ROUTE_DOC, context.getHandler()) as RouteDoc | undefined;
  const schema = doc?.[part];
  if (!schema || schema === 'raw') throw new Error(`route ${context.getHandler().name} documents no ${part} schema`);
  return parseInput(schema as z.ZodType, context.switchToHttp().getRequest<FastifyRequest>()[part], PART[part]);
});

/** A list query split into the page (limit, cursor) and the filter (everything else). */
export function pageAndFilter<Q extends PageRequest>({
  limit,
  cursor,
  ...filter
}: Q): { page: PageRequest; filter: Omit<Q, 'limit' | 'cursor'> } {
  return { page: { limit, ...(cursor ? { cursor } : {}) }, filter };
}
