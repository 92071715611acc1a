import { gpuUuid } from './models';

export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'OTHER';
const REASONS: FailureReason[] = ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'];

/** Durations of one request, in microseconds, split the way Triton's statistics split them. */
export interface RequestTiming {
  queueUs: number;
  inputUs: number;
  inferUs: number;
  outputUs: number;
  requestUs: number;
  batch: number;
}

interface Counters {
  success: number;
  failure: Record<FailureReason, number>;
  inferenceCount: number;
  execCount: number;
  requestUs: number;
  queueUs: number;
  inputUs: number;
  inferUs: number;
  outputUs: number;
  failUs: number;
  pending: number;
  lastInferenceMs: number;
}

/** Triton's per-model families after the request counts, in the order it prints them: name, type and the model's figure. */
const MODEL_FAMILIES: [string, 'counter' | 'gauge', (c: Counters) => number][] = [
  ['nv_inference_count', 'counter', (c) => c.inferenceCount],
  ['nv_inference_exec_count', 'counter', (c) => c.execCount],
  ['nv_inference_request_duration_us', 'counter', (c) => Math.round(c.requestUs)],
  ['nv_inference_queue_duration_us', 'counter', (c) => Math.round(c.queueUs)],
  ['nv_inference_compute_input_duration_us', 'counter', (c) => Math.round(c.inputUs)],
  ['nv_inference_compute_infer_duration_us', 'counter', (c) => Math.round(c.inferUs)],
  ['nv_inference_compute_output_duration_us', 'counter', (c) => Math.round(c.outputUs)],
  ['nv_inference_pending_request_count', 'gauge', (c) => c.pending],
];
/** Their HELP texts, as Triton writes them. */
const MODEL_HELP: Record<string, string> = {
  nv_inference_count: 'Number of inferences performed (does not include cached requests)',
  nv_inference_exec_count: 'Number of model executions performed (does not include cached requests)',
  nv_inference_request_duration_us: 'Cumulative inference request duration in microseconds (includes cached requests)',
  nv_inference_queue_duration_us: 'Cumulative inference queuing duration in microseconds (includes cached requests)',
  nv_inference_compute_input_duration_us: 'Cumulative compute input duration in microseconds (does not include cached requests)',
  nv_inference_compute_infer_duration_us: 'Cumulative compute inference duration in microseconds (does not include cached requests)',
  nv_inference_compute_output_duration_us:
    'Cumulative inference compute output duration in microseconds (does not include cached requests)',
  nv_inference_pending_request_count: 'Instantaneous number of pending requests awaiting execution per-model.',
};

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** A 16 GB data-centre card: the numbers DCGM reports for a V100/T4-class GPU. */
const GPU_MEMORY_TOTAL = 16_101_933_056;
const GPU_BASE_USED = 0.5 * GIB;
const GPU_PER_MODEL = 300 * MIB;
const GPU_PER_REQUEST = 64 * MIB;
const POWER_IDLE_W = 30;
/** The host: 64 GiB of RAM, a few percent busy at rest, pre- and post-processing on top. */
const CPU_MEMORY_TOTAL = 64 * GIB;
const CPU_MEMORY_BASE = 3 * GIB;
const CPU_MEMORY_PER_MODEL = 700 * MIB;
const CPU_MEMORY_PER_REQUEST = 16 * MIB;
const CPU_BASE = 0.04;
const CPU_PER_GPU_BUSY = 0.25;
const CPU_PER_REQUEST = 0.01;
const POWER_LIMIT_W = 250;
/** Triton samples GPU metrics every --metrics-interval-ms (2000 by default); utilisation is busy time over that window. */
const UTIL_WINDOW_MS = 2000;
const BUCKET_MS = 100;

/**
 * Triton's per-model inference statistics and DCGM GPU gauges, fed by the requests the peer
 * really serves, rendered in the Prometheus text format Triton prints on its metrics port.
 */
export class TritonMetrics {
  private readonly models = new Map<string, Counters>();
  private readonly uuid: string;
  private readonly buckets = new Float64Array(UTIL_WINDOW_MS / BUCKET_MS);
  private bucketEpoch = 0;
  private busyTotalMs = 0;
  private energyJ = 0;
  private lastEnergyAt = Date.now();
  private busyAtLastEnergy = 0;
  private inFlight = 0;

  constructor(name: string) {
    this.uuid = gpuUuid(name);
  }

  private counters(model: string, version: string): Counters {
    const key = `${model}\u0000${version}`;
    let c = this.models.get(key);
    if (!c) {
      c = {
        success: 0,
        failure: { REJECTED: 0, CANCELED: 0, BACKEND: 0, OTHER: 0 },
        inferenceCount: 0,
        execCount: 0,
        requestUs: 0,
        queueUs: 0,
        inputUs: 0,
        inferUs: 0,
        outputUs: 0,
        failUs: 0,
        pending: 0,
        lastInferenceMs: 0,
      };
      this.models.set(key, c);
    }
    return c;
  }

  /** Make a loaded model visible with zero counters, as Triton lists every loaded model. */
  register(model: string, version: string): void {
    this.counters(model, version);
  }

  /** A request reached the model's scheduler: it is pending until `end`. */
  begin(model: string, version: string): void {
    this.counters(model, version).pending++;
    this.inFlight++;
  }

  /** `outcome` undefined = the request left without being counted (rejected before execution). */
  end(model: string, version: string, outcome: 'success' | FailureReason | undefined, t: RequestTiming | undefined): void {
    const c = this.counters(model, version);
    c.pending--;
    this.inFlight--;
    if (outcome === undefined || t === undefined) return;
    c.lastInferenceMs = Date.now();
    if (outcome === 'success') {
      c.success++;
      c.inferenceCount += t.batch;
      c.execCount++;
      c.requestUs += t.requestUs;
      c.queueUs += t.queueUs;
      c.inputUs += t.inputUs;
      c.inferUs += t.inferUs;
      c.outputUs += t.outputUs;
    } else {
      c.failure[outcome]++;
      c.failUs += t.requestUs;
    }
    this.addBusy((t.inferUs + t.inputUs + t.outputUs) / 1000);
  }

  private rotate(now: number): void {
    const epoch = Math.floor(now / BUCKET_MS);
    const n = this.buckets.length;
    if (epoch - this.bucketEpoch >= n) this.buckets.fill(0);
    else for (let e = this.bucketEpoch + 1; e <= epoch; e++) this.buckets[e % n] = 0;
    this.bucketEpoch = epoch;
  }

  private addBusy(ms: number): void {
    this.rotate(Date.now());
    this.buckets[this.bucketEpoch % this.buckets.length]! += ms;
    this.busyTotalMs += ms;
  }

  /** GPU utilisation in [0, 1): busy time in the last sampling window, concurrency saturating at 1. */
  utilization(): number {
    this.rotate(Date.now());
    let busy = 0;
    for (const b of this.buckets) busy += b;
    return Math.min(0.99, busy / UTIL_WINDOW_MS);
  }

  private integrateEnergy(): void {
    const now = Date.now();
    const dtMs = now - this.lastEnergyAt;
    if (dtMs <= 0) return;
    const util = Math.min(0.99, (this.busyTotalMs - this.busyAtLastEnergy) / dtMs);
    this.energyJ += ((POWER_IDLE_W + util * (POWER_LIMIT_W - POWER_IDLE_W)) * dtMs) / 1000;
    this.lastEnergyAt = now;
    this.busyAtLastEnergy = this.busyTotalMs;
  }

  /** Per-model statistics as `GET /v2/models/{m}/stats` returns them. */
  modelStats(model: string, version: string): unknown {
    const c = this.counters(model, version);
    const d = (count: number, us: number) => ({ count, ns: Math.round(us * 1000) });
    return {
      name: model,
      version,
      last_inference: c.lastInferenceMs,
      inference_count: c.inferenceCount,
      execution_count: c.execCount,
      inference_stats: {
        success: d(c.success, c.requestUs),
        fail: d(
          REASONS.reduce((s, r) => s + c.failure[r], 0),
          c.failUs,
        ),
        queue: d(c.success, c.queueUs),
        compute_input: d(c.success, c.inputUs),
        compute_infer: d(c.success, c.inferUs),
        compute_output: d(c.success, c.outputUs),
        cache_hit: d(0, 0),
        cache_miss: d(0, 0),
      },
      response_stats: {},
      batch_stats: c.execCount
        ? [
            {
              batch_size: 1,
              compute_input: d(c.execCount, c.inputUs),
              compute_infer: d(c.execCount, c.inferUs),
              compute_output: d(c.execCount, c.outputUs),
            },
          ]
        : [],
      memory_usage: [],
    };
  }

  render(): string {
    this.integrateEnergy();
    const rows = [...this.models.entries()].map(([k, c]) => {
      const [model, version] = k.split('\u0000') as [string, string];
      return { labels: `model="${esc(model)}",version="${esc(version)}"`, model, version, c };
    });
    const lines: string[] = [];
    const family = (name: string, help: string, type: string, values: Array<[string, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of values) lines.push(labels ? `${name}{${labels}} ${fmt(v)}` : `${name} ${fmt(v)}`);
    };
    family(
      'nv_inference_request_success',
      'Number of successful inference requests, all batch sizes',
      'counter',
      rows.map((r) => [r.labels, r.c.success]),
    );
    family(
      'nv_inference_request_failure',
      'Number of failed inference requests, all batch sizes',
      'counter',
      rows.flatMap((r) =>
        REASONS.map((reason): [string, number] => [
          `model="${esc(r.model)}",reason="${reason}",version="${esc(r.version)}"`,
          r.c.failure[reason],
        ]),
      ),
    );
    for (const [name, type, figure] of MODEL_FAMILIES) {
      family(
        name,
        MODEL_HELP[name]!,
        type,
        rows.map((r): [string, number] => [r.labels, figure(r.c)]),
      );
    }
    const util = this.utilization();
    const gpu = `gpu_uuid="${this.uuid}"`;
    const used = GPU_BASE_USED + GPU_PER_MODEL * rows.length + GPU_PER_REQUEST * this.inFlight;
    family('nv_gpu_utilization', 'GPU utilization rate [0.0 - 1.0)', 'gauge', [[gpu, util]]);
    family('nv_gpu_memory_total_bytes', 'GPU total memory, in bytes', 'gauge', [[gpu, GPU_MEMORY_TOTAL]]);
    family('nv_gpu_memory_used_bytes', 'GPU used memory, in bytes', 'gauge', [[gpu, Math.min(used, GPU_MEMORY_TOTAL)]]);
    family('nv_gpu_power_usage', 'GPU power usage in watts', 'gauge', [[gpu, POWER_IDLE_W + util * (POWER_LIMIT_W - POWER_IDLE_W)]]);
    family('nv_gpu_power_limit', 'GPU power management limit in watts', 'gauge', [[gpu, POWER_LIMIT_W]]);
    family('nv_energy_consumption', 'GPU energy consumption in joules since the Triton Server started', 'counter', [
      [gpu, Math.round(this.energyJ * 1000) / 1000],
    ]);
    // Triton's CPU metrics (--collect-cpu-metrics, on by default since 2.30): the host, no labels.
    const cpu = Math.min(1, CPU_BASE + util * CPU_PER_GPU_BUSY + CPU_PER_REQUEST * this.inFlight);
    family('nv_cpu_utilization', 'CPU utilization rate [0.0 - 1.0]', 'gauge', [['', cpu]]);
    family('nv_cpu_memory_total_bytes', 'CPU total memory (RAM), in bytes', 'gauge', [['', CPU_MEMORY_TOTAL]]);
    family('nv_cpu_memory_used_bytes', 'CPU used memory (RAM), in bytes', 'gauge', [
      ['', CPU_MEMORY_BASE + CPU_MEMORY_PER_MODEL * rows.length + CPU_MEMORY_PER_REQUEST * this.inFlight],
    ]);
    return `${lines.join('\n')}\n`;
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}
