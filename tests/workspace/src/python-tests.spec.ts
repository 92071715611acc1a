import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '@cleargate/testing';

const PYTHON_MJS = pathToFileURL(join(ROOT, 'tools', 'python.mjs')).href;

/** Calls an export of tools/python.mjs in a Node process of its own (Jest cannot load that ES module) and returns its JSON result. */
function call(expression: string, env: Record<string, string> = {}): unknown {
  const run = spawnSync(
    process.execPath,
    ['-e', `import(${JSON.stringify(PYTHON_MJS)}).then((m) => console.log(JSON.stringify(${expression})))`],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

describe('tools/python.mjs (the Python tests in `npm test`)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cleargate-pytest-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads pytest's JUnit report: errors count as failures", () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="2" ' +
      'skipped="1" tests="9" time="6.1" timestamp="2026-12-07T01:54:15" hostname="ci"><testcase classname="t" name="a" /></testsuite></testsuites>';
    expect(call(`m.junitCounts(${JSON.stringify(xml)})`)).toEqual({ passed: 5, failed: 3, skipped: 1 });
  });

  it('counts a Python that is missing as a failed test, never as nothing', () => {
    const result = call(`m.runPytest([], { resultsFile: ${JSON.stringify(join(dir, 'missing.xml'))}, stdio: 'ignore' })`, {
      CLEARGATE_PYTHON: join(dir, 'no-such-python'),
    });
    expect(result).toMatchObject({ passed: 0, failed: 1, skipped: 0 });
  });

  it('counts a run that selects no test as a failure', () => {
    // Builds .tools/venv when it is not there yet (the suite's pytest run reuses it).
    const result = call(
      `m.runPytest(['-k', 'no_test_has_this_name'], { resultsFile: ${JSON.stringify(join(dir, 'none.xml'))}, stdio: 'ignore' })`,
    );
    expect(result).toMatchObject({ passed: 0, failed: 1 });
  }, 600_000);
});
