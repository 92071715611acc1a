import { z } from 'zod';
import { publicIdSchema } from '../common';
import { defineRpc } from '../contract';
import { routingEndpointSchema } from './endpoints';
import { routingMachineSchema } from './machines';

/** Everything the router needs to warm its cache in one call at start-up. */
export const routingSnapshot = defineRpc(
  'registry.routing.snapshot.v1',
  z.object({}),
  z.object({ machines: z.array(routingMachineSchema), endpoints: z.array(routingEndpointSchema) }),
);

/** A single lookup on a cache miss (an endpoint created while the router was starting). */
export const routingResolve = defineRpc(
  'registry.routing.resolve.v1',
  z.object({ machine_id: publicIdSchema, endpoint: z.string().min(1).max(128) }),
  z.object({ machine: routingMachineSchema.nullable(), endpoint: routingEndpointSchema.nullable() }),
);
