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
  /**
   * What the stream holds, which decides its limits (set by the migration step from its
   * configuration, JETSTREAM_*): `history` is kept for an age and the oldest goes first when
   * full; `work` is never removed by JetStream (no age limit, and a full stream refuses new
   * messages), a consumer dead-letters work that waited longer than the work age; `dead-letter`
   * is kept for its own age and refuses new letters when full rather than pushing old ones out.
   */
  kind: 'history' | 'work' | 'dead-letter';
  /** Window in which a repeated message id is dropped (publish retries, run ids). */
  duplicateWindowMs: number;
  description: string;
}

const DAY = 24 * 60 * 60 * 1000;

export const STREAMS: Record<StreamKey, StreamDefinition> = {
  events: {
    name: 'EVENTS',
    retention: 'limits',
    kind: 'history',
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Registry changes, run and task status changes',
  },
  // Call-log records only wait here until the registry has written them to PostgreSQL, which
  // keeps them: a work queue, so the stream holds what is not written yet rather than a week
  // of every call (at 10k calls/s that would be terabytes). While the registry is down it
  // grows within its max_bytes (JETSTREAM_STREAM_MAX_BYTES) and the server's max_file_store.
  calllogs: {
    name: 'CALLLOGS',
    retention: 'workqueue',
    kind: 'work',
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Call-log records waiting to be written to PostgreSQL by the registry',
  },
  enqueue: {
    name: 'ENQUEUE',
    retention: 'workqueue',
    kind: 'work',
    // The message id is the run id: a publish retried within a day is stored once.
    duplicateWindowMs: DAY,
    description: 'Runs waiting to be cloned and enqueued in ClearML',
  },
  alerts: {
    name: 'ALERTS',
    retention: 'workqueue',
    kind: 'work',
    duplicateWindowMs: DAY,
    description: 'Alerts waiting to be delivered to chat channels',
  },
  deadLetter: {
    name: 'DEAD_LETTER',
    retention: 'limits',
    kind: 'dead-letter',
    duplicateWindowMs: 2 * 60 * 1000,
    description: 'Messages that failed max_deliver times, kept for inspection and replay',
  },
};

/** The stream metadata key under which the migration step records the work age (milliseconds). */
export const WORK_MAX_AGE_METADATA = 'cleargate_work_max_age_ms';

/** The subjects a stream stores: its messages' subjects, and every dead letter for DEAD_LETTER. */
export function streamSubjects(key: StreamKey): string[] {
  if (key === 'deadLetter') return [`${DEAD_LETTER_PREFIX}>`];
  return MESSAGE_CONTRACTS.filter((m) => m.stream === key).map((m) => m.subject);
}
