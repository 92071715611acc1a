import { z } from 'zod';
import { envBool, envInt, envLogLevel, envPort, envUrl } from './env';

/** Variables every ClearGate service reads. */
export const commonEnv = {
  LOG_LEVEL: envLogLevel(),
  /** Port of the operations server: /health/live, /health/ready, /metrics. */
  OPS_PORT: envPort(9464),
  OPS_HOST: z.string().default('0.0.0.0'),
  NATS_URL: envUrl(['nats', 'tls'], 'nats://127.0.0.1:14222'),
  /** Prefix for every subject, stream and bucket name: several stacks can share one NATS. */
  NATS_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]*$/, 'lowercase letters, digits and dashes only')
    .default(''),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  NATS_REQUEST_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 10_000 }),
  /**
   * Send the NATS publishes of one event-loop turn in one socket write (libs/messaging
   * coalesce-writes.ts); off only to measure what it gives.
   */
  NATS_COALESCE_WRITES: envBool(true),
  SHUTDOWN_GRACE_MS: envInt({ min: 0, max: 120_000, default: 10_000 }),
};

export type CommonConfig = z.infer<z.ZodObject<typeof commonEnv>>;
