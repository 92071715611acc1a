#!/usr/bin/env node
// `npm test`: installs dependencies if needed, starts PostgreSQL and NATS (tools/dev-services.sh),
// builds, runs the whole Jest workspace once, then the Python tests (tools/python.mjs), and prints
// the plain summary `N passed, N failed` (plus `, N skipped`) of both as its last line. Extra
// arguments go to Jest alone (`npm test -- apps/registry`); `npm run test:python` runs pytest alone.
// PostgreSQL and NATS are stopped again at the end when this run started them; when they were
// already running (`npm run dev:services -- start`, the stack), they are left running, and it says so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPytest } from './python.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const devServices = process.env.CLEARGATE_DEV_SERVICES !== 'external';
let startedServices = false;
const finish = (code) => {
  if (startedServices) {
    spawnSync('bash', ['tools/dev-services.sh', 'stop'], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] });
    console.log('PostgreSQL and NATS stopped: this run started them (`npm run dev:services -- start` keeps them up between runs)');
  } else if (devServices) {
    console.log('PostgreSQL and NATS left running as they were found (stop them with `npm run dev:services -- stop`)');
  }
  return code;
};
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0 && !opts.allowFailure) {
    console.error(`${cmd} ${args.join(' ')} failed`);
    process.exit(finish(r.status ?? 1));
  }
  return r.status ?? 1;
};

if (!existsSync(join(root, 'node_modules', '.bin', 'jest'))) run('npm', ['ci', '--no-audit', '--no-fund']);
// helm and nats-server (the dev NATS runs it too), built once into .tools/bin from the Go module proxy.
run('bash', ['tools/install-tools.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (devServices) {
  startedServices = spawnSync('bash', ['tools/dev-services.sh', 'running'], { cwd: root, stdio: 'ignore' }).status !== 0;
  run('bash', ['tools/dev-services.sh', 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
run(process.execPath, ['tools/build.mjs', '--clean']);

mkdirSync(join(root, 'tmp'), { recursive: true });
const resultsFile = join(root, 'tmp', 'jest-results.json');
const JEST_TIMEOUT_MS = 45 * 60_000;
// NestJS 12 is ES modules only: Jest loads it through require(esm), which needs node:vm's modules
// (jest.config.js checks). Their warning says nothing a test run needs.
const JEST_NODE_OPTIONS = '--experimental-vm-modules --disable-warning=ExperimentalWarning';
rmSync(resultsFile, { force: true });
const status = run(
  join(root, 'node_modules', '.bin', 'jest'),
  // --forceExit: a suite whose setup failed half-way may leave a handle open; the run must still end
  // and print its summary. The time limit is a last guard against a hung test run.
  ['--ci', '--forceExit', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)],
  {
    allowFailure: true,
    env: { ...process.env, NX_DAEMON: 'false', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${JEST_NODE_OPTIONS}`.trim() },
    timeout: JEST_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  skipped = results.numPendingTests + results.numTodoTests;
  // A suite that cannot even run (syntax error, failed beforeAll import) has no test results; count it.
  for (const suite of results.testResults) if (suite.status === 'failed' && suite.assertionResults.length === 0) failed += 1;
} else {
  failed = 1;
}
// The Python tests (the real ClearML SDK) with the whole suite, not with a Jest subset.
if (process.argv.length <= 2) {
  const python = runPytest();
  console.log(`python: ${python.passed} passed, ${python.failed} failed in ${python.seconds.toFixed(1)} s`);
  passed += python.passed;
  failed += python.failed;
  skipped += python.skipped;
}
const code = finish(status === 0 && failed === 0 ? 0 : 1);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code);
