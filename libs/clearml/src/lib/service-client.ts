import { z } from 'zod';
import { envSecret, envUrl } from '@cleargate/config';
import { currentCorrelationId, LATENCY_BUCKETS_SECONDS, Logger, Metrics } from '@cleargate/observability';
import { ClearmlClient, ClearmlClientOptions } from './client';

/** The ClearML connection a service reads from its environment; spread into its `*Env` schema. */
export const clearmlEnv = {
  /** ClearML API server, e.g. `http://clearml-apiserver:8008` (or the web server's `https://host/api`). */
  CLEARML_API_HOST: envUrl(),
  CLEARML_API_ACCESS_KEY: z.string().trim().min(1),
  CLEARML_API_SECRET_KEY: envSecret(1),
  /** Pins the API version with a `/vX.Y/` path prefix; empty lets the server use its newest. */
  CLEARML_API_VERSION: z
    .string()
    .regex(/^\d+\.\d+$/, 'expected a version like 2.23')
    .optional(),
};
export type ClearmlEnv = z.infer<z.ZodObject<typeof clearmlEnv>>;

/**
 * A ClearML client as a ClearGate service uses it: every HTTP request counted and timed by
 * endpoint and outcome (`clearml_requests_total`, `clearml_request_duration_seconds`), and the
 * current correlation id sent as `X-Clearml-Trx`, which ClearML records as the call's
 * transaction id — so its logs and ours can be matched.
 */
export function createServiceClearmlClient(
  config: ClearmlEnv,
  options: Omit<ClearmlClientOptions, 'apiHost' | 'accessKey' | 'secretKey' | 'apiVersion' | 'onCall' | 'headers' | 'logger'>,
  deps: { metrics: Metrics; logger: Logger },
): ClearmlClient {
  const calls = deps.metrics.counter('clearml_requests_total', 'HTTP requests to the ClearML API, by endpoint and outcome', [
    'endpoint',
    'outcome',
  ]);
  const duration = deps.metrics.histogram(
    'clearml_request_duration_seconds',
    'Latency of HTTP requests to the ClearML API, by endpoint',
    ['endpoint'],
    LATENCY_BUCKETS_SECONDS,
  );
  return new ClearmlClient({
    apiHost: config.CLEARML_API_HOST,
    accessKey: config.CLEARML_API_ACCESS_KEY,
    secretKey: config.CLEARML_API_SECRET_KEY,
    ...(config.CLEARML_API_VERSION ? { apiVersion: config.CLEARML_API_VERSION } : {}),
    ...options,
    logger: deps.logger.child({ component: 'clearml' }),
    headers: (): Record<string, string> => {
      const id = currentCorrelationId();
      return id ? { 'X-Clearml-Trx': id } : {};
    },
    onCall: (e) => {
      calls.inc({ endpoint: e.endpoint, outcome: e.outcome });
      duration.observe({ endpoint: e.endpoint }, e.durationMs / 1000);
    },
  });
}
