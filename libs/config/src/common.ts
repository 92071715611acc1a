import { z } from 'zod';
import { envBool, envInt, envLogLevel, envPort, envUrlList } from './env';

/** Variables every ClearGate service reads. */
export const commonEnv = {
  LOG_LEVEL: envLogLevel(),
  /** Port of the operations server: /health/live, /health/ready, /metrics. */
  OPS_PORT: envPort(9464),
  OPS_HOST: z.string().default('0.0.0.0'),
  /**
   * The NATS servers, comma-separated (every node of a cluster, so a client that loses one
   * connects to another): `nats://` or `tls://` URLs, all of one scheme; `tls://` requires TLS.
   */
  NATS_URL: envUrlList(['nats', 'tls'], 'nats://127.0.0.1:14222'),
  /** Prefix for every subject, stream and bucket name: several stacks can share one NATS. */
  NATS_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]*$/, 'lowercase letters, digits and dashes only')
    .default(''),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  /**
   * Connect to NATS without credentials. Only for the local demo and the tests: otherwise a
   * service refuses to start without NATS_USER, since anyone who can publish on the bus can act
   * as any service (see SECURITY.md).
   */
  NATS_ANONYMOUS: envBool(false),
  /** PEM file of the CA that signed the NATS servers' certificates (tls:// URLs); empty: the system CAs. */
  NATS_TLS_CA_FILE: z.string().optional(),
  NATS_REQUEST_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 10_000 }),
  /**
   * Send the NATS publishes of one event-loop turn in one socket write (libs/messaging
   * coalesce-writes.ts); off only to measure what it gives.
   */
  NATS_COALESCE_WRITES: envBool(true),
  /**
   * How long a stop (SIGTERM) may take: readiness fails at once, then the work in hand finishes.
   * The gateway and the router default to longer than the longest endpoint timeout.
   */
  SHUTDOWN_GRACE_MS: envInt({ min: 0, max: 900_000, default: 10_000 }),
};

export type CommonConfig = z.infer<z.ZodObject<typeof commonEnv>>;
