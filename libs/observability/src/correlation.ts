import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The correlation id follows one piece of work across services: it starts as the HTTP
 * request's `x-request-id` (or a fresh id), travels in every NATS message header and is
 * restored around each handler so that every log line carries it.
 *
 * The two hot paths (auth-gateway HTTP, ondemand-router invocations) never enter
 * AsyncLocalStorage and pass the id explicitly; the other services use withCorrelation around
 * each message. On Node 20 AsyncLocalStorage ran on async_hooks, and once used every promise in
 * the process paid for it (measured: about a quarter of the gateway's and the router's CPU per
 * request); Node 24 no longer does, but the hot paths keep their explicit id.
 */
const storage = new AsyncLocalStorage<string>();

export const CORRELATION_HEADER = 'x-correlation-id';

/** Accepts a caller-supplied id only when it is short and printable, otherwise mints one. */
export function sanitizeCorrelationId(candidate: unknown): string {
  if (typeof candidate === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(candidate)) return candidate;
  return randomUUID();
}

export function withCorrelation<T>(id: string, fn: () => T): T {
  return storage.run(id, fn);
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}
