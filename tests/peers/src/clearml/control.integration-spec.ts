import { request } from 'undici';
import { ClearmlPeer, startClearmlPeer } from './index';
import { PeerClient, waitFor } from './testing';

const TEMPLATE = '7'.repeat(32);
const HOUR = 3_600_000;

describe('ClearML peer: test control', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;

  beforeAll(async () => {
    peer = await startClearmlPeer({
      clockSkewMs: 2 * HOUR,
      agents: { paused: true, pollIntervalMs: 10, script: { durationMs: 50, lines: 3 } },
      seed: { queues: [{ name: 'default', default: true }], tasks: [{ id: TEMPLATE, name: 'template', status: 'completed' }] },
    });
    api = new PeerClient(peer.url);
    await api.login();
  });
  afterAll(() => peer.close());

  it('stamps every server timestamp with the skewed clock', async () => {
    const local = Date.now();
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    const enq = await api.ok('tasks.enqueue', { task: id });
    const near = (iso: string) => Math.abs(Date.parse(iso) - (local + 2 * HOUR)) < 60_000;
    expect(near(enq.fields.status_changed)).toBe(true);
    const t = (await api.ok('tasks.get_by_id', { task: id })).task;
    expect([t.created, t.last_update, t.status_changed].every(near)).toBe(true);
    peer.control.resumeAgents();
    await waitFor(async () => (await api.ok('tasks.get_by_id', { task: id })).task.status === 'completed');
    peer.control.pauseAgents();
    const log = await api.ok('events.get_task_log', { task: id });
    expect(log.events.every((e: { timestamp: number }) => Math.abs(e.timestamp - (local + 2 * HOUR)) < 60_000)).toBe(true);
    const payload = JSON.parse(Buffer.from(api.token!.split('.')[1], 'base64url').toString());
    expect(Math.abs(payload.iat * 1000 - (local + 2 * HOUR))).toBeLessThan(60_000);
    // a client filtering with its own clock misses the change: the skew is visible
    const since = new Date(local - 60_000).toISOString();
    const viaServer = await api.ok('tasks.get_all', { id: [id], status_changed: [`>${since}`], only_fields: ['id'] });
    expect(viaServer.tasks).toHaveLength(1);
    const future = new Date(local + HOUR).toISOString();
    expect((await api.ok('tasks.get_all', { id: [id], status_changed: [`<${future}`], only_fields: ['id'] })).tasks).toHaveLength(0);
  });

  it('counts calls per endpoint and writes separately', async () => {
    peer.resetCalls();
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    await api.ok('tasks.enqueue', { task: id });
    await api.ok('tasks.get_all', {});
    await api.call('tasks.nothing', {});
    expect(peer.calls()).toEqual({ 'tasks.clone': 1, 'tasks.enqueue': 1, 'tasks.get_all': 1, 'tasks.nothing': 1 });
    expect(peer.writeCalls()).toBe(2);
    const viaHttp = (await (await request(`${peer.url}/__peer/calls`)).body.json()) as { calls: Record<string, number>; writes: number };
    expect(viaHttp).toEqual({ calls: peer.calls(), writes: 2, failures: peer.failures() });
  });

  it('keeps the answers other than 200 a client received, injected ones included', async () => {
    peer.resetCalls();
    await api.call('tasks.nothing', {}, { version: '2.23' });
    await api.call('tasks.get_by_id', { task: 'nope' });
    peer.control.failNext('tasks.get_all', { status: 503 });
    await api.call('tasks.get_all', {});
    await api.ok('tasks.get_all', {});
    expect(peer.failures()).toEqual([
      {
        endpoint: 'tasks.nothing',
        version: '2.23',
        status: 404,
        subcode: 0,
        message: 'Unable to find endpoint for name tasks.nothing and version 2.23',
      },
      { endpoint: 'tasks.get_by_id', version: '2.31', status: 400, subcode: 101, message: 'Invalid task id: ids=(nope)' },
      { endpoint: 'tasks.get_all', version: '2.31', status: 503, subcode: 0, message: 'Service Unavailable' },
    ]);
    peer.resetCalls();
    expect(peer.failures()).toEqual([]);
  });

  it('adds latency to every API call', async () => {
    peer.control.setLatency(120);
    try {
      const started = Date.now();
      await api.ok('debug.ping', {});
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    } finally {
      peer.control.setLatency(0);
    }
    const started = Date.now();
    await api.ok('debug.ping', {});
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('fails the next calls of an endpoint with the requested status, without side effects', async () => {
    peer.control.failNext('tasks.clone', { status: 503, times: 2 });
    const before = peer.store.tasks.size;
    const a = await api.call('tasks.clone', { task: TEMPLATE });
    const b = await api.call('tasks.clone', { task: TEMPLATE });
    expect([a.status, b.status]).toEqual([503, 503]);
    expect(a.text).toContain('503 Service Unavailable');
    expect(peer.store.tasks.size).toBe(before);
    expect((await api.call('tasks.clone', { task: TEMPLATE })).status).toBe(200);

    peer.control.failNext('*', { status: 500 });
    const c = await api.call('tasks.get_all', {});
    expect(c.status).toBe(500);
    expect(c.body.meta).toMatchObject({ result_code: 500, result_subcode: 0, result_msg: 'General server error' });
    expect((await api.call('tasks.get_all', {})).status).toBe(200);
  });

  it('resets the connection after processing a call (its effect is kept) or before it', async () => {
    const before = peer.store.tasks.size;
    peer.control.resetAfterNext('tasks.clone');
    await expect(api.call('tasks.clone', { task: TEMPLATE })).rejects.toThrow();
    expect(peer.store.tasks.size).toBe(before + 1);

    peer.control.resetAfterNext('tasks.clone', { before: true });
    await expect(api.call('tasks.clone', { task: TEMPLATE })).rejects.toThrow();
    expect(peer.store.tasks.size).toBe(before + 1);
    expect((await api.call('tasks.clone', { task: TEMPLATE })).status).toBe(200);
  });

  it('stops listening and starts again on the same port, keeping its state', async () => {
    const port = peer.port;
    const count = peer.store.tasks.size;
    await peer.stop();
    await expect(api.call('debug.ping', {})).rejects.toThrow();
    await peer.start();
    expect(peer.port).toBe(port);
    expect((await api.call('tasks.get_all', {})).status).toBe(200);
    expect(peer.store.tasks.size).toBe(count);
  });

  it('offers the same control over HTTP under /__peer/', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await request(`${peer.url}/__peer/${path}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    };
    const { id } = await api.ok('tasks.clone', { task: TEMPLATE });
    expect((await post(`tasks/${id}/status`, { status: 'failed', reason: 'burst' })).status).toBe(200);
    expect((await api.ok('tasks.get_by_id', { task: id })).task).toMatchObject({ status: 'failed', status_reason: 'burst' });
    expect((await post(`tasks/${id}/log`, { lines: ['a', 'b', 'c'], perEvent: 2 })).body.events).toBe(2);
    expect((await api.ok('events.get_task_log', { task: id })).events.map((e: { msg: string }) => e.msg)).toEqual(['c', 'a\nb']);
    await post('fail-next', { endpoint: 'tasks.get_all', status: 502 });
    expect((await api.call('tasks.get_all', {})).status).toBe(502);
    await post('revoke-tokens', {});
    expect((await api.call('tasks.get_all', {})).status).toBe(401);
    await api.login();
    await post('latency', { ms: 0 });
    expect((await post(`tasks/nope/status`, { status: 'failed' })).status).toBe(400);
    const task = await request(`${peer.url}/__peer/tasks/${id}`);
    expect(((await task.body.json()) as { task: { status: string } }).task.status).toBe('failed');

    const outage = await post('outage', { ms: 150 });
    expect(outage.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    await expect(api.call('debug.ping', {})).rejects.toThrow();
    await waitFor(async () => (await api.call('debug.ping', {}).catch(() => undefined))?.status === 200, 3000, 20);
  });

  it('forces bursts of status changes', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, () => api.ok('tasks.clone', { task: TEMPLATE })));
    const since = new Date(peer.store.clock.now() - 1).toISOString();
    for (const [i, { id }] of created.entries()) peer.control.setTaskStatus(id, i % 2 ? 'failed' : 'completed');
    const changed = await api.ok('tasks.get_all', { status_changed: [`>${since}`], status: ['failed'], only_fields: ['id'] });
    expect(changed.tasks).toHaveLength(10);
  });
});
