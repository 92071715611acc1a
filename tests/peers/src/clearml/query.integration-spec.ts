import { ClearmlPeer, ClearmlSeedTask as SeedTask, ClearmlTaskStatus as TaskStatus, startClearmlPeer } from './index';
import { PeerClient } from './testing';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const PROJECT = 'e'.repeat(32);

/** 1200 tasks, status_changed one minute apart, a few hidden/archived. */
function seedTasks(): SeedTask[] {
  const statuses: TaskStatus[] = ['completed', 'failed', 'stopped', 'created'];
  return Array.from({ length: 1200 }, (_, i) => ({
    id: `t${String(i).padStart(31, '0')}`,
    name: i % 10 === 0 ? `forecast ${i}` : `job ${i}`,
    type: i % 2 ? 'training' : 'inference',
    project: i % 3 ? PROJECT : 'Other',
    status: statuses[i % 4],
    system_tags: i === 5 ? ['hidden'] : i % 100 === 7 ? ['archived'] : [],
    created: iso(T0 + i * 60_000),
    status_changed: iso(T0 + i * 60_000 + 1000),
    last_update: iso(T0 + (1200 - i) * 60_000),
    user: i % 2 ? 'cleargate-user' : 'other-user',
  }));
}

describe('ClearML peer: tasks.get_all / get_all_ex queries', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;

  beforeAll(async () => {
    peer = await startClearmlPeer({
      agents: false,
      seed: { users: [{ id: 'other-user', name: 'Other User' }], projects: [{ id: PROJECT, name: 'Snap4City' }], tasks: seedTasks() },
    });
    api = new PeerClient(peer.url);
    await api.login();
  });
  afterAll(() => peer.close());

  const ids = async (q: Record<string, unknown>, endpoint = 'tasks.get_all'): Promise<string[]> =>
    (await api.ok(endpoint, { only_fields: ['id'], ...q })).tasks.map((t: { id: string }) => t.id);
  const idx = (i: number) => `t${String(i).padStart(31, '0')}`;

  it('filters status_changed with >, >=, <, <= and the [min, max] range form', async () => {
    const at = (i: number) => iso(T0 + i * 60_000 + 1000);
    expect(await ids({ status_changed: [`>${at(1197)}`] })).toEqual([idx(1198), idx(1199)]);
    expect(await ids({ status_changed: [`>=${at(1197)}`] })).toEqual([idx(1197), idx(1198), idx(1199)]);
    expect(await ids({ status_changed: [`<${at(2)}`] })).toEqual([idx(0), idx(1)]);
    expect(await ids({ status_changed: [`<=${at(2)}`] })).toEqual([idx(0), idx(1), idx(2)]);
    expect(await ids({ status_changed: [at(10), at(12)] })).toEqual([idx(10), idx(11), idx(12)]);
    expect(await ids({ status_changed: [`>${at(10)}`, `<${at(13)}`] })).toEqual([idx(11), idx(12)]);
    // the SDK's format: naive UTC with a space and microseconds
    const sdk = new Date(T0 + 1198 * 60_000 + 1000).toISOString().replace('T', ' ').replace('Z', '000');
    expect(await ids({ status_changed: [`>${sdk}`] })).toEqual([idx(1199)]);
    // offsets are honoured; unparseable values are ignored (no condition)
    expect(await ids({ status_changed: [`>${new Date(T0 + 1198 * 60_000 + 1000).toISOString().replace('Z', '+00:00')}`] })).toEqual([
      idx(1199),
    ]);
    expect((await ids({ status_changed: ['>yesterday'], page_size: 5 })).length).toBe(5);
    // last_update is a datetime field too
    expect(await ids({ last_update: [`<=${iso(T0 + 2 * 60_000)}`] })).toEqual([idx(1198), idx(1199)]);
  });

  it('combines status / project / user / type / system_tags (- exclusion) / name regex filters', async () => {
    const failedHere = await ids({ status: ['failed'], project: [PROJECT], type: ['training'], user: ['cleargate-user'], page_size: 500 });
    expect(failedHere.length).toBeGreaterThan(0);
    for (const id of failedHere) {
      const t = peer.store.tasks.get(id)!;
      expect([t.status, t.project, t.type, t.user]).toEqual(['failed', PROJECT, 'training', 'cleargate-user']);
    }
    const notArchived = await ids({ system_tags: ['-archived'], page_size: 500, page: 0 });
    expect(notArchived).not.toContain(idx(7));
    expect(await ids({ system_tags: ['archived'] })).toEqual([
      idx(7),
      idx(107),
      idx(207),
      idx(307),
      idx(407),
      idx(507),
      idx(607),
      idx(707),
      idx(807),
      idx(907),
      idx(1007),
      idx(1107),
    ]);
    expect(await ids({ name: '^forecast 1[0-9]0$' })).toEqual([
      idx(100),
      idx(110),
      idx(120),
      idx(130),
      idx(140),
      idx(150),
      idx(160),
      idx(170),
      idx(180),
      idx(190),
    ]);
    expect((await api.call('tasks.get_all', { name: '(' })).body.meta.result_subcode).toBe(21);
    expect((await ids({ search_text: 'Forecast', page_size: 500 })).length).toBe(120);
    expect(await ids({ search_text: 'forecast -job "forecast 11"' })).toEqual([
      idx(110),
      ...Array.from({ length: 10 }, (_, k) => idx(1100 + k * 10)),
    ]);
  });

  it('hides hidden tasks unless search_hidden or id is given', async () => {
    expect(await ids({ name: '^job 5$' })).toEqual([]);
    expect(await ids({ name: '^job 5$', search_hidden: true })).toEqual([idx(5)]);
    expect(await ids({ id: [idx(5)] })).toEqual([idx(5)]);
  });

  it('caps pages at 500, also without page_size, and pages through everything with order_by', async () => {
    expect((await ids({})).length).toBe(500);
    expect((await ids({ page_size: 5000 })).length).toBe(500);
    const seen: string[] = [];
    for (let page = 0; ; page++) {
      const res = await api.ok('tasks.get_all', {
        order_by: ['-status_changed'],
        page,
        page_size: 500,
        only_fields: ['id', 'status_changed'],
      });
      seen.push(...res.tasks.map((t: { id: string }) => t.id));
      if (res.tasks.length < 500) break;
    }
    expect(seen).toHaveLength(1199); // the hidden one excluded
    expect(new Set(seen).size).toBe(1199);
    expect(seen[0]).toBe(idx(1199));
    expect((await api.call('tasks.get_all', { page: -1, page_size: 10 })).body.meta).toMatchObject({
      result_subcode: 12,
      result_msg: 'Validation error (page must be >=0): field=page',
    });
  });

  it('orders with the id tiebreaker and puts missing values last for ascending order', async () => {
    // many tasks share status and type: the id tiebreaker makes the order total
    const first = await ids({ order_by: ['status'], page_size: 3 });
    expect(first).toEqual([idx(0), idx(4), idx(8)].sort());
    const desc = await ids({ order_by: ['-status', '-id'], page_size: 2 });
    expect(desc).toEqual([idx(1198), idx(1194)]);
    // comment is missing everywhere except one task: that one comes first ascending
    peer.store.tasks.get(idx(600))!.comment = 'zzz';
    expect((await ids({ order_by: ['comment'], page_size: 1 }))[0]).toBe(idx(600));
    delete peer.store.tasks.get(idx(600))!.comment;
  });

  it('scrolls with size / scroll_id and refresh_scroll', async () => {
    const seen: string[] = [];
    let scrollId: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res: { scroll_id: string; tasks: { id: string }[] } = await api.ok('tasks.get_all_ex', {
        scroll_id: scrollId,
        size: 400,
        order_by: ['created'],
        only_fields: ['id'],
      });
      expect(res.scroll_id).toEqual(expect.any(String));
      if (scrollId) expect(res.scroll_id).toBe(scrollId);
      scrollId = res.scroll_id;
      if (!res.tasks.length) break;
      seen.push(...res.tasks.map((t: { id: string }) => t.id));
    }
    expect(seen).toHaveLength(1199);
    expect(seen.slice(0, 2)).toEqual([idx(0), idx(1)]);
    const refreshed = await api.ok('tasks.get_all_ex', {
      scroll_id: scrollId,
      size: 10,
      refresh_scroll: true,
      only_fields: ['id'],
      order_by: ['created'],
    });
    expect(refreshed.tasks).toHaveLength(1199);
    const noSize = await api.call('tasks.get_all', { scroll_id: null });
    expect(noSize.body.meta.result_msg).toBe(
      'Validation error (Integer size parameter greater than 1 should be provided when working with scroll)',
    );
  });

  it('projects only_fields with dotted paths and excludes with "-"', async () => {
    const store = peer.store.tasks.get(idx(3))!;
    store.hyperparams = {
      General: { lr: { section: 'General', name: 'lr', value: '0.1' }, epochs: { section: 'General', name: 'epochs', value: '3' } },
    };
    const [t] = (await api.ok('tasks.get_all', { id: [idx(3)], only_fields: ['name', 'hyperparams.General.lr', 'execution.queue'] })).tasks;
    expect(t).toEqual({
      id: idx(3),
      name: 'job 3',
      hyperparams: { General: { lr: { section: 'General', name: 'lr', value: '0.1' } } },
      execution: {},
    });
    const [full] = (await api.ok('tasks.get_all', { id: [idx(3)], only_fields: ['-script', '-execution'] })).tasks;
    expect(full).not.toHaveProperty('script');
    expect(full).toHaveProperty('hyperparams');
    // get_all cannot join: a sub-field of a plain field is a server error
    expect((await api.call('tasks.get_all', { id: [idx(3)], only_fields: ['project.name'] })).status).toBe(500);
  });

  it('get_all_ex returns references as objects and joins project.name / user.name', async () => {
    const [t] = (await api.ok('tasks.get_all_ex', { id: [idx(1)], only_fields: ['name', 'status', 'project.name', 'user.name', 'parent'] }))
      .tasks;
    expect(t).toEqual({
      id: idx(1),
      name: 'job 1',
      status: 'failed',
      project: { id: PROJECT, name: 'Snap4City' },
      user: { id: 'cleargate-user', name: 'ClearGate' },
    });
    const [plain] = (await api.ok('tasks.get_all_ex', { id: [idx(1)] })).tasks;
    expect(plain.project).toEqual({ id: PROJECT });
    expect(plain.company).toEqual({ id: expect.any(String) });
    expect((await api.call('tasks.get_all_ex', { only_fields: ['nonsense'] })).body.meta).toMatchObject({ result_subcode: 14 });
  });

  it('pages through thousands of tasks quickly', async () => {
    const started = Date.now();
    for (let page = 0; page < 3; page++)
      await api.ok('tasks.get_all_ex', {
        page,
        page_size: 500,
        order_by: ['-last_update'],
        only_fields: ['id', 'name', 'status', 'project.name'],
      });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('filters and lists projects and queues', async () => {
    const projects = await api.ok('projects.get_all', { name: '^Snap' });
    expect(projects.projects.map((p: { name: string }) => p.name)).toEqual(['Snap4City']);
    expect((await api.ok('projects.get_by_id', { project: PROJECT })).project).toMatchObject({
      id: PROJECT,
      name: 'Snap4City',
      basename: 'Snap4City',
    });
    expect((await api.call('projects.get_by_id', { project: 'nope' })).body.meta).toMatchObject({ result_subcode: 401 });
    expect((await api.call('queues.get_by_id', { queue: 'default' })).body.meta).toMatchObject({ result_subcode: 701 });
  });
});
