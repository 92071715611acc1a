import { ClearmlWorker, WorkerMetricStats, WorkersGetStatsRequest, WorkersGetStatsResponse } from '@cleargate/clearml';

/** What get_stats returns per call at most (Elasticsearch terms aggregations of 10 buckets). */
export const STATS_PER_CALL = 10;
const MB = 1024 * 1024;

/** A worker's latest machine statistics, in the units the metrics use. */
export interface WorkerSnapshot {
  worker: string;
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
  memoryFreeBytes: number | null;
  diskFreeHomePercent: number | null;
  /** Per GPU card ("0", "1", …). */
  gpus: Map<string, { usagePercent: number | null; memoryUsedBytes: number | null; memoryFreeBytes: number | null }>;
}

export const WORKER_METRICS: WorkersGetStatsRequest['items'] = [
  { key: 'cpu_usage', aggregation: 'avg' },
  { key: 'memory_used', aggregation: 'avg' },
  { key: 'memory_free', aggregation: 'avg' },
  { key: 'disk_free_home', aggregation: 'avg' },
];
export const GPU_METRICS: WorkersGetStatsRequest['items'] = [
  { key: 'gpu_usage', aggregation: 'avg' },
  { key: 'gpu_memory_used', aggregation: 'avg' },
  { key: 'gpu_memory_free', aggregation: 'avg' },
];

const avgOf = (m: WorkerMetricStats | undefined) => m?.stats.find((s) => s.aggregation === 'avg')?.values ?? [];

/**
 * The latest bucket in which the worker reported: ClearML answers 0 for buckets without a
 * report, and an agent always reports a memory figure above 0, so the last bucket whose
 * memory_used is above 0 is the last one with a report (the last bucket otherwise).
 */
export function latestReportedDate(metrics: WorkerMetricStats[]): number | null {
  const memory = metrics.find((m) => m.metric === 'memory_used' && !m.variant);
  const dates = memory?.dates ?? metrics[0]?.dates ?? [];
  if (!dates.length) return null;
  const values = avgOf(memory);
  for (let i = dates.length - 1; i >= 0; i--) if ((values[i] ?? 0) > 0) return dates[i]!;
  return dates[dates.length - 1]!;
}

function valueAt(metric: WorkerMetricStats | undefined, date: number | null): number | null {
  if (!metric || date === null) return null;
  const i = metric.dates.indexOf(date);
  return i === -1 ? null : (avgOf(metric)[i] ?? null);
}

/** One snapshot per worker from the whole-machine answer and the per-GPU (split by variant) answer. */
export function snapshotsOf(machine: WorkersGetStatsResponse, gpus: WorkersGetStatsResponse): WorkerSnapshot[] {
  const gpuByWorker = new Map(gpus.workers.map((w) => [w.worker, w.metrics]));
  return machine.workers.map(({ worker, metrics }) => {
    const at = latestReportedDate(metrics);
    const find = (name: string) => metrics.find((m) => m.metric === name);
    const cards = new Map<string, { usagePercent: number | null; memoryUsedBytes: number | null; memoryFreeBytes: number | null }>();
    for (const m of gpuByWorker.get(worker) ?? []) {
      const card = m.variant ?? 'total';
      const entry = cards.get(card) ?? { usagePercent: null, memoryUsedBytes: null, memoryFreeBytes: null };
      const v = valueAt(m, at);
      if (m.metric === 'gpu_usage') entry.usagePercent = v;
      if (m.metric === 'gpu_memory_used') entry.memoryUsedBytes = v === null ? null : v * MB;
      if (m.metric === 'gpu_memory_free') entry.memoryFreeBytes = v === null ? null : v * MB;
      cards.set(card, entry);
    }
    const mb = (v: number | null) => (v === null ? null : v * MB);
    return {
      worker,
      cpuPercent: valueAt(find('cpu_usage'), at),
      memoryUsedBytes: mb(valueAt(find('memory_used'), at)),
      memoryFreeBytes: mb(valueAt(find('memory_free'), at)),
      diskFreeHomePercent: valueAt(find('disk_free_home'), at),
      gpus: cards,
    };
  });
}

/** The GPU cards a worker reported (gpu_usage variants) in a window, and whether it reported anything. */
export function gpuCount(stats: WorkersGetStatsResponse, worker: string): { reported: boolean; gpus: number } {
  const metrics = stats.workers.find((w) => w.worker === worker)?.metrics ?? [];
  return {
    reported: metrics.length > 0,
    gpus: new Set(metrics.filter((m) => m.metric === 'gpu_usage').map((m) => m.variant ?? 'total')).size,
  };
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type { ClearmlWorker };
