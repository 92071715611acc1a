import fc from 'fast-check';
import type { z } from 'zod';
import { decodeInvokeFrame, encodeInvokeFrame, InvalidInvokeFrame, invokeReplyMetaSchema, invokeRequestMetaSchema } from './invoke';

// The frame codec is the one parser between the gateway and the router that sees bytes a client
// chose (the payload) next to what the gateway established (the meta): it must never confuse them.

const hex64 = fc.stringMatching(/^[a-f0-9]{64}$/);
const endpointName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}(\/[A-Za-z0-9_.-]{1,10})?$/);
const requestMeta = fc.record(
  {
    machine_id: hex64,
    endpoint: endpointName,
    caller: fc.string({ maxLength: 300, unit: 'binary' }),
    route: fc.constantFrom('compat' as const, 'v1' as const),
    content_type: fc.string({ maxLength: 255 }),
    accept: fc.string({ maxLength: 1000 }),
    correlation_id: fc.string({ maxLength: 200, unit: 'grapheme' }),
  },
  { requiredKeys: ['machine_id', 'endpoint', 'caller', 'route'] },
);
const payload = fc.uint8Array({ maxLength: 4096 });

describe('invocation frames, properties', () => {
  it('decode(encode(meta, payload)) gives back the same meta and the same bytes, whatever the payload holds', () => {
    fc.assert(
      fc.property(requestMeta, payload, (meta, bytes) => {
        const decoded = decodeInvokeFrame(encodeInvokeFrame(meta, bytes), invokeRequestMetaSchema);
        expect(decoded.meta).toEqual(meta);
        expect(Buffer.from(decoded.payload).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a payload that looks like a frame or like meta JSON stays payload', () => {
    fc.assert(
      fc.property(requestMeta, requestMeta, (meta, forged) => {
        const inner = encodeInvokeFrame({ ...forged, caller: '{"admin":true}' }, new Uint8Array([1]));
        const decoded = decodeInvokeFrame(encodeInvokeFrame(meta, inner), invokeRequestMetaSchema);
        expect(decoded.meta).toEqual(meta);
        expect(Buffer.from(decoded.payload).equals(Buffer.from(inner))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('any bytes either decode to a meta the schema accepts or are refused as an invalid frame, never anything else', () => {
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      // a plausible length prefix before random bytes
      fc.tuple(fc.nat({ max: 400 }), fc.uint8Array({ maxLength: 300 })).map(([n, rest]) => {
        const frame = new Uint8Array(4 + rest.length);
        new DataView(frame.buffer).setUint32(0, n);
        frame.set(rest, 4);
        return frame;
      }),
      // a valid frame cut short or with bytes changed
      fc.tuple(requestMeta, payload, fc.nat(), fc.nat({ max: 255 })).map(([meta, bytes, at, value]) => {
        const frame = encodeInvokeFrame(meta, bytes);
        const copy = frame.slice(0, Math.max(0, frame.length - (at % 8)));
        if (copy.length) copy[at % copy.length] = value;
        return copy;
      }),
    );
    fc.assert(
      fc.property(frames, (frame) => {
        for (const schema of [invokeRequestMetaSchema, invokeReplyMetaSchema] as z.ZodType<unknown>[]) {
          try {
            const { meta, payload: rest } = decodeInvokeFrame(frame, schema);
            expect(schema.safeParse(meta).success).toBe(true);
            expect(rest.length).toBeLessThanOrEqual(frame.length - 4);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidInvokeFrame);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
