import type { NatsConnection } from '@nats-io/nats-core';

/** The parts of the nats client's protocol handler (@nats-io/nats-core 3.x; the 2.x client had the same) this relies on. */
interface ProtocolInternals {
  outbound: {
    buffers: Uint8Array[];
    length(): number;
    size(): number;
    fill(data: Uint8Array, ...more: Uint8Array[]): void;
    reset(): void;
  };
  pendingLimit: number;
  infoReceived: boolean;
  connected: boolean;
  transport: { send(data: Uint8Array): void; socket?: { cork?(): void; uncork?(): void } };
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

/**
 * Pending writes at least this large go to the socket as they are (one writev) rather than
 * first copied into one buffer, which is what the client does: for a 4 MiB image, 4 MiB copied
 * for nothing on every hop.
 */
export const WRITE_WITHOUT_COPY_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/**
 * The nats client writes what was published at the end of the current microtask queue. Under
 * load a service publishes from many callbacks of one event-loop turn (one per upstream answer,
 * one per HTTP request), so every publish became its own socket write — and its own read on the
 * server. Deferring the flush to `setImmediate` lets all publishes of a turn share one write.
 * Measured on the 2-core build machine: about +30 % throughput on the on-demand path, half the
 * NATS server's CPU per request, no change in the latency of a lone request.
 *
 * It replaces two methods of the client's protocol handler (the second: see
 * WRITE_WITHOUT_COPY_BYTES), so it checks that handler's shape first and leaves the client alone
 * (returning false) if a future version differs.
 */
export function coalesceWrites(connection: NatsConnection): boolean {
  const protocol = (connection as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
  if (
    !protocol ||
    typeof protocol.sendCommand !== 'function' ||
    typeof protocol.flushPending !== 'function' ||
    typeof protocol.pendingLimit !== 'number' ||
    typeof protocol.outbound?.fill !== 'function' ||
    typeof protocol.outbound?.length !== 'function'
  ) {
    return false;
  }
  const handler = protocol as ProtocolInternals;
  const flushPending = handler.flushPending;
  if (Array.isArray(handler.outbound.buffers) && typeof handler.outbound.reset === 'function') {
    handler.flushPending = function (this: ProtocolInternals): void {
      const out = this.outbound;
      const socket = this.transport?.socket;
      if (!this.infoReceived || !this.connected || out.size() < WRITE_WITHOUT_COPY_BYTES || out.length() < 2 || !socket?.cork) {
        return flushPending.call(this);
      }
      const buffers = out.buffers.slice();
      out.reset();
      socket.cork();
      for (const buffer of buffers) this.transport.send(buffer);
      socket.uncork!();
    };
  }
  handler.sendCommand = function (this: ProtocolInternals, cmd: string | Uint8Array, ...payloads: Uint8Array[]): void {
    const wasEmpty = this.outbound.length() === 0;
    this.outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (wasEmpty) setImmediate(() => this.flushPending());
    else if (this.outbound.size() >= this.pendingLimit) this.flushPending();
  };
  return true;
}
