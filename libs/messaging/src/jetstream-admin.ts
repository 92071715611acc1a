import { JetStreamApiError } from '@nats-io/jetstream';
import { errors as natsErrors } from '@nats-io/nats-core';

/** JetStream's "system temporarily unavailable" (a cluster still electing its leaders). */
const JETSTREAM_NOT_AVAILABLE = 10008;

/**
 * An answer of the JetStream API worth asking again: a request that timed out or found no
 * responder, or the cluster saying it is not ready. On a cluster that is starting, or that lost
 * a node, a consumer or bucket of three replicas can take longer to create than one API timeout.
 */
export function isJetStreamUnavailable(err: unknown): boolean {
  const cause = err instanceof natsErrors.RequestError ? err.cause : err;
  if (cause instanceof natsErrors.TimeoutError || cause instanceof natsErrors.NoRespondersError) return true;
  return err instanceof JetStreamApiError && (err.code === JETSTREAM_NOT_AVAILABLE || err.status === 503);
}

export interface AdminRetryOptions {
  /** What is being done, for the warning: "create consumer cleargate-enqueue-worker". */
  what: string;
  logger: { warn(obj: object, msg: string): void };
  /** Gives up (throws the last error) after this long. */
  timeoutMs?: number;
  pauseMs?: number;
}

/**
 * Runs a start-up step on the JetStream API (ensure a stream, consumer or bucket; read a stream's
 * settings) again while JetStream is unavailable, until `timeoutMs`. Every other error is
 * thrown at once: a wrong configuration must still stop the start-up.
 */
export async function whileJetStreamStarts<T>(step: () => Promise<T>, options: AdminRetryOptions): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isJetStreamUnavailable(err) || Date.now() >= deadline) throw err;
      options.logger.warn(
        { attempt, err: err instanceof Error ? err.message : String(err) },
        `JetStream did not answer; trying again to ${options.what}`,
      );
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 500));
    }
  }
}
