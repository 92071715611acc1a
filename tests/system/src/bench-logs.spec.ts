import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@cleargate/testing';

jest.setTimeout(180_000);

/**
 * `npm run bench:logs` is not part of the suite (tens of millions of rows), but its code path is:
 * the same program on a small history, every step run (seed with COPY, queries through the
 * gateway, retention while a writer inserts, ingest through CALLLOGS) and every figure printed.
 */
it('runs the logs benchmark end to end on a small history and reports every figure', async () => {
  const entry = join(ROOT, 'dist', 'tests', 'bench', 'logs', 'main.js');
  expect(existsSync(entry)).toBe(true);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        CALLS: '30000',
        ENQUEUE: '3000',
        RUNS: '500',
        DAYS: '12',
        ITERATIONS: '2',
        INGEST_RATE: '5000',
        INGEST_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench:logs exited with ${code}:\n${out}`))));
  });
  const line = output.split('\n').find((l) => l.startsWith('{"bench":"logs"'));
  expect(line).toBeDefined();
  const figures = JSON.parse(line!);
  expect(figures).toMatchObject({ calls: 30000, enqueue: 3000, runs: 500, days: 12 });
  expect(figures.seed.rows_per_second).toBeGreaterThan(0);
  const names = Object.keys(figures.queries);
  expect(names).toEqual(
    expect.arrayContaining([
      'stats 30 days hourly',
      'stats range 1h',
      'stats range 30d',
      'usage 30 days by day, none',
      'usage 30 days by day, user',
      'usage 30 days by day, endpoint',
      'log page, no filter',
      'log page, outcome=timeout',
      'log page 10,000 rows deep',
    ]),
  );
  for (const name of names) expect([name, figures.queries[name].p95]).toEqual([name, expect.any(Number)]);
  expect(figures.retention.drops.length).toBeGreaterThanOrEqual(2);
  expect(figures.retention.writer_inserts).toBeGreaterThan(0);
  expect(figures.ingest.published).toBeGreaterThan(0);
  expect(figures.ingest.written_during + figures.ingest.behind_at_end).toBe(figures.ingest.published);
});
