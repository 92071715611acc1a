import { ClearmlPeer, startClearmlPeer } from './index';
import { PeerClient, waitFor } from './testing';

// workers.register / status_report / get_stats as clearml-server answers them
// (apiserver/bll/workers: log_stats_to_es, stats.py get_worker_stats; services/workers.py).
describe('ClearML peer: worker machine statistics', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;
  const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, a multiple of 40 and 60 s

  beforeAll(async () => {
    peer = await startClearmlPeer({ agents: false, seed: { queues: [{ id: 'q1', name: 'default', default: true }] } });
    api = new PeerClient(peer.url);
    await api.login();
    await api.ok('workers.register', { worker: 'gpu-box:0', queues: ['q1'] });
    // Two reports a minute apart, then a report of a single CPU core, two GPU cards.
    for (const [offset, cpu, used] of [
      [10, [10, 30], 1000],
      [70, [50], 3000],
    ] as const) {
      await api.ok('workers.status_report', {
        worker: 'gpu-box:0',
        timestamp: (T0 + offset) * 1000,
        machine_stats: { cpu_usage: cpu, memory_used: used, gpu_usage: [80, 0], gpu_memory_used: [4000, 0], disk_free_home: 0 },
      });
    }
  });
  afterAll(() => peer.close());

  const fail = async (endpoint: string, data: unknown) => {
    const res = await api.call(endpoint, data);
    return { status: res.status, subcode: res.body.meta.result_subcode, message: res.body.meta.result_msg };
  };
  const stats = (extra: Record<string, unknown> = {}) =>
    api.ok('workers.get_stats', {
      worker_ids: ['gpu-box:0'],
      from_date: T0,
      to_date: T0 + 180,
      interval: 1,
      items: [
        { key: 'cpu_usage', aggregation: 'avg' },
        { key: 'cpu_usage', aggregation: 'max' },
        { key: 'memory_used', aggregation: 'min' },
        { key: 'disk_free_home' },
      ],
      ...extra,
    });

  it('aggregates per interval of at least 40 s, dates in epoch ms, empty buckets as 0, the last partial bucket left out', async () => {
    const { workers } = await stats();
    expect(workers).toHaveLength(1);
    const cpu = workers[0].metrics.find((m: { metric: string }) => m.metric === 'cpu_usage');
    // buckets of 40 s from T0 to T0+160 (T0+160 started less than 36 s before to_date: cut)
    expect(cpu.dates).toEqual([0, 40, 80, 120].map((s) => (T0 + s) * 1000));
    expect(cpu).not.toHaveProperty('variant');
    const by = (agg: string) => cpu.stats.find((s: { aggregation: string }) => s.aggregation === agg).values;
    expect(by('avg')).toEqual([20, 50, 0, 0]);
    expect(by('max')).toEqual([30, 50, 0, 0]);
    const memory = workers[0].metrics.find((m: { metric: string }) => m.metric === 'memory_used');
    expect(memory.stats).toEqual([{ aggregation: 'min', values: [1000, 3000, 0, 0] }]);
    // disk_free_home: 0 is falsy, so the server stored nothing for it
    expect(workers[0].metrics.map((m: { metric: string }) => m.metric).sort()).toEqual(['cpu_usage', 'memory_used']);
  });

  it('splits by card or core with split_by_variant, single values as variant "total"', async () => {
    const { workers } = await stats({ items: [{ key: 'gpu_usage' }, { key: 'memory_used' }], split_by_variant: true, interval: 60 });
    const variants = workers[0].metrics.map((m: { metric: string; variant: string }) => `${m.metric}/${m.variant}`).sort();
    expect(variants).toEqual(['gpu_usage/0', 'gpu_usage/1', 'memory_used/total']);
    const gpu0 = workers[0].metrics.find((m: { metric: string; variant: string }) => m.metric === 'gpu_usage' && m.variant === '0');
    expect(gpu0.dates).toEqual([0, 60, 120].map((s) => (T0 + s) * 1000));
    expect(gpu0.stats[0].values).toEqual([80, 80, 0]);
  });

  it('keeps values in single precision, as Elasticsearch float fields do', async () => {
    await api.ok('workers.status_report', { worker: 'gpu-box:0', timestamp: (T0 + 500) * 1000, machine_stats: { memory_free: 33.3 } });
    const { workers } = await stats({ from_date: T0 + 480, to_date: T0 + 560, items: [{ key: 'memory_free' }] });
    expect(workers[0].metrics[0].stats[0].values[0]).toBe(Math.fround(33.3));
  });

  it('answers only the 10 busiest workers of a request, as the server’s aggregation does', async () => {
    for (let i = 0; i < 12; i++) {
      await api.ok('workers.register', { worker: `box-${i}`, queues: [] });
      for (let r = 0; r <= i; r++) {
        await api.ok('workers.status_report', { worker: `box-${i}`, timestamp: (T0 + 1000 + r) * 1000, machine_stats: { memory_used: 1 } });
      }
    }
    const { workers } = await api.ok('workers.get_stats', {
      from_date: T0 + 990,
      to_date: T0 + 1100,
      interval: 40,
      items: [{ key: 'memory_used' }],
    });
    expect(workers.map((w: { worker: string }) => w.worker)).toEqual([
      'box-11',
      'box-10',
      'box-9',
      'box-8',
      'box-7',
      'box-6',
      'box-5',
      'box-4',
      'box-3',
      'box-2',
    ]);
  });

  it('refuses what the server refuses', async () => {
    expect(await fail('workers.get_stats', { from_date: T0, to_date: T0, interval: 1, items: [{ key: 'cpu_usage' }] })).toMatchObject({
      status: 400,
      subcode: 16,
      message: 'Invalid value for fields (from_date must be less than to_date)',
    });
    expect(await fail('workers.get_stats', { to_date: T0, interval: 1, items: [{ key: 'cpu_usage' }] })).toMatchObject({
      status: 400,
      subcode: 12,
    });
    expect(await fail('workers.status_report', { worker: 'nobody', timestamp: T0 })).toMatchObject({ status: 400, subcode: 1001 });
  });

  it('has its simulated agents report their machine busier while they run a task', async () => {
    const busy = await startClearmlPeer({
      agents: { statsIntervalMs: 50, pollIntervalMs: 10, script: { durationMs: 400 }, machine: { gpus: 2 } },
      seed: { queues: [{ name: 'default', default: true }], tasks: [{ id: '7'.repeat(32), name: 'train', status: 'completed' }] },
    });
    try {
      const client = new PeerClient(busy.url);
      await client.login();
      const { id } = await client.ok('tasks.clone', { task: '7'.repeat(32) });
      await client.ok('tasks.enqueue', { task: id, queue_name: 'default' });
      await waitFor(async () => (await client.ok('tasks.get_by_id', { task: id })).task.status === 'completed' || undefined, 5000);
      const docs = busy.store.workerStats.filter((d) => d.metric === 'gpu_usage');
      expect(new Set(docs.map((d) => d.variant))).toEqual(new Set(['0', '1']));
      expect(docs.some((d) => d.task === id && d.value > 50)).toBe(true);
      expect(docs.some((d) => d.task === null && d.value === 0)).toBe(true);
    } finally {
      await busy.close();
    }
  });
});
