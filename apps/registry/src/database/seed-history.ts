import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import { ONDEMAND_CALL_FIELDS } from '@cleargate/contracts';
import { envInt, envUrl, loadConfig } from '@cleargate/config';

/**
 * Writes a realistic history into the registry's database with COPY: on-demand calls of many
 * callers on many endpoints (Zipf-distributed, busier in working hours, mostly answered, some
 * failing, durations and sizes log-normal per endpoint), runs of registered tasks with their
 * queue, wait, running and GPU time, and the enqueue log of those runs. The rollup triggers
 * count every row as the service would. Used by `npm run bench:logs` (tens of millions of rows)
 * and by the tests (a few hundred thousand), always through this one code path.
 *
 *   node dist/apps/registry/src/database/seed-history.js --calls 20000000 --runs 200000 --enqueue 1000000 --days 60
 */
export interface SeedOptions {
  calls: number;
  runs: number;
  /** Rows of the enqueue log: one per run that reached ClearML or failed, the rest refusals. */
  enqueue: number;
  days: number;
  /** The history ends here (exclusive). */
  end: Date;
  users: number;
  machines: number;
  endpoints: number;
  tasks: number;
  seed: number;
  /** Rows per COPY statement. */
  chunk: number;
}

export const SEED_DEFAULTS: SeedOptions = {
  calls: 100_000,
  runs: 1_000,
  enqueue: 1_100,
  days: 60,
  end: new Date(),
  users: 100,
  machines: 5,
  endpoints: 20,
  tasks: 10,
  seed: 1,
  chunk: 50_000,
};

export interface SeedResult {
  calls: number;
  runs: number;
  enqueue: number;
  first: string;
  end: string;
  users: string[];
  machines: { id: string; public_id: string; name: string }[];
  endpoints: { machine_id: string; name: string }[];
  tasks: { id: string; public_id: string; default_queue: string; allowed_queues: string[] }[];
  seconds: number;
}

/** mulberry32: a small seeded PRNG, so the same options write the same history. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i of n with probability ∝ 1/(i+1)^s (a few busy ones, a long tail). */
function zipf(n: number, s: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) cumulative.push((total += 1 / Math.pow(i + 1, s)));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function logNormal(median: number, sigma: number, random: () => number): number {
  // Box–Muller
  const u = Math.max(random(), 1e-12);
  const v = random();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

/** Relative traffic by UTC hour: quiet nights, busy working hours. */
const HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 11, 12, 12, 11, 9, 7, 6, 5, 4, 3, 2];
const OUTCOMES: { outcome: string; status: number; share: number; error: string | null }[] = [
  { outcome: 'ok', status: 200, share: 0.955, error: null },
  { outcome: 'client_error', status: 422, share: 0.02, error: 'upstream answered 422' },
  { outcome: 'upstream_error', status: 502, share: 0.008, error: 'the serving machine answered 500' },
  { outcome: 'timeout', status: 504, share: 0.005, error: 'did not answer within 30000 ms' },
  { outcome: 'unavailable', status: 503, share: 0.004, error: 'the serving machine is unreachable (ECONNREFUSED)' },
  { outcome: 'not_found', status: 404, share: 0.003, error: 'no enabled endpoint on this machine' },
  { outcome: 'forbidden', status: 403, share: 0.003, error: 'endpoint is not shared with you' },
  { outcome: 'rate_limited', status: 429, share: 0.002, error: 'the machine has too many calls in flight' },
];

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const copyEscape = (value: string) => value.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
const cell = (value: unknown): string =>
  value === null || value === undefined ? '\\N' : typeof value === 'string' ? copyEscape(value) : String(value);
const DAY = 86_400_000;

/** Writes the history; the database must be migrated. */
export async function seedHistory(client: Client, partial: Partial<SeedOptions> = {}): Promise<SeedResult> {
  const o: SeedOptions = { ...SEED_DEFAULTS, ...partial };
  const started = performance.now();
  const random = prng(o.seed);
  const end = o.end.getTime();
  const first = end - o.days * DAY;
  const tag = hex(`${o.seed}:${end}`).slice(0, 6);

  const users = Array.from({ length: o.users }, (_, i) => `user${String(i + 1).padStart(3, '0')}`);
  const machines = Array.from({ length: o.machines }, (_, i) => {
    const id = randomUUID();
    return { id, public_id: hex(`machine:${tag}:${i}`), name: `hist-${tag}-gpu-${i + 1}` };
  });
  const endpoints = Array.from({ length: o.endpoints }, (_, i) => ({
    id: randomUUID(),
    machine: machines[i % machines.length]!,
    name: `model_${i + 1}`,
    median: 15 + 400 * random() * random(),
  }));
  const tasks = Array.from({ length: o.tasks }, (_, i) => {
    const id = randomUUID();
    return {
      id,
      public_id: hex(`task:${tag}:${i}`),
      name: `hist_task_${i + 1}`,
      default_queue: 'default',
      allowed_queues: i % 2 ? ['gpu'] : ['gpu', 'cpu-batch'],
    };
  });
  await client.query('BEGIN');
  for (const m of machines) {
    await client.query(
      `INSERT INTO machines (id, public_id, name, base_url, protocol, owner) VALUES ($1, $2, $3, $4, 'clearml-serving', 'seed')`,
      [m.id, m.public_id, m.name, `http://${m.name}.invalid:8080`],
    );
  }
  for (const e of endpoints) {
    await client.query(
      `INSERT INTO endpoints (id, machine_id, name, timeout_ms, visibility, owner) VALUES ($1, $2, $3, 30000, 'public', 'seed')`,
      [e.id, e.machine.id, e.name],
    );
  }
  for (const t of tasks) {
    await client.query(
      `INSERT INTO task_templates (id, public_id, clearml_task_id, default_queue, allowed_queues, name, visibility, owner)
       VALUES ($1, $2, $3, $4, $5, $6, 'public', 'seed')`,
      [t.id, t.public_id, hex(t.id).slice(0, 32), t.default_queue, JSON.stringify(t.allowed_queues), t.name],
    );
  }
  await client.query(`SELECT cg_ensure_partitions($1, $2::date, $3::date)`, ['ondemand_calls', isoDay(first), isoDay(end - 1)]);
  await client.query(`SELECT cg_ensure_partitions($1, $2::date, $3::date)`, ['enqueue_calls', isoDay(first), isoDay(end - 1)]);
  await client.query('COMMIT');

  const pickUser = zipf(o.users, 1.1, random);
  const pickEndpoint = zipf(o.endpoints, 0.9, random);
  const pickHour = weighted(HOUR_WEIGHTS, random);
  const pickOutcome = weighted(
    OUTCOMES.map((x) => x.share),
    random,
  );
  const time = () => {
    for (;;) {
      const day = Math.floor(first / DAY) + Math.floor(random() * (o.days + 1));
      const t = day * DAY + pickHour() * 3_600_000 + Math.floor(random() * 3_600_000);
      if (t >= first && t < end) return t;
    }
  };

  // ---- on-demand calls, a day at a time in time order: each COPY fills one day partition ----------
  const firstDay = Math.floor(first / DAY);
  const lastDay = Math.floor((end - 1) / DAY);
  const dayWeights = Array.from({ length: lastDay - firstDay + 1 }, (_, i) => {
    const from = Math.max(first, (firstDay + i) * DAY);
    const to = Math.min(end, (firstDay + i + 1) * DAY);
    return (to - from) / DAY;
  });
  const totalWeight = dayWeights.reduce((a, b) => a + b, 0);
  let remaining = o.calls;
  for (let d = 0; d < dayWeights.length && remaining > 0; d++) {
    const n = d === dayWeights.length - 1 ? remaining : Math.min(remaining, Math.round((o.calls * dayWeights[d]!) / totalWeight));
    remaining -= n;
    const dayStart = (firstDay + d) * DAY;
    const times = Array.from({ length: n }, () => {
      for (;;) {
        const t = dayStart + pickHour() * 3_600_000 + Math.floor(random() * 3_600_000);
        if (t >= first && t < end) return t;
      }
    }).sort((a, b) => a - b);
    let next = 0;
    await copyRows(client, `COPY ondemand_calls (${ONDEMAND_CALL_FIELDS.join(', ')}) FROM STDIN`, n, o.chunk, () =>
      callRow(times[next++]!),
    );
  }

  function callRow(at: number): unknown[] {
    const e = endpoints[pickEndpoint()]!;
    const oc = OUTCOMES[pickOutcome()]!;
    const duration =
      oc.outcome === 'timeout'
        ? 30_000 + random() * 5
        : oc.outcome === 'not_found' || oc.outcome === 'forbidden' || oc.outcome === 'rate_limited'
          ? 0.2 + random()
          : logNormal(e.median, 0.6, random);
    const upstream = oc.outcome === 'ok' || oc.outcome === 'client_error' || oc.outcome === 'upstream_error' ? duration * 0.93 : null;
    const requestBytes = Math.round(logNormal(oc.outcome === 'ok' ? 1500 : 600, 1.2, random));
    const responseBytes = oc.outcome === 'ok' ? Math.round(logNormal(300, 0.8, random)) : 120;
    return [
      randomUUID(),
      new Date(at).toISOString(),
      randomUUID(),
      users[pickUser()]!,
      e.machine.public_id,
      e.machine.name,
      e.name,
      random() < 0.6 ? 'compat' : 'v1',
      oc.status,
      oc.outcome,
      Math.round(duration * 1000) / 1000,
      upstream === null ? null : Math.round(upstream * 1000) / 1000,
      requestBytes,
      responseBytes,
      oc.error,
      oc.outcome === 'ok' ? `{"digit":${Math.floor(random() * 10)}}` : null,
      null, // prompt_tokens: LLM endpoints only
      null, // completion_tokens
      null, // caller_subject: as rows stored before subjects were kept
    ];
  }

  // ---- runs and their enqueue log -----------------------------------------------------------------
  const workers = Array.from({ length: 8 }, (_, i) => ({ id: `hist-agent-${i + 1}`, gpus: i < 2 ? 0 : i < 6 ? 1 : 2 }));
  const enqueueRows: unknown[][] = [];
  const runColumns =
    'id, template_id, task_public_id, template_name, caller, params, queue, status, clearml_task_id, error, error_code, attempts, ' +
    'correlation_id, created_at, updated_at, queued_at, started_at, finished_at, route, worker, gpu_seconds';
  await copyRows(client, `COPY runs (${runColumns}) FROM STDIN`, o.runs, o.chunk, () => {
    const t = tasks[Math.floor(random() * tasks.length)]!;
    const caller = users[pickUser()]!;
    const queue = random() < 0.7 ? t.default_queue : t.allowed_queues[Math.floor(random() * t.allowed_queues.length)]!;
    const created = time();
    const recent = end - created < 3_600_000;
    const r = random();
    const failedEarly = r < 0.02;
    const status =
      recent && r > 0.5
        ? r > 0.8
          ? 'in_progress'
          : 'queued'
        : failedEarly
          ? 'failed'
          : r < 0.12
            ? 'failed'
            : r < 0.15
              ? 'stopped'
              : 'completed';
    const queuedAt = failedEarly ? null : created + 200 + random() * 1800;
    const startedAt = queuedAt === null || status === 'queued' ? null : queuedAt + logNormal(30_000, 1, random);
    const finished = status === 'completed' || status === 'failed' || status === 'stopped';
    const finishedAt = finished ? (startedAt ?? created + 500) + (startedAt === null ? 0 : logNormal(600_000, 1, random)) : null;
    const worker = startedAt === null ? null : workers[Math.floor(random() * workers.length)]!;
    const gpuSeconds = worker && finishedAt !== null && startedAt !== null ? ((finishedAt - startedAt) / 1000) * worker.gpus : null;
    const id = randomUUID();
    const clearmlId = failedEarly ? null : hex(id).slice(0, 32);
    const at = (ms: number | null) => (ms === null ? null : new Date(Math.min(ms, end - 1)).toISOString());
    if (enqueueRows.length < o.enqueue) {
      enqueueRows.push([
        randomUUID(),
        at(queuedAt ?? created + 5000),
        randomUUID(),
        caller,
        t.public_id,
        t.name,
        id,
        clearmlId,
        queue,
        random() < 0.6 ? 'compat' : 'v1',
        failedEarly ? 'failed' : 'queued',
        Math.round((queuedAt ?? created + 5000) - created),
        failedEarly ? 5 : 1,
        failedEarly ? 'unavailable: ClearML did not answer' : null,
      ]);
    }
    return [
      id,
      t.id,
      t.public_id,
      t.name,
      caller,
      JSON.stringify({ lr: Math.round(random() * 1000) / 10000, epochs: 1 + Math.floor(random() * 20) }),
      queue,
      status,
      clearmlId,
      status === 'failed' ? (failedEarly ? 'ClearML did not answer' : 'worker execution exit code 1') : null,
      failedEarly ? 'unavailable' : null,
      failedEarly ? 5 : 1,
      randomUUID(),
      at(created),
      at(finishedAt ?? startedAt ?? queuedAt ?? created),
      at(queuedAt),
      at(startedAt),
      at(finishedAt),
      random() < 0.6 ? 'compat' : 'v1',
      worker?.id ?? null,
      gpuSeconds === null ? null : Math.round(gpuSeconds * 1000) / 1000,
    ];
  });
  // The rest of the enqueue log: refusals (unknown task, bad parameters, a queue not allowed).
  const refusals = Math.max(0, o.enqueue - enqueueRows.length);
  let written = 0;
  const enqueueColumns =
    'id, at, correlation_id, caller, task_id, template_name, run_id, clearml_task_id, queue, route, outcome, duration_ms, attempts, error';
  await copyRows(client, `COPY enqueue_calls (${enqueueColumns}) FROM STDIN`, enqueueRows.length + refusals, o.chunk, () => {
    if (written < enqueueRows.length) return enqueueRows[written++]!;
    const t = tasks[Math.floor(random() * tasks.length)]!;
    return [
      randomUUID(),
      new Date(time()).toISOString(),
      randomUUID(),
      users[pickUser()]!,
      t.public_id,
      t.name,
      null,
      null,
      'privileged',
      'v1',
      'rejected',
      Math.round(random() * 5 * 1000) / 1000,
      0,
      'forbidden: queue "privileged" is not allowed for this task',
    ];
  });
  return {
    calls: o.calls,
    runs: o.runs,
    enqueue: enqueueRows.length + refusals,
    first: new Date(first).toISOString(),
    end: new Date(end).toISOString(),
    users,
    machines: machines.map(({ id, public_id, name }) => ({ id, public_id, name })),
    endpoints: endpoints.map((e) => ({ machine_id: e.machine.public_id, name: e.name })),
    tasks: tasks.map(({ id, public_id, default_queue, allowed_queues }) => ({ id, public_id, default_queue, allowed_queues })),
    seconds: (performance.now() - started) / 1000,
  };
}

/** `total` rows from `row()`, in COPY statements of `chunk` rows. */
async function copyRows(client: Client, sql: string, total: number, chunk: number, row: () => unknown[]): Promise<void> {
  for (let done = 0; done < total; done += chunk) {
    const n = Math.min(chunk, total - done);
    const rows = Array.from({ length: n }, row);
    const text = rows.map((r) => r.map(cell).join('\t')).join('\n') + '\n';
    await pipeline(Readable.from([text]), client.query(copyFrom(sql)));
  }
}

function weighted(weights: number[], random: () => number): () => number {
  const total = weights.reduce((a, b) => a + b, 0);
  return () => {
    let x = random() * total;
    for (let i = 0; i < weights.length; i++) if ((x -= weights[i]!) < 0) return i;
    return weights.length - 1;
  };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const seedEnv = z.object({
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  SEED_CALLS: envInt({ min: 0, max: 1_000_000_000, default: SEED_DEFAULTS.calls }),
  SEED_RUNS: envInt({ min: 0, max: 100_000_000, default: SEED_DEFAULTS.runs }),
  SEED_ENQUEUE: envInt({ min: 0, max: 100_000_000, default: SEED_DEFAULTS.enqueue }),
  SEED_DAYS: envInt({ min: 1, max: 3650, default: SEED_DEFAULTS.days }),
  SEED_USERS: envInt({ min: 1, max: 100_000, default: SEED_DEFAULTS.users }),
  SEED_ENDPOINTS: envInt({ min: 1, max: 10_000, default: SEED_DEFAULTS.endpoints }),
  SEED_RANDOM: envInt({ min: 0, max: 2 ** 31, default: SEED_DEFAULTS.seed }),
  SEED_END: z.iso.datetime({ offset: true }).optional(),
});

async function main(): Promise<void> {
  // Flags override the environment: --calls 20000000 --days 60 …
  const env: Record<string, string | undefined> = { ...process.env };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i]!.replace(/^--/, '');
    env[`SEED_${key.toUpperCase()}`] = args[i + 1];
  }
  const config = loadConfig('registry-seed-history', seedEnv, env);
  const client = new Client({ connectionString: config.DATABASE_URL, application_name: 'cleargate-seed-history' });
  await client.connect();
  try {
    const result = await seedHistory(client, {
      calls: config.SEED_CALLS,
      runs: config.SEED_RUNS,
      enqueue: config.SEED_ENQUEUE,
      days: config.SEED_DAYS,
      users: config.SEED_USERS,
      endpoints: config.SEED_ENDPOINTS,
      seed: config.SEED_RANDOM,
      end: config.SEED_END ? new Date(config.SEED_END) : new Date(),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
