import { z } from 'zod';
import { errorBodySchema } from '../errors';

/**
 * A streamed answer across NATS: the caller publishes one request frame with a reply inbox of
 * its own; the server answers on that inbox with ordered, sequence-numbered frames and listens
 * for the caller's credit and cancellation on a control subject it names in its first frame.
 *
 *     caller                                   server
 *       | request frame (reply = stream inbox) ->|
 *       |<- accept  seq 0 {control, idle_ms}    |  at once, before any upstream work
 *       |<- head    seq 1 {status, content_type}|  the answer starts (status line and type)
 *       |<- data    seq 2..n  bytes             |  at most `window` frames past the last ack
 *       | ack seq k ->                          |  the caller took every frame up to k
 *       |<- end     seq n+1 {usage?}            |  or `error` (before or after head)
 *       | cancel ->                             |  the caller is gone: abort the upstream
 *
 * Every frame is `[kind: u8][seq: u32 BE][payload]`. Payloads of accept, head, end and error
 * are UTF-8 JSON (schemas below); a data frame's payload is the answer's bytes as they came.
 * Sequence numbers start at 0 (accept) and grow by one per frame: a gap means a frame was lost
 * (a slow consumer dropped by the NATS server, a reconnect) and the caller ends the stream.
 *
 * Flow control is a credit window counted in frames: the server sends frame `seq` only while
 * `seq <= acked + window` (end and error need no credit). The caller acks as it hands frames
 * on, and stops acking while its own consumer is slow, so the server stops reading upstream.
 * The caller ends the stream with an error when no frame came within `idle_ms` plus a grace
 * while it was not holding back credit: the server (or the machine behind it) is gone.
 */
export const STREAM_FRAME = {
  accept: 1,
  head: 2,
  data: 3,
  end: 4,
  error: 5,
  ack: 16,
  cancel: 17,
} as const;
export type StreamFrameKind = (typeof STREAM_FRAME)[keyof typeof STREAM_FRAME];

/** Bytes before a frame's payload. */
export const STREAM_FRAME_HEADER = 5;

export const streamAcceptSchema = z.object({
  /** Where the caller sends its acks and its cancel. */
  control: z.string().min(1).max(255),
  /** The longest silence the server itself allows before the first and between frames. */
  idle_ms: z.number().int().min(1).max(3_600_000),
  /**
   * The caller asked for heartbeats and the server sends them: an empty message with the
   * heartbeat header on the caller's inbox after this long without a frame. Absent: none come
   * (a server of an earlier release), and only the idle deadline tells a server gone.
   */
  heartbeat_ms: z.number().int().min(1).max(60_000).optional(),
});
export type StreamAccept = z.infer<typeof streamAcceptSchema>;

export const streamHeadSchema = z.object({
  status: z.number().int().min(100).max(599),
  content_type: z.string().max(255).optional(),
  /** The body is a server-sent event stream (`text/event-stream`), to be flushed frame by frame. */
  events: z.boolean().optional(),
});
export type StreamHead = z.infer<typeof streamHeadSchema>;

export const streamEndSchema = z.object({}).passthrough();
export type StreamEnd = z.infer<typeof streamEndSchema>;

export const streamErrorSchema = z.object({
  /** The HTTP status the caller answers with when nothing was sent yet. */
  status: z.number().int().min(400).max(599),
  error: errorBodySchema,
  /** A payload of the caller's protocol to send as-is (e.g. an upstream's own error body). */
  body: z.string().max(65_536).optional(),
  content_type: z.string().max(255).optional(),
});
export type StreamError = z.infer<typeof streamErrorSchema>;

export class InvalidStreamFrame extends Error {
  constructor(reason: string) {
    super(`invalid stream frame: ${reason}`);
    this.name = 'InvalidStreamFrame';
  }
}

/** One frame: kind, sequence number and payload bytes (no copy of the payload beyond one write). */
export function encodeStreamFrame(kind: StreamFrameKind, seq: number, payload?: Uint8Array | string): Uint8Array {
  const bytes = payload === undefined ? undefined : typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const frame = Buffer.allocUnsafe(STREAM_FRAME_HEADER + (bytes?.length ?? 0));
  frame[0] = kind;
  frame.writeUInt32BE(seq >>> 0, 1);
  if (bytes) frame.set(bytes, STREAM_FRAME_HEADER);
  return frame;
}

export function encodeStreamJson(kind: StreamFrameKind, seq: number, value: unknown): Uint8Array {
  return encodeStreamFrame(kind, seq, JSON.stringify(value));
}

export interface DecodedStreamFrame {
  kind: StreamFrameKind;
  seq: number;
  /** A view into the frame, not a copy. */
  payload: Uint8Array;
}

const KINDS = new Set<number>(Object.values(STREAM_FRAME));

export function decodeStreamFrame(frame: Uint8Array): DecodedStreamFrame {
  if (frame.length < STREAM_FRAME_HEADER) throw new InvalidStreamFrame('shorter than its header');
  const kind = frame[0]!;
  if (!KINDS.has(kind)) throw new InvalidStreamFrame(`unknown kind ${kind}`);
  const seq = ((frame[1]! << 24) | (frame[2]! << 16) | (frame[3]! << 8) | frame[4]!) >>> 0;
  return { kind: kind as StreamFrameKind, seq, payload: frame.subarray(STREAM_FRAME_HEADER) };
}

/** A JSON payload checked against its schema. */
export function streamPayload<T>(frame: DecodedStreamFrame, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength).toString('utf8'));
  } catch {
    throw new InvalidStreamFrame('payload is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidStreamFrame(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}
