import { z } from 'zod';
import { callRouteSchema, publicIdSchema } from '../common';
import { endpointNameSchema } from '../registry/endpoints';

/**
 * On-demand invocation is the hot path, so it uses neither the JSON envelopes of the other
 * subjects nor NATS headers (the nats client builds and parses headers through several arrays
 * and strings per field, which made it the largest allocator of the gateway and the router).
 * A message is one frame:
 *
 *     [meta length: u32, big-endian][meta: UTF-8 JSON][payload: bytes]
 *
 * The request's payload is the model input as received (an image stays binary, no base64);
 * the reply's is the serving machine's answer, or the error envelope when `error` is set.
 */
export const ONDEMAND_INVOKE_SUBJECT = 'ondemand.endpoint.invoke.v1';

export const invokeRequestMetaSchema = z.object({
  machine_id: publicIdSchema,
  endpoint: endpointNameSchema,
  /**
   * JSON of the Caller (callerSchema). Text rather than an object: one token's calls all carry
   * the same text, so the router parses and validates each distinct caller once.
   */
  caller: z.string().max(20_000),
  route: callRouteSchema,
  content_type: z.string().max(255).optional(),
  accept: z.string().max(1000).optional(),
  correlation_id: z.string().max(200).optional(),
});
export type InvokeRequestMeta = z.infer<typeof invokeRequestMetaSchema>;

export const invokeReplyMetaSchema = z.object({
  status: z.number().int().min(100).max(599),
  content_type: z.string().max(255).optional(),
  /** The payload is ClearGate's error envelope, not the serving machine's answer. */
  error: z.literal(true).optional(),
});
export type InvokeReplyMeta = z.infer<typeof invokeReplyMetaSchema>;

/** Also the layout of the OpenAI request frame (./openai.ts), whose meta differs. */
/**
 * The frame's head (length prefix and meta), for a sender that writes the payload into the
 * frame itself: `Buffer.allocUnsafe(head.length + payload length)`, the head copied first.
 */
export function invokeFrameHead(meta: object): Buffer {
  const json = JSON.stringify(meta);
  const length = Buffer.byteLength(json);
  const head = Buffer.allocUnsafe(4 + length);
  head.writeUInt32BE(length, 0);
  head.write(json, 4, 'utf8');
  return head;
}

export function encodeInvokeFrame(meta: object, payload: Uint8Array): Uint8Array {
  const json = JSON.stringify(meta);
  const length = Buffer.byteLength(json);
  // allocUnsafe takes small frames from Node's shared pool; every byte is written below.
  const frame = Buffer.allocUnsafe(4 + length + payload.length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, 4, 'utf8');
  frame.set(payload, 4 + length);
  return frame;
}

export class InvalidInvokeFrame extends Error {
  constructor(reason: string) {
    super(`invalid invocation frame: ${reason}`);
    this.name = 'InvalidInvokeFrame';
  }
}

/** Splits a frame and validates its meta with `schema`; the payload is a view, not a copy. */
export function decodeInvokeFrame<T>(frame: Uint8Array, schema: z.ZodType<T>): { meta: T; payload: Uint8Array } {
  if (frame.length < 4) throw new InvalidInvokeFrame('shorter than its length prefix');
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = bytes.readUInt32BE(0);
  if (4 + length > frame.length) throw new InvalidInvokeFrame('meta longer than the frame');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', 4, 4 + length));
  } catch {
    throw new InvalidInvokeFrame('meta is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidInvokeFrame(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return { meta: parsed.data, payload: frame.subarray(4 + length) };
}
