import { ClearmlPeer, startClearmlPeer } from './index';
import { PeerClient, waitFor } from './testing';

const TEMPLATE = '4'.repeat(32);
const FAILING = '5'.repeat(32);
const SLOW = '6'.repeat(32);

describe('ClearML peer: simulated agents and console logs', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;

  beforeAll(async () => {
    peer = await startClearmlPeer({
      agents: {
        pollIntervalMs: 10,
        script: { durationMs: 150, lines: 10, linesPerEvent: 3, iterations: 5 },
        rules: [{ name: /^slow /, script: { durationMs: 60_000 } }],
      },
      seed: {
        queues: [{ name: 'default', default: true }, { name: 'services' }],
        tasks: [
          { id: TEMPLATE, name: 'template', status: 'completed' },
          {
            id: FAILING,
            name: 'failing template',
            status: 'completed',
            hyperparams: { General: { peer_outcome: 'failed', peer_fail_message: 'ValueError: bad sensor' } },
          },
          { id: SLOW, name: 'slow template', status: 'completed' },
        ],
      },
    });
    api = new PeerClient(peer.url);
    await api.login();
  });
  afterAll(() => peer.close());

  const run = async (template: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const { id } = await api.ok('tasks.clone', { task: template, ...extra });
    await api.ok('tasks.enqueue', { task: id, queue_name: 'default' });
    return id;
  };
  const getTask = async (id: string) => (await api.ok('tasks.get_by_id', { task: id })).task;
  const waitStatus = (id: string, status: string) =>
    waitFor(async () => ((await getTask(id)).status === status ? getTask(id) : undefined), 5000);

  it('runs queued tasks to completed with console output, iterations and timestamps', async () => {
    const id = await run(TEMPLATE);
    const running = await waitStatus(id, 'in_progress');
    expect(running).toMatchObject({ status_message: 'launch by agent', last_worker: 'peer-agent-default:0', started: expect.any(String) });
    const done = await waitStatus(id, 'completed');
    expect(done).toMatchObject({
      status_reason: 'worker execution done',
      status_message: 'Changed by clearml-agent peer-agent-default:0',
      last_iteration: 5,
      completed: expect.any(String),
    });
    expect(Date.parse(done.completed)).toBeGreaterThanOrEqual(Date.parse(done.started));
    const log = await api.ok('events.get_task_log', { task: id, order: 'asc' });
    const lines = log.events.flatMap((e: { msg: string }) => e.msg.split('\n'));
    expect(lines[0]).toBe(`Running task id [${id}]:`);
    expect(lines.filter((l: string) => l.includes('] step '))).toHaveLength(10);
    expect(lines[lines.length - 1]).toBe('Process completed successfully');
    expect(log.events[1]).toEqual({
      timestamp: expect.any(Number),
      type: 'log',
      task: id,
      level: 'info',
      worker: 'peer-agent-default:0',
      msg: expect.stringContaining('\n'),
      metric: '',
      variant: '',
      '@timestamp': expect.any(String),
    });
    expect(log.total).toBe(log.returned);
  });

  it('ends tasks failed when the script says so (hyperparameter convention)', async () => {
    const id = await run(FAILING);
    const failed = await waitStatus(id, 'failed');
    expect(failed).toMatchObject({ status_reason: 'worker execution exit code 1' });
    const log = await api.ok('events.get_task_log', { task: id, batch_size: 2 });
    expect(log.events[0].msg).toBe('Process failed, exit code 1');
    expect(log.events[1]).toMatchObject({ level: 'error', msg: expect.stringContaining('ValueError: bad sensor') });
  });

  it('holds tasks in queued while agents are paused, FIFO afterwards', async () => {
    peer.control.pauseAgents();
    try {
      const first = await run(TEMPLATE);
      const second = await run(TEMPLATE);
      await new Promise((r) => setTimeout(r, 80));
      expect((await getTask(first)).status).toBe('queued');
      const workers = await api.ok('workers.get_all', {});
      const w = workers.workers.find((x: { id: string }) => x.id === 'peer-agent-default:0');
      expect(w).toMatchObject({
        queues: [{ name: 'default', num_tasks: 2, next_task: { id: first } }],
        last_activity_time: expect.any(String),
      });
      peer.control.resumeAgents();
      const a = await waitStatus(first, 'completed');
      const b = await waitStatus(second, 'completed');
      expect(Date.parse(a.started)).toBeLessThanOrEqual(Date.parse(b.started));
    } finally {
      peer.control.resumeAgents();
    }
  });

  it('stops a running task through the agent ("stopping" -> stopped)', async () => {
    const id = await run(SLOW, { new_task_name: 'slow run' });
    await waitStatus(id, 'in_progress');
    const workers = await api.ok('workers.get_all', {});
    expect(workers.workers.find((w: { task?: { id: string } }) => w.task?.id === id)).toMatchObject({
      task: { name: 'slow run', running_time: expect.any(Number) },
    });
    const res = await api.ok('tasks.stop', { task: id });
    expect(res.fields.status_message).toBe('stopping');
    const stopped = await waitStatus(id, 'stopped');
    expect(stopped).toMatchObject({
      status_reason: 'task was stopped by tasks.stop',
      status_message: 'Changed by clearml-agent peer-agent-default:0',
    });
    const log = await api.ok('events.get_task_log', { task: id, batch_size: 2 });
    expect(log.events.map((e: { msg: string }) => e.msg)).toEqual(['Process aborted by user', 'User aborted: stopping task (1)']);
  });

  it('abandons a run whose status is changed by someone else', async () => {
    const id = await run(SLOW, { new_task_name: 'slow run 2' });
    await waitStatus(id, 'in_progress');
    peer.control.setTaskStatus(id, 'failed', 'forced');
    await new Promise((r) => setTimeout(r, 50));
    expect((await getTask(id)).status).toBe('failed');
    expect(Object.values(peer.control.runningTasks())).not.toContain(id);
  });

  it('pages get_task_log backwards and forwards without losing lines', async () => {
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    const base = Date.now() - 100_000;
    let n = 0;
    // 60 events, several share a timestamp, each holds 1-3 lines
    for (let i = 0; i < 60; i++) {
      const lines = Array.from({ length: (i % 3) + 1 }, () => `line ${++n}`);
      peer.control.appendLog(id, lines, { timestamp: base + Math.floor(i / 4) * 10 });
    }
    const all = [...Array(n)].map((_, i) => `line ${i + 1}`);

    // newest first, anchored on the oldest timestamp already seen (what a "last N lines" reader does)
    const seen: string[] = [];
    const stamps: number[] = [];
    let from: number | undefined;
    let short = 0;
    for (let page = 0; page < 40; page++) {
      const res: { events: { msg: string; timestamp: number }[]; returned: number; total: number } = await api.ok('events.get_task_log', {
        task: id,
        batch_size: 7,
        ...(from ? { from_timestamp: from } : {}),
      });
      expect(res.total).toBe(60);
      if (!res.events.length) break;
      expect(res.returned).toBe(res.events.length);
      // a page is never cut inside a timestamp: only the last page may hold fewer than batch_size events
      if (res.returned < 7) short++;
      expect(short).toBeLessThanOrEqual(1);
      for (const e of res.events) {
        seen.push(...e.msg.split('\n'));
        stamps.push(e.timestamp);
      }
      from = res.events[res.events.length - 1].timestamp;
    }
    // nothing lost, nothing repeated, newest first (events sharing a timestamp keep index order)
    expect([...seen].sort()).toEqual([...all].sort());
    expect(stamps).toEqual([...stamps].sort((a, b) => b - a));

    // oldest first with navigate_earlier=false
    const forward: string[] = [];
    from = undefined;
    for (let page = 0; page < 40; page++) {
      const res: { events: { msg: string; timestamp: number }[] } = await api.ok('events.get_task_log', {
        task: id,
        batch_size: 5,
        navigate_earlier: false,
        ...(from ? { from_timestamp: from } : {}),
      });
      if (!res.events.length) break;
      for (const e of res.events) forward.push(...e.msg.split('\n'));
      from = res.events[res.events.length - 1].timestamp;
    }
    expect(forward).toEqual(all);

    // order reverses the returned page only
    const newest = await api.ok('events.get_task_log', { task: id, batch_size: 4 });
    const newestAsc = await api.ok('events.get_task_log', { task: id, batch_size: 4, order: 'asc' });
    expect(newestAsc.events.map((e: { msg: string }) => e.msg)).toEqual(newest.events.map((e: { msg: string }) => e.msg).reverse());
  });

  it('caps total at 10000 and errors on unknown tasks', async () => {
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    const lines = Array.from({ length: 10_050 }, (_, i) => `l${i}`);
    peer.control.appendLog(id, lines, { perEvent: 1 });
    const res = await api.ok('events.get_task_log', { task: id, batch_size: 10 });
    expect(res).toMatchObject({ returned: 10, total: 10000 });
    expect(res.events[0].msg).toBe('l10049');
    const bad = await api.call('events.get_task_log', { task: 'nope' });
    expect(bad.body.meta).toMatchObject({ result_subcode: 101 });
  });
});
