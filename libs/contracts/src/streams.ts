import { alertRaised, taskStatusChanged } from './alerts/alerts';
import { enqueueCallRecorded, ondemandCallsRecorded } from './calllogs';
import { MessageContract, StreamKey } from './contract';
import { endpointChanged } from './registry/endpoints';
import { machineChanged } from './registry/machines';
import { runRequested, runStatusChanged, runStopRequested } from './runs/runs';

/** Every message kept in a JetStream stream. A stream's subjects are those of its messages. */
export const MESSAGE_CONTRACTS: readonly MessageContract[] = [
  machineChanged,
  endpointChanged,
  runStatusChanged,
  taskStatusChanged,
  ondemandCallsRecorded,
  enqueueCallRecorded,
  runRequested,
  runStopRequested,
  alertRaised,
];

/** A message that failed `max_deliver` times is kept as `dlq.<its subject>`. */
export const DEAD_LETTER_PREFIX = 'dlq.';

export interface StreamDefinition {
  /** Base name; the messaging layer prefixes it with the deployment namespace. */
  name: string;
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
    retention: 'workqueue',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Call-log records waiting to be written to PostgreSQL by the registry',
  },
  enqueue: {
    name: 'ENQUEUE',
    retention: 'workqueue',
    maxAgeMs: 7 * DAY,
    // The message id is the run id: a publish retried within a day is stored once.
    duplicateWindowMs: DAY,
    description: 'Runs waiting to be cloned and enqueued in ClearML',
  },
  alerts: {
    name: 'ALERTS',
    retention: 'workqueue',
    maxAgeMs: 7 * DAY,
    duplicateWindowMs: DAY,
    description: 'Alerts waiting to be delivered to chat channels',
  },
  deadLetter: {
    name: 'DEAD_LETTER',
    retention: 'limits',
    maxAgeMs: 30 * DAY,
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Messages that failed max_deliver times, kept for inspection and replay',
  },
};

/** The subjects a stream stores: its messages' subjects, and every dead letter for DEAD_LETTER. */
export function streamSubjects(key: StreamKey): string[] {
  if (key === 'deadLetter') return [`${DEAD_LETTER_PREFIX}>`];
  return MESSAGE_CONTRACTS.filter((m) => m.stream === key).map((m) => m.subject);
}
