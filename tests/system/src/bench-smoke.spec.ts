import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '@cleargate/testing';

// The benchmarks are not part of the suite; their code paths are, in runs of a second or two:
// each must bring its stack up, measure, write its figures and take everything down again.
// No figure is judged here (timed assertions are not benchmarks), only that it was measured.

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'cg-bench-smoke-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function bench(name: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'tests', 'bench', name, 'main.js')], {
      env: { ...process.env, BENCH_OUT_DIR: out, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const figures = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8'));

/** The run ended with `code` (0 unless said), or its output's end says why not. */
function expectExit(run: { code: number | null; output: string }, ok: (code: number | null) => boolean = (c) => c === 0): void {
  expect({ ok: ok(run.code), tail: ok(run.code) ? '' : run.output.slice(-2000) }).toEqual({ ok: true, tail: '' });
}

describe('benchmark code paths', () => {
  it('bench:enqueue measures run acceptance beside on-demand calls, the compatible route and the worker', async () => {
    const run = await bench('enqueue', {
      DURATION_SEC: '1',
      BENCH_ROUNDS: '1',
      BACKLOG_SEC: '1',
      CLEARML_LATENCY_MS: '0',
      ORIGINAL_RUNS: '16',
      BENCH_CONNECTIONS: '4',
    });
    expectExit(run);
    const report = figures('bench-enqueue.json');
    for (const scenario of [report.ondemand_gateway, report.acceptance, report.compat_route]) {
      expect(scenario.rps).toBeGreaterThan(0);
      expect(scenario.errors + scenario.non2xx).toBe(0);
    }
    expect(report.acceptance.runs).toBeGreaterThan(0);
    expect(report.acceptance_vs_ondemand.throughput).toBeGreaterThan(0);
    expect(Object.keys(report.cpu_us_per_request.runs)).toEqual(expect.arrayContaining(['registry', 'auth-gateway']));
  }, 180_000);

  it('bench:ondemand sends binary bodies through the gateway, straight and through the bare relay, and watches memory', async () => {
    const run = await bench('ondemand', {
      BENCH_SCENARIOS: 'images',
      BENCH_IMAGE_SIZES: '65536',
      BENCH_ROUNDS: '1',
      IMAGE_SEC: '1',
      BENCH_CONNECTIONS: '4',
    });
    expectExit(run);
    const [image] = figures('bench-ondemand.json').images;
    expect(image.bytes).toBe(65536);
    for (const target of ['direct', 'gateway', 'relay']) {
      expect(image[target].rps).toBeGreaterThan(0);
      expect(image[target].errors + image[target].non2xx).toBe(0);
    }
    expect(image.peak_rss.gateway).toBeGreaterThan(0);
    expect(image.peak_rss.router).toBeGreaterThan(0);
  }, 180_000);

  it('bench:llm streams chat completions straight to the model, through the gateway and through the bare relay', async () => {
    const run = await bench('llm', {
      BENCH_STREAMS: '2',
      BENCH_ROUNDS: '1',
      STREAMS_PER_ROUND: '2',
      TOKENS: '4',
      TOKEN_MS: '5',
      FIRST_TOKEN_MS: '5',
      THINK_MS: '2',
      FLOOR_SAMPLES: '3',
    });
    expectExit(run);
    const report = figures('bench-llm.json');
    expect(report.answers).toEqual({ direct: 4, gateway: 4, relay: 4 });
    expect(report.errors).toEqual({ direct: 0, gateway: 0, relay: 0 });
    for (const path of ['direct', 'gateway', 'relay']) {
      expect(report.ttft[path].p50).toBeGreaterThan(0);
      // the second answer of each stream, on the connections the first opened
      expect(report.ttft_warm[path].p50).toBeGreaterThan(0);
      expect(report.itl[path].mean).toBeGreaterThan(0);
    }
    // The hops' floor: timed beside the gateway's round and alone after it.
    expect(report.hops_floor.idle.samples).toBe(3);
    expect(report.hops_floor.loaded.samples).toBeGreaterThan(0);
    expect(report.hops_floor.idle.p50).toBeGreaterThan(0);
  }, 120_000);

  it('bench:soak drives mixed traffic and samples every service at the start and the end', async () => {
    const run = await bench('soak', {
      SOAK_SEC: '6',
      SOAK_WARMUP_SEC: '1',
      SAMPLE_SEC: '1',
      SOAK_ONDEMAND_RPS: '20',
      SOAK_RUNS_RPS: '5',
    });
    // A soak of seconds may flag noise (exit code 1); one that broke exits otherwise.
    expectExit(run, (code) => code === 0 || code === 1);
    const report = figures('bench-soak.json');
    expect(report.outcomes.ondemand.ok).toBeGreaterThan(0);
    expect(report.outcomes.runs.ok).toBeGreaterThan(0);
    expect(report.outcomes.ondemand.failed + report.outcomes.runs.failed).toBe(0);
    expect(Object.keys(report.table).sort()).toEqual(['gateway', 'registry', 'router', 'worker']);
    for (const row of Object.values(report.table) as { rss_mib: { start: number }; fds: { end: number } }[]) {
      expect(row.rss_mib.start).toBeGreaterThan(0);
      expect(row.fds.end).toBeGreaterThan(0);
    }
  }, 120_000);
});
