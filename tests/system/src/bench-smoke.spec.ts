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
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-2000) }).toEqual({ code: 0, tail: '' });
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
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-2000) }).toEqual({ code: 0, tail: '' });
    const [image] = figures('bench-ondemand.json').images;
    expect(image.bytes).toBe(65536);
    for (const target of ['direct', 'gateway', 'relay']) {
      expect(image[target].rps).toBeGreaterThan(0);
      expect(image[target].errors + image[target].non2xx).toBe(0);
    }
    expect(image.peak_rss.gateway).toBeGreaterThan(0);
    expect(image.peak_rss.router).toBeGreaterThan(0);
  }, 180_000);

  it('bench:soak drives mixed traffic and samples every service at the start and the end', async () => {
    const run = await bench('soak', {
      SOAK_SEC: '6',
      SOAK_WARMUP_SEC: '1',
      SAMPLE_SEC: '1',
      SOAK_ONDEMAND_RPS: '20',
      SOAK_RUNS_RPS: '5',
    });
    // A soak of seconds may flag noise (exit code 1); one that broke exits otherwise.
    expect({ code: run.code === 1 ? 0 : run.code, tail: run.code! <= 1 ? '' : run.output.slice(-2000) }).toEqual({ code: 0, tail: '' });
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
