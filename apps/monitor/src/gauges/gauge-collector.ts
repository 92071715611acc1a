import { Inject, Injectable } from '@nestjs/common';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ClearmlAdapter } from '../clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from '../config';
import { chunks, GPU_METRICS, snapshotsOf, STATS_PER_CALL, WORKER_METRICS } from './worker-stats';

/** get_stats buckets of a minute over the last five: the latest one with a report is shown. */
const STATS_WINDOW_S = 300;
const STATS_INTERVAL_S = 60;

/**
 * ClearML gauges, collected by the leader only (a standby clears its own, so sums over
 * replicas stay right): active tasks by status and queue, queue lengths, the age of the oldest
 * queued entry (server clock), workers per queue, and the machine statistics the workers (the
 * agents on the execution servers) report to ClearML: CPU, memory, free disk, and per GPU its
 * use and memory (`workers.get_stats`), labelled by worker id (the fleet's own names, at most
 * MONITOR_WORKER_METRICS_MAX of them) and joined to queues by `worker_queue_info`.
 */
@Injectable()
export class GaugeCollector {
  private readonly tasks;
  private readonly queueLength;
  private readonly oldest;
  private readonly workers;
  private readonly w;

  constructor(
    private readonly clearml: ClearmlAdapter,
    @Inject(MONITOR_CONFIG) private readonly config: MonitorConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.w = {
      busy: metrics.gauge('worker_busy', '1 when the ClearML worker runs a task', ['worker']),
      queues: metrics.gauge('worker_queue_info', 'The queues each ClearML worker listens on (1 per pair)', ['worker', 'queue']),
      cpu: metrics.gauge('worker_cpu_usage_percent', "CPU use of the worker's machine, mean over its cores", ['worker']),
      memoryUsed: metrics.gauge('worker_memory_used_bytes', "Memory used on the worker's machine", ['worker']),
      memoryFree: metrics.gauge('worker_memory_free_bytes', "Memory free on the worker's machine", ['worker']),
      diskFree: metrics.gauge('worker_disk_free_home_percent', "Free space of the worker's home drive", ['worker']),
      gpu: metrics.gauge('worker_gpu_usage_percent', 'GPU use per card of the worker', ['worker', 'gpu']),
      gpuUsed: metrics.gauge('worker_gpu_memory_used_bytes', 'GPU memory used per card of the worker', ['worker', 'gpu']),
      gpuFree: metrics.gauge('worker_gpu_memory_free_bytes', 'GPU memory free per card of the worker', ['worker', 'gpu']),
    };
    this.tasks = metrics.gauge('tasks', 'Queued and running ClearML tasks, by status and queue', ['status', 'queue']);
    this.queueLength = metrics.gauge('queue_length', 'Tasks waiting in each ClearML queue', ['queue']);
    this.oldest = metrics.gauge('queue_oldest_age_seconds', 'Age of the oldest entry of each ClearML queue', ['queue']);
    this.workers = metrics.gauge('workers', 'ClearML workers listening on each queue', ['queue']);
  }

  async collect(): Promise<void> {
    const [tasks, queues, workers] = await Promise.all([
      this.clearml.activeTasks(this.config.MONITOR_PAGE_SIZE),
      this.clearml.queuesWithEntries(),
      this.clearml.workers(),
    ]);
    const now = this.clearml.serverNow() ?? Date.now();
    const counts = new Map<string, number>();
    for (const t of tasks) {
      const queue = (await this.clearml.queueName(t.execution?.queue as string | undefined)) ?? '(none)';
      const key = `${t.status}\u0000${queue}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.clear();
    // Every known queue gets a value, so "nothing running" is 0 rather than no data.
    for (const q of queues) for (const status of ['queued', 'in_progress']) this.tasks.set({ status, queue: q.name ?? q.id }, 0);
    for (const [key, n] of counts) {
      const [status, queue] = key.split('\u0000');
      this.tasks.set({ status: status!, queue: queue! }, n);
    }
    for (const q of queues) {
      const name = q.name ?? q.id;
      const entries = q.entries ?? [];
      this.queueLength.set({ queue: name }, entries.length);
      const added = entries.map((e) => Date.parse(String(e.added ?? ''))).filter((v) => !Number.isNaN(v));
      this.oldest.set({ queue: name }, added.length ? Math.max(0, (now - Math.min(...added)) / 1000) : 0);
      this.workers.set({ queue: name }, 0);
    }
    const shown = [...workers].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, this.config.MONITOR_WORKER_METRICS_MAX);
    for (const w of workers) {
      for (const q of w.queues ?? []) {
        const name = q.name ?? (await this.clearml.queueName(q.id)) ?? q.id;
        this.workers.inc({ queue: name });
        if (shown.includes(w)) this.w.queues.set({ worker: w.id, queue: name }, 1);
      }
    }
    for (const w of shown) this.w.busy.set({ worker: w.id }, w.task ? 1 : 0);
    await this.collectMachines(
      shown.map((w) => w.id),
      now,
    ).catch((err) => this.logger.warn({ err }, 'could not read the workers’ machine statistics'));
  }

  private async collectMachines(ids: string[], now: number): Promise<void> {
    // ClearML leaves out a bucket that began less than 90 % of an interval before to_date: ending
    // the window an interval from now keeps the minute in progress, so the figures are fresh.
    const at = Math.floor(now / 1000);
    const window = { from_date: at - STATS_WINDOW_S, to_date: at + STATS_INTERVAL_S, interval: STATS_INTERVAL_S };
    for (const batch of chunks(ids, STATS_PER_CALL)) {
      const [machine, gpus] = await Promise.all([
        this.clearml.workerStats({ ...window, worker_ids: batch, items: WORKER_METRICS }),
        this.clearml.workerStats({ ...window, worker_ids: batch, items: GPU_METRICS, split_by_variant: true }),
      ]);
      for (const s of snapshotsOf(machine, gpus)) {
        const worker = { worker: s.worker };
        if (s.cpuPercent !== null) this.w.cpu.set(worker, s.cpuPercent);
        if (s.memoryUsedBytes !== null) this.w.memoryUsed.set(worker, s.memoryUsedBytes);
        if (s.memoryFreeBytes !== null) this.w.memoryFree.set(worker, s.memoryFreeBytes);
        if (s.diskFreeHomePercent !== null) this.w.diskFree.set(worker, s.diskFreeHomePercent);
        for (const [gpu, card] of s.gpus) {
          if (card.usagePercent !== null) this.w.gpu.set({ ...worker, gpu }, card.usagePercent);
          if (card.memoryUsedBytes !== null) this.w.gpuUsed.set({ ...worker, gpu }, card.memoryUsedBytes);
          if (card.memoryFreeBytes !== null) this.w.gpuFree.set({ ...worker, gpu }, card.memoryFreeBytes);
        }
      }
    }
  }

  clear(): void {
    this.tasks.reset();
    this.queueLength.reset();
    this.oldest.reset();
    this.workers.reset();
    for (const g of Object.values(this.w)) g.reset();
  }
}
