import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EnqueueCallRecord, enqueueCallRecorded, EnqueueOutcome, runStatusChanged } from '@cleargate/contracts';
import { MessagePublisher } from '@cleargate/messaging';
import { RunFailureCode } from './failures';
import { RunRequest } from './clone-request';

const ERROR_MAX = 2000;
/** Namespace of the name-based ids below (a fixed random UUID). */
const RECORD_ID_NAMESPACE = Buffer.from('5d0c6f0e8f3a4f7c9a2b1e4d6c8b0a13', 'hex');

/**
 * A UUID (version 5, RFC 9562) derived from `name`: the call-log record of one run outcome
 * has the same id however often the run is redelivered, so storing it twice is harmless.
 */
export function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(RECORD_ID_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RunOutcome {
  outcome: Extract<EnqueueOutcome, 'queued' | 'failed'>;
  clearmlTaskId: string | null;
  attempts: number;
  error: string | null;
  errorCode?: RunFailureCode;
  correlationId: string;
}

/**
 * The worker's events: run status changes and one call-log record per run outcome. Each
 * publish waits for the stream to store the message (the run's message is acknowledged only
 * afterwards) and carries an id derived from the run, so a redelivered run that publishes
 * again within the stream's duplicate window is stored once.
 */
@Injectable()
export class RunEvents {
  constructor(private readonly publisher: MessagePublisher) {}

  async retrying(run: RunRequest, attempts: number, error: string): Promise<void> {
    await this.publisher.publish(
      runStatusChanged,
      {
        run_id: run.run_id,
        status: 'retrying',
        queue: run.queue,
        error: error.slice(0, ERROR_MAX),
        attempts,
        at: new Date().toISOString(),
        source: 'enqueue-worker',
      },
      { msgId: `${run.run_id}:retrying:${attempts}` },
    );
  }

  /** The final status (queued or failed) and its call-log record. */
  async finished(run: RunRequest, result: RunOutcome): Promise<void> {
    const at = new Date();
    const error = result.error?.slice(0, ERROR_MAX) ?? null;
    await this.publisher.publish(
      runStatusChanged,
      {
        run_id: run.run_id,
        status: result.outcome,
        clearml_task_id: result.clearmlTaskId,
        queue: run.queue,
        error,
        error_code: result.errorCode ?? null,
        attempts: result.attempts,
        at: at.toISOString(),
        source: 'enqueue-worker',
      },
      { msgId: `${run.run_id}:${result.outcome}` },
    );
    const record: EnqueueCallRecord = {
      id: nameBasedUuid(`${run.run_id}:${result.outcome}`),
      at: at.toISOString(),
      correlation_id: result.correlationId.slice(0, 128),
      caller: run.caller.slice(0, 255),
      caller_subject: run.caller_subject ?? null,
      task_id: run.task_id,
      template_name: run.template_name?.slice(0, 200) ?? null,
      run_id: run.run_id,
      clearml_task_id: result.clearmlTaskId,
      queue: run.queue,
      route: run.route,
      outcome: result.outcome,
      duration_ms: runDurationMs(run, at),
      attempts: result.attempts,
      error,
    };
    await this.publisher.publish(enqueueCallRecorded, record, { msgId: record.id });
  }
}

/** From the caller's request to the outcome, retries and waiting in the queue included. */
export function runDurationMs(run: RunRequest, at: Date): number {
  return Math.max(0, at.getTime() - Date.parse(run.requested_at));
}
