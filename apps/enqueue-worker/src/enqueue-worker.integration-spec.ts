import { randomUUID } from 'node:crypto';
import { AckPolicy, type JsMsg } from '@nats-io/jetstream';
import {
  DEAD_LETTER_PREFIX,
  EnqueueCallRecord,
  enqueueCallRecorded,
  MessagePayload,
  runRequested,
  runStatusChanged,
} from '@cleargate/contracts';
import { decodeJson, encodeJson, ensureStreams, streamName } from '@cleargate/messaging';
import { CORRELATION_HEADER, createRuntime } from '@cleargate/observability';
import { ClearmlPeer, ClearmlSeed, ClearmlTaskDoc, startClearmlPeer } from '@cleargate/peers';
import { capturingLogger, connectTestBus, DEV_NATS_URL, dropNamespace, TestBus, createTestNamespace, waitFor } from '@cleargate/testing';
import { loadWorkerConfig } from './config';
import { startEnqueueWorker } from './main';

jest.setTimeout(30_000);

type RunRequest = MessagePayload<typeof runRequested>;
type StatusEvent = MessagePayload<typeof runStatusChanged>;

const IDS = {
  project: 'aa000000000000000000000000000001',
  template: 'aa000000000000000000000000000002',
  otherTemplate: 'aa000000000000000000000000000003',
  defaultQueue: 'aa000000000000000000000000000010',
  gpuQueue: 'aa000000000000000000000000000011',
  cpuQueue: 'aa000000000000000000000000000012',
};
const MAX_DELIVER = 5;

const seed: ClearmlSeed = {
  projects: [{ id: IDS.project, name: 'Snap4City' }],
  queues: [
    { id: IDS.defaultQueue, name: 'default', default: true },
    { id: IDS.gpuQueue, name: 'gpu a100' },
    { id: IDS.cpuQueue, name: 'cpu' },
  ],
  tasks: [
    {
      id: IDS.template,
      name: 'Traffic forecast',
      project: IDS.project,
      status: 'completed',
      hyperparams: {
        General: {
          lr: { value: '0.01', type: 'float', description: 'learning rate' },
          epochs: { value: '10', type: 'int' },
          model: { value: 'lstm', type: 'str' },
        },
        Args: { seed: { value: '42', type: 'int' } },
      },
      container: { image: 'snap4city/traffic:1.4', arguments: '--ipc=host', setup_shell_script: 'pip install -r req.txt' },
    },
    {
      id: IDS.otherTemplate,
      name: 'Air quality',
      project: IDS.project,
      status: 'completed',
      hyperparams: { General: { station: { value: 'FI-AQ-07', type: 'str' } } },
      container: { image: 'snap4city/air:0.9' },
    },
  ],
};

let peer: ClearmlPeer;
let bus: TestBus;
let namespace: string;
let worker: Awaited<ReturnType<typeof startEnqueueWorker>>;
const logs = capturingLogger('enqueue-worker', 'info');
const statuses: StatusEvent[] = [];
const records: EnqueueCallRecord[] = [];
const stops: (() => Promise<void>)[] = [];

function runRequest(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    run_id: randomUUID(),
    task_id: 'b'.repeat(64),
    clearml_task_id: IDS.template,
    template_name: null,
    params_section: 'General',
    queue: 'default',
    params: { lr: 0.5, opt: { momentum: 0.9 } },
    caller: 'alice',
    route: 'v1',
    requested_at: '2025-03-07T09:05:03.000Z',
    ...overrides,
  };
}

async function publish(run: RunRequest, msgId = run.run_id, correlationId = `corr-${run.run_id.slice(0, 8)}`) {
  return bus.publisher.publish(runRequested, run, { msgId, headers: { [CORRELATION_HEADER]: correlationId } });
}

const statusesOf = (runId: string) => statuses.filter((s) => s.run_id === runId);
const recordsOf = (runId: string) => records.filter((r) => r.run_id === runId);
const waitForStatus = (runId: string, status: StatusEvent['status'], timeoutMs = 10_000) =>
  waitFor(() => statusesOf(runId).find((s) => s.status === status), { timeoutMs, message: `run ${runId} ${status}` });
const clonesOf = (runId: string): ClearmlTaskDoc[] =>
  [...peer.store.tasks.values()].filter((t) => t.system_tags.includes(`cleargate-run:${runId}`));

/** Messages still in the work queue (a message leaves it when acked or dead-lettered). */
async function pendingRuns(): Promise<number> {
  const info = await bus.nats.manager.streams.info(streamName(bus.nats, 'enqueue'));
  return info.state.messages;
}

/**
 * What is stored on a stream (what the registry would see), in order. One subject per consumer:
 * NATS 2.9 filters on one. A work-queue stream (CALLLOGS) takes no ordered consumer, so there the
 * test reads through an acknowledging consumer of its own, as the registry does.
 */
async function follow(subject: string, stream: 'events' | 'calllogs' | 'deadLetter', onMessage: (msg: JsMsg) => void) {
  const name = streamName(bus.nats, stream);
  const filter = bus.nats.subject(subject);
  let consumer;
  if (stream === 'calllogs') {
    const durable = `test-follow-${stream}`;
    await bus.nats.manager.consumers.add(name, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: filter });
    consumer = await bus.nats.jetstream.consumers.get(name, durable);
  } else {
    consumer = await bus.nats.jetstream.consumers.get(name, { filter_subjects: filter });
  }
  const messages = await consumer.consume();
  void (async () => {
    for await (const msg of messages) {
      onMessage(msg);
      if (stream === 'calllogs') msg.ack();
    }
  })();
  stops.push(async () => {
    await messages.close();
  });
}

const deadLetters: JsMsg[] = [];

beforeAll(async () => {
  peer = await startClearmlPeer({ seed, agents: false });
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  await ensureStreams(bus.nats, ['enqueue', 'events', 'calllogs', 'deadLetter']);
  await follow(runStatusChanged.subject, 'events', (msg) => statuses.push(runStatusChanged.payload.parse(decodeJson(msg.data))));
  await follow(enqueueCallRecorded.subject, 'calllogs', (msg) => records.push(enqueueCallRecorded.payload.parse(decodeJson(msg.data))));
  await follow(`${DEAD_LETTER_PREFIX}>`, 'deadLetter', (msg) => deadLetters.push(msg));
  worker = await startEnqueueWorker(
    loadWorkerConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      OPS_HOST: '127.0.0.1',
      CLEARML_API_HOST: peer.url,
      CLEARML_API_ACCESS_KEY: 'cleargate-access',
      CLEARML_API_SECRET_KEY: 'cleargate-secret',
      CLEARML_TIMEOUT_MS: '3000',
      // One HTTP attempt per call, so a delivery fails fast and redelivery does the retrying.
      CLEARML_RETRY_ATTEMPTS: '1',
      ENQUEUE_BACKOFF_MS: '200,400',
      ENQUEUE_MAX_DELIVER: String(MAX_DELIVER),
    }),
    createRuntime('enqueue-worker', 'info', logs.logger),
  );
});

afterAll(async () => {
  await worker?.close();
  for (const stop of stops) await stop();
  await bus?.close();
  await peer?.close();
  if (namespace) await dropNamespace(namespace);
});

beforeEach(() => {
  peer.control.clearFaults();
  peer.resetCalls();
});

describe('a run', () => {
  it('is cloned with the merged params, a cleared container and its tags, then queued, with one call-log record', async () => {
    const run = runRequest({ params: { lr: 0.5, opt: { momentum: 0.9 }, note: 'hi' } });
    await publish(run);
    const queued = await waitForStatus(run.run_id, 'queued');

    const [clone, ...others] = clonesOf(run.run_id);
    expect(others).toHaveLength(0);
    expect(clone).toBeDefined();
    expect(queued).toMatchObject({ clearml_task_id: clone!.id, queue: 'default', attempts: 1, source: 'enqueue-worker', error: null });
    expect(clone!.status).toBe('queued');
    expect(clone!.execution.queue).toBe(IDS.defaultQueue);
    expect(clone!.name).toBe('Traffic forecast_20250307_090503');
    expect(clone!.project).toBe(IDS.project);
    expect(clone!.parent).toBe(IDS.template);
    expect(clone!.system_tags).toEqual(['cleargate', `cleargate-run:${run.run_id}`]);
    expect(clone!.container).toEqual({ image: '', arguments: '', setup_shell_script: '' });
    expect(clone!.hyperparams).toEqual({
      General: {
        lr: { section: 'General', name: 'lr', value: '0.5', type: 'float', description: 'learning rate' },
        epochs: { section: 'General', name: 'epochs', value: '10', type: 'int' },
        model: { section: 'General', name: 'model', value: 'lstm', type: 'str' },
        'opt/momentum': { section: 'General', name: 'opt/momentum', value: '0.9', type: 'float' },
        note: { section: 'General', name: 'note', value: 'hi', type: 'str' },
      },
      Args: { seed: { section: 'Args', name: 'seed', value: '42', type: 'int' } },
    });
    // The template is untouched.
    expect(peer.store.tasks.get(IDS.template)!.container.image).toBe('snap4city/traffic:1.4');

    await waitFor(() => recordsOf(run.run_id).length === 1);
    expect(recordsOf(run.run_id)[0]).toMatchObject({
      outcome: 'queued',
      run_id: run.run_id,
      clearml_task_id: clone!.id,
      queue: 'default',
      caller: 'alice',
      task_id: 'b'.repeat(64),
      route: 'v1',
      attempts: 1,
      error: null,
      correlation_id: `corr-${run.run_id.slice(0, 8)}`,
    });
    expect(peer.calls()).toMatchObject({ 'tasks.clone': 1, 'tasks.enqueue': 1 });
    await waitFor(async () => (await pendingRuns()) === 0, { message: 'run acked' });

    const lines = logs.lines.filter((l) => l.includes(run.run_id));
    expect(lines.some((l) => l.includes('run queued in ClearML'))).toBe(true);
    expect(lines.every((l) => JSON.parse(l).correlation_id === `corr-${run.run_id.slice(0, 8)}`)).toBe(true);
    expect(logs.lines.join('\n')).not.toContain('cleargate-secret');
  });

  it('goes to the queue named in the request instead of the default one', async () => {
    const run = runRequest({ queue: 'gpu a100' });
    await publish(run);
    const queued = await waitForStatus(run.run_id, 'queued');
    expect(queued.queue).toBe('gpu a100');
    const [clone] = clonesOf(run.run_id);
    expect(clone!.execution.queue).toBe(IDS.gpuQueue);
    expect(peer.store.queues.get(IDS.gpuQueue)!.entries.map((e) => e.task)).toContain(clone!.id);
  });

  it('costs two ClearML writes in steady state: the template and the queue are read once for many runs', async () => {
    const runs = [1, 2, 3].map((i) =>
      runRequest({ clearml_task_id: IDS.otherTemplate, queue: 'cpu', params: { station: `S-${i}` }, template_name: 'aq' }),
    );
    for (const run of runs) await publish(run);
    for (const run of runs) await waitForStatus(run.run_id, 'queued');

    expect(peer.calls()).toMatchObject({
      'tasks.get_all': 3,
      'tasks.get_by_id': 1,
      'queues.get_all': 1,
      'tasks.clone': 3,
      'tasks.enqueue': 3,
    });
    expect(peer.writeCalls()).toBe(6);
    expect(runs.map((r) => clonesOf(r.run_id)[0]!.hyperparams['General']!['station']!.value).sort()).toEqual(['S-1', 'S-2', 'S-3']);
    expect(clonesOf(runs[0]!.run_id)[0]!.name).toBe('aq_20250307_090503');
  });
});

describe('a cached queue', () => {
  it('that was deleted and recreated in ClearML is resolved again, and the run still goes to it', async () => {
    peer.store.queues.delete(IDS.cpuQueue); // cached by the steady-state test
    const recreated = peer.store.addQueue({ name: 'cpu' });
    const run = runRequest({ queue: 'cpu' });
    await publish(run);
    const queued = await waitForStatus(run.run_id, 'queued');
    expect(statusesOf(run.run_id).map((s) => s.status)).toEqual(['retrying', 'queued']);
    expect(clonesOf(run.run_id)).toHaveLength(1);
    expect(peer.store.queues.get(recreated.id)!.entries.map((e) => e.task)).toEqual([queued.clearml_task_id]);
    expect(peer.calls()).toMatchObject({ 'tasks.clone': 1, 'queues.get_all': 1 });
  });
});

describe('a permanent failure', () => {
  it('fails a run whose template task ClearML does not know as not_found, after one delivery', async () => {
    const run = runRequest({ clearml_task_id: 'ffffffffffffffffffffffffffffffff' });
    await publish(run);
    const failed = await waitForStatus(run.run_id, 'failed');
    expect(failed).toMatchObject({ error_code: 'not_found', attempts: 1, clearml_task_id: null });
    expect(failed.error).toContain('Invalid task id');
    await waitFor(() => recordsOf(run.run_id).length === 1);
    expect(recordsOf(run.run_id)[0]).toMatchObject({ outcome: 'failed', attempts: 1, error: failed.error });

    await new Promise((r) => setTimeout(r, 600)); // longer than the backoff: a retry would have happened
    expect(statusesOf(run.run_id).map((s) => s.status)).toEqual(['failed']);
    expect(peer.calls()['tasks.get_by_id']).toBe(1);
    expect(peer.writeCalls()).toBe(0);
    expect(await pendingRuns()).toBe(0);
    expect(deadLetters.some((m) => decodeRun(m)?.run_id === run.run_id)).toBe(false);
  });

  it('fails a run for an unknown queue as invalid_argument without creating anything (no queue is auto-created)', async () => {
    const queuesBefore = peer.store.queues.size;
    const run = runRequest({ queue: 'no-such-queue' });
    await publish(run);
    const failed = await waitForStatus(run.run_id, 'failed');
    expect(failed).toMatchObject({ error_code: 'invalid_argument', error: 'queue "no-such-queue" does not exist in ClearML' });
    expect(clonesOf(run.run_id)).toHaveLength(0);
    expect(peer.writeCalls()).toBe(0);
    expect(peer.store.queues.size).toBe(queuesBefore);
    expect(statusesOf(run.run_id).map((s) => s.status)).toEqual(['failed']);
  });

  it("fails on ClearML's invalid_task_id at clone time with ClearML's message, not retried, and forgets the cached template", async () => {
    peer.control.failNext('tasks.clone', { status: 400, subcode: 101, message: 'Invalid task id: id=aa000000000000000000000000000002' });
    const run = runRequest();
    await publish(run);
    const failed = await waitForStatus(run.run_id, 'failed');
    expect(failed.error_code).toBe('not_found');
    expect(failed.error).toContain('Invalid task id: id=aa000000000000000000000000000002');
    await new Promise((r) => setTimeout(r, 600));
    expect(statusesOf(run.run_id).map((s) => s.status)).toEqual(['failed']);
    expect(peer.calls()['tasks.clone']).toBe(1);

    const next = runRequest();
    await publish(next);
    await waitForStatus(next.run_id, 'queued');
    expect(peer.calls()['tasks.get_by_id']).toBe(1);
  });
});

describe('ClearML unreachable', () => {
  it('reports retrying with the attempts while ClearML is down, then queues the run once it is back', async () => {
    await peer.stop();
    const run = runRequest();
    try {
      await publish(run);
      await waitFor(() => statusesOf(run.run_id).filter((s) => s.status === 'retrying').length >= 2, { message: 'two retries' });
    } finally {
      await peer.start();
    }
    const retrying = statusesOf(run.run_id).filter((s) => s.status === 'retrying');
    expect(retrying.map((s) => s.attempts).slice(0, 2)).toEqual([1, 2]);
    expect(retrying[0]!.error).toMatch(/ClearML tasks\.get_all: network error \(refused\)/);
    const queued = await waitForStatus(run.run_id, 'queued');
    expect(queued.attempts).toBeGreaterThanOrEqual(3);
    expect(clonesOf(run.run_id)).toHaveLength(1);
    await waitFor(() => recordsOf(run.run_id).length === 1);
    expect(recordsOf(run.run_id)[0]!.attempts).toBe(queued.attempts);
  });

  it(`gives up after ${MAX_DELIVER} deliveries: the run fails and its message goes to the dead-letter subject`, async () => {
    await peer.stop();
    const run = runRequest();
    let failed: StatusEvent;
    try {
      await publish(run);
      failed = await waitForStatus(run.run_id, 'failed');
    } finally {
      await peer.start();
    }
    expect(failed).toMatchObject({ error_code: 'upstream_error', attempts: MAX_DELIVER });
    expect(failed.error).toMatch(new RegExp(`^gave up after ${MAX_DELIVER} attempts: ClearML tasks\\.get_all: network error`));
    expect(statusesOf(run.run_id).filter((s) => s.status === 'retrying')).toHaveLength(MAX_DELIVER - 1);
    const dead = await waitFor(() => deadLetters.find((m) => decodeRun(m)?.run_id === run.run_id));
    expect(dead.subject).toBe(bus.nats.subject(`${DEAD_LETTER_PREFIX}${runRequested.subject}`));
    expect(dead.headers?.get('cg-dlq-reason')).toBe(failed.error);
    expect(dead.headers?.get('cg-dlq-deliveries')).toBe(String(MAX_DELIVER));
    await waitFor(async () => (await pendingRuns()) === 0);
    expect(clonesOf(run.run_id)).toHaveLength(0);
  });
});

describe('exactly once per run id', () => {
  it('a lost answer to tasks.clone: the redelivery finds the clone by its tag and only enqueues it', async () => {
    peer.control.resetAfterNext('tasks.clone');
    const run = runRequest();
    await publish(run);
    const queued = await waitForStatus(run.run_id, 'queued');
    expect(statusesOf(run.run_id).map((s) => s.status)).toEqual(['retrying', 'queued']);
    const clones = clonesOf(run.run_id);
    expect(clones).toHaveLength(1);
    expect(clones[0]!.status).toBe('queued');
    expect(queued).toMatchObject({ clearml_task_id: clones[0]!.id, attempts: 2 });
    expect(peer.calls()).toMatchObject({ 'tasks.clone': 1, 'tasks.enqueue': 1 });
  });

  it('a crash between clone and enqueue: the redelivery enqueues the existing clone, no second clone', async () => {
    peer.control.failNext('tasks.enqueue', { status: 502 });
    const run = runRequest();
    await publish(run);
    const queued = await waitForStatus(run.run_id, 'queued');
    const clones = clonesOf(run.run_id);
    expect(clones).toHaveLength(1);
    expect(clones[0]!.status).toBe('queued');
    expect(queued.clearml_task_id).toBe(clones[0]!.id);
    expect(peer.calls()).toMatchObject({ 'tasks.clone': 1, 'tasks.enqueue': 2 });
  });

  it('a lost answer to tasks.enqueue: the redelivery sees the task queued and enqueues nothing', async () => {
    peer.control.resetAfterNext('tasks.enqueue');
    const run = runRequest();
    await publish(run);
    const queued = await waitForStatus(run.run_id, 'queued');
    expect(queued.attempts).toBe(2);
    expect(clonesOf(run.run_id)).toHaveLength(1);
    expect(peer.calls()).toMatchObject({ 'tasks.clone': 1, 'tasks.enqueue': 1 });
    expect(peer.store.queues.get(IDS.defaultQueue)!.entries.filter((e) => e.task === queued.clearml_task_id)).toHaveLength(1);
  });

  it('a duplicate message with the same run id does nothing twice, in ClearML or on the event stream', async () => {
    const run = runRequest();
    expect((await publish(run)).duplicate).toBe(false);
    expect((await publish(run)).duplicate).toBe(true);
    await waitForStatus(run.run_id, 'queued');
    // Past the stream's duplicate window (or replayed by an operator) the run arrives again.
    await publish(run, `${run.run_id}:replayed`);
    await waitFor(async () => (await pendingRuns()) === 0 && peer.calls()['tasks.get_all'] === 2, { message: 'replay handled' });
    await new Promise((r) => setTimeout(r, 300));

    expect(clonesOf(run.run_id)).toHaveLength(1);
    expect(peer.calls()).toMatchObject({ 'tasks.clone': 1, 'tasks.enqueue': 1 });
    expect(peer.writeCalls()).toBe(2);
    expect(statusesOf(run.run_id).map((s) => s.status)).toEqual(['queued']);
    expect(recordsOf(run.run_id)).toHaveLength(1);
  });
});

describe('a poison message', () => {
  it('goes to the dead-letter subject with the reason, and the worker carries on', async () => {
    const subject = bus.nats.subject(runRequested.subject);
    const notJson = await bus.nats.jetstream.publish(subject, new TextEncoder().encode('{not json'), { msgID: 'poison-1' });
    const notARun = await bus.nats.jetstream.publish(subject, encodeJson({ run_id: 'not-a-uuid' }), { msgID: 'poison-2' });
    const reasonOf = (seq: number) =>
      deadLetters.find((m) => m.headers?.get('cg-dlq-stream-seq') === String(seq))?.headers?.get('cg-dlq-reason');
    const reasons = await waitFor(() =>
      reasonOf(notJson.seq) && reasonOf(notARun.seq) ? [reasonOf(notJson.seq), reasonOf(notARun.seq)] : undefined,
    );
    expect(reasons[0]).toBe('payload is not valid JSON');
    expect(reasons[1]).toMatch(/^invalid payload/);

    const run = runRequest();
    await publish(run);
    await waitForStatus(run.run_id, 'queued');
    expect(peer.writeCalls()).toBe(2);
  });
});

describe('operations', () => {
  it('is ready with NATS and ClearML, and exports its metrics', async () => {
    const ready = await fetch(`http://127.0.0.1:${worker.opsPort}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { nats: 'ok', clearml: 'ok' } });
    const metrics = await (await fetch(`http://127.0.0.1:${worker.opsPort}/metrics`)).text();
    const value = (line: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(line))
          ?.split(' ')
          .pop(),
      );
    expect(value('cleargate_enqueue_worker_runs_total{outcome="queued"}')).toBeGreaterThanOrEqual(10);
    expect(value('cleargate_enqueue_worker_runs_total{outcome="failed"}')).toBeGreaterThanOrEqual(4);
    // The run given up plus the two poison messages.
    expect(value('cleargate_enqueue_worker_dead_letters_total{consumer="enqueue-worker"}')).toBe(3);
    expect(value('cleargate_enqueue_worker_run_retries_total')).toBeGreaterThanOrEqual(MAX_DELIVER + 2);
    expect(value('cleargate_enqueue_worker_clearml_requests_total{endpoint="tasks.clone",outcome="ok"}')).toBeGreaterThanOrEqual(10);
    expect(metrics).toContain('cleargate_enqueue_worker_run_duration_seconds_bucket{le="0.5",outcome="queued"}');
    expect(metrics).toContain('cleargate_enqueue_worker_clearml_request_duration_seconds_bucket{le="0.01",endpoint="tasks.enqueue"}');
    expect(value('cleargate_enqueue_worker_in_flight_runs')).toBe(0);
  });
});

function decodeRun(msg: JsMsg): RunRequest | undefined {
  const parsed = runRequested.payload.safeParse(safeJson(msg.data));
  return parsed.success ? parsed.data : undefined;
}

function safeJson(data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    return undefined;
  }
}
