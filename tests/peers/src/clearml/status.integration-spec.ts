import {
  CLEARML_STATE_MACHINE as STATE_MACHINE,
  CLEARML_TASK_STATUSES as TASK_STATUSES,
  ClearmlPeer,
  ClearmlTaskStatus as TaskStatus,
  startClearmlPeer,
} from './index';
import { PeerClient } from './testing';

const TEMPLATE = '3'.repeat(32);

describe('ClearML peer: enqueue, stop, reset and the status machine', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;
  let defaultQueue: string;
  let servicesQueue: string;

  beforeAll(async () => {
    peer = await startClearmlPeer({
      agents: false,
      seed: {
        queues: [{ name: 'default', default: true }, { name: 'services' }],
        tasks: [{ id: TEMPLATE, name: 'template', status: 'completed' }],
      },
    });
    api = new PeerClient(peer.url);
    await api.login();
    defaultQueue = peer.store.queueByName('default')!.id;
    servicesQueue = peer.store.queueByName('services')!.id;
  });
  afterAll(() => peer.close());

  const draft = async (): Promise<string> => (await api.ok('tasks.clone', { task: TEMPLATE })).id;
  const getTask = async (id: string) => (await api.ok('tasks.get_by_id', { task: id })).task;
  const entries = (queueId: string) => peer.store.queues.get(queueId)!.entries.map((e) => e.task);

  it('enqueues by queue id with the {updated, fields, queued} response', async () => {
    const id = await draft();
    const res = await api.ok('tasks.enqueue', { task: id, queue: servicesQueue, status_reason: 'run', status_message: 'by test' });
    expect(res).toEqual({
      queued: 1,
      updated: 1,
      fields: {
        status: 'queued',
        status_reason: 'run',
        status_message: 'by test',
        status_changed: expect.any(String),
        last_update: expect.any(String),
        last_change: expect.any(String),
        last_changed_by: 'cleargate-user',
        enqueue_status: 'created',
        'execution.queue': servicesQueue,
      },
    });
    expect(entries(servicesQueue)).toContain(id);
    const t = await getTask(id);
    expect(t).toMatchObject({ status: 'queued', execution: { queue: servicesQueue } });
    expect(t.status_changed).toBe(res.fields.status_changed);
  });

  it('enqueues by queue_name, creating the queue when missing', async () => {
    const id = await draft();
    const res = await api.ok('tasks.enqueue', { task: id, queue_name: 'gpu-large' });
    const created = peer.store.queueByName('gpu-large');
    expect(created).toBeDefined();
    expect(res.fields['execution.queue']).toBe(created!.id);
    const queues = await api.ok('queues.get_all', { name: '^gpu-large$' });
    expect(queues.queues).toHaveLength(1);
    expect(queues.queues[0].entries).toEqual([{ task: id, added: expect.any(String) }]);

    const both = await api.call('tasks.enqueue', { task: id, queue: defaultQueue, queue_name: 'default' });
    expect(both.body.meta).toMatchObject({
      result_subcode: 12,
      result_msg: 'Validation error (Either queue id or queue name should be provided)',
    });
  });

  it('uses the queue tagged "default" when none is given, 707 when there is none', async () => {
    const id = await draft();
    const res = await api.ok('tasks.enqueue', { task: id });
    expect(res.fields['execution.queue']).toBe(defaultQueue);

    const bare = await startClearmlPeer({
      agents: false,
      seed: { queues: [{ name: 'untagged' }], tasks: [{ id: TEMPLATE, name: 'template' }] },
    });
    try {
      const c = new PeerClient(bare.url);
      await c.login();
      const none = await c.call('tasks.enqueue', { task: TEMPLATE });
      expect(none.status).toBe(400);
      expect(none.body.meta).toMatchObject({ result_subcode: 707, result_msg: 'No queue is tagged as the default queue for this company' });
    } finally {
      await bare.close();
    }
  });

  it('rejects unknown queues and reverts the status with "failed enqueueing"', async () => {
    const id = await draft();
    const res = await api.call('tasks.enqueue', { task: id, queue: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.meta).toMatchObject({ result_subcode: 701, error_data: { id: 'nope' } });
    const t = await getTask(id);
    expect(t).toMatchObject({ status: 'created', status_reason: 'failed enqueueing' });
    expect(t).toHaveProperty('status_changed');

    const unknownTask = await api.call('tasks.enqueue', { task: 'nope', queue: defaultQueue });
    expect(unknownTask.body.meta.result_subcode).toBe(101);
  });

  it('refuses to enqueue a task already in the same queue (706) and moves it between queues', async () => {
    const id = await draft();
    await api.ok('tasks.enqueue', { task: id, queue: defaultQueue });
    const again = await api.call('tasks.enqueue', { task: id, queue: defaultQueue });
    expect(again.body.meta).toMatchObject({ result_code: 400, result_subcode: 706 });
    expect((await getTask(id)).status).toBe('queued');
    await api.ok('tasks.enqueue', { task: id, queue: servicesQueue });
    expect(entries(defaultQueue)).not.toContain(id);
    expect(entries(servicesQueue)).toContain(id);
  });

  it('validates transitions with the state machine', async () => {
    const res = await api.call('tasks.enqueue', { task: (await draft()).toString(), queue: defaultQueue });
    expect(res.status).toBe(200);
    // completed -> queued is not allowed
    const completed = await api.call('tasks.enqueue', { task: TEMPLATE, queue: defaultQueue });
    expect(completed.body.meta).toMatchObject({
      result_subcode: 110,
      result_msg: 'Invalid task status (Invalid status change): current_status=completed, new_status=queued',
    });
    const forced = await api.call('tasks.enqueue', { task: TEMPLATE, queue: defaultQueue, force: true });
    expect(forced.status).toBe(200);
    await api.ok('tasks.dequeue', { task: TEMPLATE });
    expect((await getTask(TEMPLATE)).status).toBe('completed');

    // every pair of statuses, through tasks.stop on an idle task (target: stopped)
    for (const from of TASK_STATUSES) {
      const id = await draft();
      peer.control.setTaskStatus(id, from as TaskStatus);
      const stop = await api.call('tasks.stop', { task: id });
      const allowed = from === 'stopped' || STATE_MACHINE[from].has('stopped');
      expect([from, stop.status]).toEqual([from, allowed ? 200 : 400]);
    }
  });

  it('stops queued tasks directly, running tasks through the worker, idle ones with "Stopped by"', async () => {
    const queued = await draft();
    await api.ok('tasks.enqueue', { task: queued, queue: defaultQueue });
    const res = await api.ok('tasks.stop', { task: queued, status_reason: 'not needed' });
    expect(res.fields).toMatchObject({ status: 'stopped', status_reason: 'not needed', status_message: 'Stopped by ClearGate' });
    expect(entries(defaultQueue)).not.toContain(queued);

    const running = await draft();
    peer.control.setTaskStatus(running, 'in_progress');
    peer.store.tasks.get(running)!.last_worker = 'worker-1';
    const stopping = await api.ok('tasks.stop', { task: running });
    expect(stopping.fields).toMatchObject({ status: 'in_progress', status_message: 'stopping' });

    // no worker reported for the task: stopped at once
    const orphan = await draft();
    peer.control.setTaskStatus(orphan, 'in_progress');
    expect((await api.ok('tasks.stop', { task: orphan })).fields.status).toBe('stopped');

    // a draft cannot be stopped without force
    const d = await draft();
    expect((await api.call('tasks.stop', { task: d })).status).toBe(400);
    expect((await api.ok('tasks.stop', { task: d, force: true })).fields.status).toBe('stopped');
  });

  it('resets tasks back to created and clears run data', async () => {
    const id = await draft();
    await api.ok('tasks.enqueue', { task: id, queue: defaultQueue });
    peer.control.appendLog(id, ['line 1', 'line 2']);
    const res = await api.ok('tasks.reset', { task: id });
    expect(res).toMatchObject({
      updated: 1,
      dequeued: { removed: 1 },
      fields: { status: 'created', status_reason: 'reset', status_message: 'reset' },
    });
    const t = await getTask(id);
    expect(t.status).toBe('created');
    expect(t.execution).not.toHaveProperty('queue');
    expect((await api.ok('events.get_task_log', { task: id })).events).toEqual([]);

    peer.control.setTaskStatus(id, 'published');
    expect((await api.call('tasks.reset', { task: id })).body.meta).toMatchObject({
      result_subcode: 110,
      result_msg: `Invalid task status: task_id=${id}, status=published`,
    });
    expect((await api.call('tasks.reset', { task: id, force: true })).status).toBe(200);
  });

  it('lists queues with get_all (ids) and get_all_ex (task names joined), filtered by name regex', async () => {
    const id = await draft();
    await api.ok('tasks.edit', { task: id, name: 'named for the queue' });
    await api.ok('tasks.enqueue', { task: id, queue_name: 'joined-queue' });
    const plain = await api.ok('queues.get_all', { name: '^joined' });
    expect(plain.queues).toEqual([
      {
        id: expect.any(String),
        name: 'joined-queue',
        company: expect.any(String),
        created: expect.any(String),
        tags: [],
        system_tags: [],
        entries: [{ task: id, added: expect.any(String) }],
        last_update: expect.any(String),
        metadata: {},
      },
    ]);
    const ex = await api.ok('queues.get_all_ex', { name: '^joined', only_fields: ['name'] });
    expect(ex.queues[0]).toMatchObject({
      name: 'joined-queue',
      company: { id: expect.any(String) },
      entries: [{ task: { id, name: 'named for the queue' } }],
      workers: [],
    });
    expect((await api.ok('queues.get_by_id', { queue: plain.queues[0].id })).queue.name).toBe('joined-queue');
    expect(await api.ok('queues.get_default', {})).toEqual({ id: defaultQueue, name: 'default' });
  });

  it('updates status_changed / last_update on every change and keeps started/completed', async () => {
    const id = await draft();
    await api.ok('tasks.enqueue', { task: id, queue: defaultQueue });
    const q = await getTask(id);
    await new Promise((r) => setTimeout(r, 5));
    peer.control.setTaskStatus(id, 'in_progress');
    const running = await getTask(id);
    expect(Date.parse(running.status_changed)).toBeGreaterThan(Date.parse(q.status_changed));
    expect(running.started).toBeDefined();
    peer.control.setTaskStatus(id, 'completed', 'done');
    const done = await getTask(id);
    expect(done).toMatchObject({
      status: 'completed',
      status_reason: 'done',
      completed: expect.any(String),
      active_duration: expect.any(Number),
    });
  });
});
