import { SetMetadata } from '@nestjs/common';
import { z } from 'zod';

export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** `raw` for bodies passed through untouched (model input). */
  body?: z.ZodType | 'raw';
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** Status → schema of the answer (`raw` when it is the model's own answer). */
  responses: Record<number, z.ZodType | 'raw' | null>;
  /** Whether a bearer token is required (the compatible routes also accept it in the body). */
  auth: boolean;
  /** The errors' schema where it is not ClearGate's envelope (the OpenAI-compatible routes). */
  errorSchema?: z.ZodType;
  /** The 200 answer may also be server-sent events: what they carry. */
  eventStream?: string;
  /** The 200 answer is also offered as `text/csv`: what its lines are. */
  csv?: string;
}

export const ROUTE_DOC = Symbol('ROUTE_DOC');
/** Describes a route for the OpenAPI document; the same schemas validate the request. */
export const Doc = (doc: RouteDoc) => SetMetadata(ROUTE_DOC, doc);

/** A route declared outside Nest controllers (the hot on-demand routes), for the same document. */
export interface DocumentedRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form: `/v1/ondemand/{machineId}/{endpoint}`. */
  path: string;
  doc: RouteDoc;
}
