import { decodeInvokeFrame, encodeInvokeFrame, InvalidInvokeFrame, invokeReplyMetaSchema, invokeRequestMetaSchema } from './invoke';

const meta = { machine_id: 'ab'.repeat(32), endpoint: 'mnist', caller: '{"username":"alice"}', route: 'compat' as const };

describe('invocation frames', () => {
  it('carry the meta and the payload byte for byte, the payload as a view', () => {
    const payload = new Uint8Array(1000).map((_, i) => i % 256);
    const frame = encodeInvokeFrame({ ...meta, content_type: 'image/jpeg', correlation_id: 'req-1' }, payload);
    const decoded = decodeInvokeFrame(frame, invokeRequestMetaSchema);
    expect(decoded.meta).toEqual({ ...meta, content_type: 'image/jpeg', correlation_id: 'req-1' });
    expect(Buffer.from(decoded.payload).equals(Buffer.from(payload))).toBe(true);
    expect(decoded.payload.buffer).toBe(frame.buffer);
  });

  it('carry non-ASCII meta and an empty payload', () => {
    const frame = encodeInvokeFrame({ ...meta, caller: '{"username":"zoë_数字"}' }, new Uint8Array());
    expect(decodeInvokeFrame(frame, invokeRequestMetaSchema)).toMatchObject({ meta: { caller: '{"username":"zoë_数字"}' } });
    expect(decodeInvokeFrame(frame, invokeRequestMetaSchema).payload.length).toBe(0);
  });

  it('decode from a view into a larger buffer', () => {
    const frame = encodeInvokeFrame({ status: 200 }, new Uint8Array([1, 2, 3]));
    const padded = new Uint8Array(frame.length + 10);
    padded.set(frame, 5);
    const decoded = decodeInvokeFrame(padded.subarray(5, 5 + frame.length), invokeReplyMetaSchema);
    expect(decoded.meta).toEqual({ status: 200 });
    expect([...decoded.payload]).toEqual([1, 2, 3]);
  });

  it('refuse a truncated frame, meta that is not JSON and meta that breaks the schema', () => {
    expect(() => decodeInvokeFrame(new Uint8Array([0, 0, 1]), invokeReplyMetaSchema)).toThrow(/shorter than its length prefix/);
    expect(() => decodeInvokeFrame(new Uint8Array([0, 0, 0, 9, 123]), invokeReplyMetaSchema)).toThrow(/meta longer than the frame/);
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
    expect(() => decodeInvokeFrame(notJson, invokeReplyMetaSchema)).toThrow(/not JSON/);
    const wrong = encodeInvokeFrame({ status: 200 }, new Uint8Array());
    expect(() => decodeInvokeFrame(wrong, invokeRequestMetaSchema)).toThrow(InvalidInvokeFrame);
    const badIds = encodeInvokeFrame({ ...meta, machine_id: 'not-hex', endpoint: 'a b' }, new Uint8Array());
    expect(() => decodeInvokeFrame(badIds, invokeRequestMetaSchema)).toThrow(/machine_id: .*; endpoint: /);
    expect(() => decodeInvokeFrame(encodeInvokeFrame({ status: 999 }, new Uint8Array()), invokeReplyMetaSchema)).toThrow(/status/);
  });
});
