import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { coalesceWrites } from './coalesce-writes';

// Not @cleargate/testing: it builds on this library.
const NATS = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:14222').host;

/** Counts the socket writes of a connection by wrapping its transport's send. */
function countWrites(nc: NatsConnection): { writes: number } {
  const transport = (nc as unknown as { protocol: { transport: { send(data: Uint8Array): void } } }).protocol.transport;
  const counter = { writes: 0 };
  const send = transport.send.bind(transport);
  transport.send = (data) => {
    counter.writes++;
    send(data);
  };
  return counter;
}

/** 20 publishes, each from its own callback of the same event-loop turn (like 20 upstream answers). */
async function publishFromSeparateCallbacks(nc: NatsConnection, subject: string, prefix: string): Promise<void> {
  await new Promise<void>((resolve) => {
    let left = 20;
    for (let i = 0; i < 20; i++) {
      setImmediate(() => {
        nc.publish(subject, new TextEncoder().encode(`${prefix}${i}`));
        if (--left === 0) resolve();
      });
    }
  });
}

describe('coalesceWrites', () => {
  let publisher: NatsConnection;
  let plain: NatsConnection;
  let subscriber: NatsConnection;
  const subject = `t${randomBytes(5).toString('hex')}.coalesce`;
  const received: string[] = [];

  beforeAll(async () => {
    [publisher, plain, subscriber] = await Promise.all([
      connect({ servers: NATS }),
      connect({ servers: NATS }),
      connect({ servers: NATS }),
    ]);
    subscriber.subscribe(subject, { callback: (_e, m) => void received.push(new TextDecoder().decode(m.data)) });
    await subscriber.flush();
  });
  afterAll(async () => {
    await Promise.all([publisher.close(), plain.close(), subscriber.close()]);
  });

  it('sends the publishes of one event-loop turn in one write, and delivers every message', async () => {
    expect(coalesceWrites(publisher)).toBe(true);
    const coalesced = countWrites(publisher);
    const unpatched = countWrites(plain);
    await publishFromSeparateCallbacks(plain, subject, 'plain-');
    await publishFromSeparateCallbacks(publisher, subject, 'coalesced-');
    await Promise.all([plain.flush(), publisher.flush()]);
    expect(unpatched.writes).toBeGreaterThanOrEqual(20);
    expect(coalesced.writes).toBeLessThanOrEqual(3);
    await subscriber.flush();
    for (let i = 0; i < 100 && received.length < 40; i++) await new Promise((r) => setTimeout(r, 20));
    // Two connections: their messages may interleave at the subscriber, but none may be missing.
    const from = (prefix: string) => received.filter((m) => m.startsWith(prefix)).map((m) => Number(m.slice(prefix.length)));
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(from('coalesced-')).toEqual(all);
    expect(from('plain-')).toEqual(all);
  });

  it('writes large payloads to the socket as they are, not copied into one buffer first, and delivers them intact', async () => {
    const bigSubject = `${subject}.big`;
    const got: Uint8Array[] = [];
    subscriber.subscribe(bigSubject, { callback: (_e, m) => void got.push(m.data) });
    await subscriber.flush();
    const transport = (publisher as unknown as { protocol: { transport: { send(data: Uint8Array): void } } }).protocol.transport;
    const sent: Uint8Array[] = [];
    const send = transport.send.bind(transport);
    transport.send = (data) => {
      sent.push(data);
      send(data);
    };
    const payloads = [randomBytes(512 * 1024), randomBytes(1024 * 1024), randomBytes(100)];
    for (const p of payloads) publisher.publish(bigSubject, p);
    await publisher.flush();
    // The very buffers published reached the socket (the client alone would have copied them into one).
    for (const p of payloads.slice(0, 2))
      expect(sent.some((s) => s === p || (s.buffer === p.buffer && s.byteOffset === p.byteOffset))).toBe(true);
    for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got.map((g) => Buffer.from(g).equals(payloads[got.indexOf(g)]!))).toEqual([true, true, true]);
  });

  it('leaves a client it does not recognise alone', () => {
    expect(coalesceWrites({} as NatsConnection)).toBe(false);
  });
});
