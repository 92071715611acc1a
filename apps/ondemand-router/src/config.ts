import { z } from 'zod';
import { commonEnv, envBool, envInt, loadConfig } from '@cleargate/config';
import { CALLLOG_BATCH_RECORDS_MAX, ENDPOINT_TIMEOUT_MAX_MS } from '@cleargate/contracts';
import { egressEnv } from '@cleargate/egress';

export const routerEnv = z.object({
  ...commonEnv,
  /** A stop lets every call in hand finish: longer than the longest endpoint timeout. */
  SHUTDOWN_GRACE_MS: envInt({ min: 0, max: 900_000, default: ENDPOINT_TIMEOUT_MAX_MS + 10_000 }),
  /** Private, loopback or link-local ranges serving machines may be at after all (see libs/egress). */
  ...egressEnv,
  /** Keep-alive connections per serving machine. */
  UPSTREAM_CONNECTIONS: envInt({ min: 1, max: 1024, default: 64 }),
  UPSTREAM_CONNECT_TIMEOUT_MS: envInt({ min: 50, max: 60_000, default: 2_000 }),
  /**
   * How long a connection to a serving machine may sit idle and still take the next call. Keep it
   * below the machine's own idle close, which clearml-serving makes without a header saying so
   * (uvicorn: 5 s; gunicorn with CLEARML_USE_GUNICORN: 2 s): a call written on a connection the
   * machine is closing at that moment is lost with it (a 502 for a request the model never saw).
   */
  UPSTREAM_KEEPALIVE_MS: envInt({ min: 100, max: 600_000, default: 1_500 }),
  /** Largest model answer relayed; bigger ones are cut off with a 502. */
  UPSTREAM_MAX_RESPONSE_BYTES: envInt({ min: 1024, max: 64 * 1024 * 1024, default: 8 * 1024 * 1024 }),
  /** Consecutive transport failures (refused, reset, timeout) that open a machine's circuit. */
  BREAKER_FAILURES: envInt({ min: 1, max: 1000, default: 5 }),
  /** How long an open circuit waits before letting one trial request through. */
  BREAKER_HALF_OPEN_AFTER_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
  /** Full cache resync from the registry, healing any change event that was lost. */
  ROUTING_RESYNC_INTERVAL_MS: envInt({ min: 1_000, max: 86_400_000, default: 300_000 }),
  /** How long an unknown machine/endpoint pair is remembered as unknown. */
  ROUTING_NEGATIVE_TTL_MS: envInt({ min: 0, max: 600_000, default: 2_000 }),
  /** Invocations handled at once by this process; more wait for a slot. */
  INVOKE_CONCURRENCY: envInt({ min: 1, max: 100_000, default: 2_000 }),
  /** A streamed LLM answer whose caller takes no frame for this long is abandoned (the upstream request aborted). */
  STREAM_STALL_MS: envInt({ min: 100, max: 3_600_000, default: 60_000 }),
  /** Calls in flight to one serving machine at once (per replica) unless the machine sets its own max_in_flight; more are refused with 429. */
  ROUTER_MACHINE_MAX_IN_FLIGHT: envInt({ min: 1, max: 100_000, default: 256 }),
  CALLLOG_FLUSH_MS: envInt({ min: 1, max: 60_000, default: 50 }),
  CALLLOG_BATCH_MAX: envInt({ min: 1, max: CALLLOG_BATCH_RECORDS_MAX, default: 500 }),
  /** Records kept in memory while NATS is unreachable; beyond this the oldest are dropped (counted). */
  CALLLOG_BUFFER_MAX: envInt({ min: 1000, max: 10_000_000, default: 100_000 }),
  /** Keep the first 2 KiB of each model answer in the call log. */
  CALLLOG_RESPONSE_EXCERPT: envBool(true),
});
export type RouterConfig = z.infer<typeof routerEnv>;
export const loadRouterConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig('ondemand-router', routerEnv, env);
export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
