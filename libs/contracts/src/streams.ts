import { StreamKey } from './contract';

export interface StreamDefinition {
  /** Base name; the messaging layer prefixes it with the deployment namespace. */
  name: string;
  subjects: string[];
  retention: 'limits' | 'workqueue';
  maxAgeMs: number;
  /** Window in which a repeated message id is dropped (publish retries, run ids). */
  duplicateWindowMs: number;
  description: string;
}

const DAY = 24 * 60 * 60 * 1000;

export const STREAMS: Record<StreamKey, StreamDefinition> = {
  events: {
    name: 'EVENTS',
    subjects: ['registry.*.changed.v1', 'runs.run.status-changed.v1', 'clearml.task.status-changed.v1'],
    retention: 'limits',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Registry changes, run and task status changes',
  },
  // Call-log records only wait here until the registry has written them to PostgreSQL, which
  // keeps them: a work queue, so the stream holds what is not written yet rather than a week
  // of every call (at 10k calls/s that would be terabytes). While the registry is down it
  // grows within the server's JetStream limits (max_file_store).
  calllogs: {
    name: 'CALLLOGS',
    subjects: ['calllog.*.recorded.*'],
    retention: 'workqueue',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Call-log records waiting to be written to PostgreSQL by the registry',
  },
  enqueue: {
    name: 'ENQUEUE',
    subjects: ['enqueue.run.requested.v1'],
    retention: 'workqueue',
    maxAgeMs: 7 * DAY,
    // The message id is the run id: a publish retried within a day is stored once.
    duplicateWindowMs: DAY,
    description: 'Runs waiting to be cloned and enqueued in ClearML',
  },
  alerts: {
    name: 'ALERTS',
    subjects: ['alerts.notification.requested.v1'],
    retention: 'workqueue',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: DAY,
    description: 'Alerts waiting to be delivered to chat channels',
  },
  deadLetter: {
    name: 'DEAD_LETTER',
    subjects: ['dlq.>'],
    retention: 'limits',
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Messages that failed max_deliver times, kept for inspection and replay',
  },
};

export const DEAD_LETTER_PREFIX = 'dlq.';
