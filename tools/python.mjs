#!/usr/bin/env node
// The Python test project (tests/interop/python): its virtual environment and its pytest run.
//
//   npm run test:python [-- pytest args]   installs if needed, starts PostgreSQL and NATS, builds,
//                                          runs pytest and prints `N passed, N failed` last
//
// tools/test.mjs imports `runPytest` and adds its counts to the Jest summary.
//
// The environment lives in .tools/venv (ignored by git) and is built from
// tests/interop/python/requirements.txt with the machine's Python 3 (or CLEARGATE_PYTHON): the
// standard `venv` module, or `virtualenv` from PyPI where the Python lacks `ensurepip` (Debian's
// python3 without python3-venv). It is rebuilt from scratch whenever that file or the Python
// changes; a test that needs one more package adds a line there.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON_PROJECT = join(root, 'tests', 'interop', 'python');
const requirementsFile = join(PYTHON_PROJECT, 'requirements.txt');
const tools = join(root, '.tools');
const venv = join(tools, 'venv');
const venvPython = join(venv, 'bin', 'python');
const stampFile = join(venv, '.cleargate-requirements');
const MIN_PYTHON = [3, 9];

const log = (msg) => console.error(`python: ${msg}`);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  return { ok: r.status === 0, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

/** The base interpreter and its version, or an error message. */
function basePython() {
  const candidates = process.env.CLEARGATE_PYTHON ? [process.env.CLEARGATE_PYTHON] : ['python3', 'python'];
  for (const cmd of candidates) {
    const r = sh(cmd, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)']);
    if (!r.ok) continue;
    const [version, executable] = r.out.trim().split('\n');
    const [major, minor] = version.split('.').map(Number);
    if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
      throw new Error(`${cmd} is Python ${version}; the Python tests need ${MIN_PYTHON.join('.')} or newer (set CLEARGATE_PYTHON)`);
    }
    return { cmd, version, executable };
  }
  throw new Error('no Python 3 found (python3 or CLEARGATE_PYTHON): the Python tests need Python 3 with pip');
}

/**
 * Make sure .tools/venv holds exactly what requirements.txt pins, for this Python; returns the
 * venv's python. Idempotent: a matching stamp means nothing to do.
 */
export function ensureVenv() {
  const python = basePython();
  const requirements = readFileSync(requirementsFile, 'utf8');
  const stamp = createHash('sha256').update(`${python.executable} ${python.version}\n${requirements}`).digest('hex');
  if (existsSync(venvPython) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) return venvPython;

  log(`building .tools/venv (Python ${python.version}) from tests/interop/python/requirements.txt`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(tools, { recursive: true });
  let created = sh(python.cmd, ['-m', 'venv', venv]);
  if (!created.ok || !existsSync(join(venv, 'bin', 'pip'))) {
    // No ensurepip (e.g. Debian's python3 without python3-venv): virtualenv from PyPI brings its own pip.
    log('the venv module cannot create an environment with pip here; using virtualenv from PyPI');
    rmSync(venv, { recursive: true, force: true });
    const target = join(tools, 'virtualenv');
    const fetched = sh(python.cmd, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, 'virtualenv']);
    if (!fetched.ok) throw new Error(`cannot install virtualenv: ${fetched.out.trim()}`);
    created = sh(python.cmd, ['-m', 'virtualenv', '--quiet', venv], { env: { ...process.env, PYTHONPATH: target } });
    if (!created.ok) throw new Error(`cannot create .tools/venv: ${created.out.trim()}`);
  }
  const installed = sh(
    venvPython,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', requirementsFile],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  if (!installed.ok) throw new Error(`pip could not install tests/interop/python/requirements.txt: ${installed.out.trim()}`);
  writeFileSync(stampFile, `${stamp}\n`);
  return venvPython;
}

/** Counts of a pytest JUnit XML report (the first, and for pytest only, <testsuite>). */
export function junitCounts(xml) {
  const tag = /<testsuite\b([^>]*)>/.exec(xml);
  if (!tag) return undefined;
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(tag[1])?.[1] ?? 0);
  const tests = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: Math.max(0, tests - failed - skipped), failed, skipped };
}

/**
 * Run the Python tests (PostgreSQL, NATS and the build must be there). Returns their counts; an
 * environment that cannot be built or a pytest that does not run its tests is one failure.
 */
export function runPytest(args = [], { resultsFile = join(root, 'tmp', 'pytest-results.xml'), stdio = 'inherit' } = {}) {
  const started = Date.now();
  mkdirSync(dirname(resultsFile), { recursive: true });
  rmSync(resultsFile, { force: true });
  let python;
  try {
    python = ensureVenv();
  } catch (err) {
    log(err.message);
    return { passed: 0, failed: 1, skipped: 0, seconds: (Date.now() - started) / 1000 };
  }
  const r = spawnSync(python, ['-m', 'pytest', `--junitxml=${resultsFile}`, ...args], {
    cwd: PYTHON_PROJECT,
    stdio,
    // No __pycache__ folders in the source tree.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const counts = existsSync(resultsFile) ? junitCounts(readFileSync(resultsFile, 'utf8')) : undefined;
  const result = counts ?? { passed: 0, failed: 0, skipped: 0 };
  // 0: all passed, 1: some failed; anything else (interrupted, internal or usage error, nothing
  // collected, not started at all) means the tests did not run as they should.
  if ((r.status !== 0 && result.failed === 0) || !counts) result.failed += 1;
  if (r.status !== 0 && r.status !== 1) log(`pytest exited with ${r.status ?? r.signal}`);
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const run = (cmd, args, opts = {}) => {
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
    if (r.status !== 0) {
      console.error(`${cmd} ${args.join(' ')} failed`);
      process.exit(r.status ?? 1);
    }
  };
  if (!existsSync(join(root, 'node_modules', '.bin', 'jest'))) run('npm', ['ci', '--no-audit', '--no-fund']);
  if (process.env.CLEARGATE_DEV_SERVICES !== 'external')
    run('bash', ['tools/dev-services.sh', 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  run(process.execPath, ['tools/build.mjs']);
  const { passed, failed, skipped } = runPytest(process.argv.slice(2));
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed === 0 ? 0 : 1);
}
