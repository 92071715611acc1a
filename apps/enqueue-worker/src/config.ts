import { z } from 'zod';
import { clearmlEnv } from '@cleargate/clearml';
import { commonEnv, envInt, envList, loadConfig } from '@cleargate/config';

export const workerEnv = z.object({
  ...commonEnv,
  ...clearmlEnv,
  /** One HTTP request to ClearML, from sending to the last byte of the answer. */
  CLEARML_TIMEOUT_MS: envInt({ min: 100, max: 300_000, default: 15_000 }),
  /** Attempts per ClearML call inside one delivery (reads, and writes the server cannot have applied). */
  CLEARML_RETRY_ATTEMPTS: envInt({ min: 1, max: 10, default: 3 }),
  /** Sockets kept open to the ClearML API server. */
  CLEARML_CONNECTIONS: envInt({ min: 1, max: 1024, default: 16 }),
  /** Runs worked on at the same time by this process. */
  ENQUEUE_CONCURRENCY: envInt({ min: 1, max: 1024, default: 16 }),
  /** Deliveries of one run before it is given up (failed, then moved to the dead-letter subject). */
  ENQUEUE_MAX_DELIVER: envInt({ min: 1, max: 10_000, default: 50 }),
  /** Delay before the n-th redelivery after a transient failure; the last value repeats. */
  ENQUEUE_BACKOFF_MS: envList(['1000', '2000', '4000', '8000', '15000', '30000', '60000']).pipe(
    z
      .array(z.string().regex(/^\d+$/, 'expected milliseconds').transform(Number).pipe(z.number().max(3_600_000)))
      .min(1, 'at least one delay'),
  ),
  /** JetStream redelivers a run nobody acknowledged for this long (a worker that died mid-run). */
  ENQUEUE_ACK_WAIT_MS: envInt({ min: 1_000, max: 3_600_000, default: 60_000 }),
  /** How long a template task (name, project, hyperparameters) is reused without reading it again; 0 reads it per run. */
  TEMPLATE_CACHE_TTL_MS: envInt({ min: 0, max: 86_400_000, default: 60_000 }),
  TEMPLATE_CACHE_MAX: envInt({ min: 1, max: 1_000_000, default: 1_000 }),
  /** How long a queue name → id resolution is reused; 0 resolves it per run. */
  QUEUE_CACHE_TTL_MS: envInt({ min: 0, max: 86_400_000, default: 300_000 }),
});
export type WorkerConfig = z.infer<typeof workerEnv>;
export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig('enqueue-worker', workerEnv, env);
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
