import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
jest.setTimeout(180_000);

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; message: string; line: number }[];
}

/** Runs ESLint in its own process (its flat config is ESM, which Jest's module system cannot load). */
function eslint(args: string[], input?: string): LintResult[] {
  try {
    const out = execFileSync(join(ROOT, 'node_modules', '.bin', 'eslint'), ['--format', 'json', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      input,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out) as LintResult[];
  } catch (err) {
    const stdout = (err as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout) as LintResult[];
    throw err;
  }
}

/** Lints a snippet as if it were a file at `path` in the workspace. */
async function lint(path: string, code: string) {
  const [result] = eslint(['--stdin', '--stdin-filename', join(ROOT, path)], code);
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

beforeAll(() => {
  // The boundary rule reads the Nx project graph; make sure it is computed for this checkout.
  execFileSync(join(ROOT, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
    stdio: 'ignore',
  });
});

describe('module boundaries', () => {
  it('forbid an app from importing another app', async () => {
    const messages = await lint(
      'apps/auth-gateway/src/bad-import.ts',
      "import { startRegistry } from '../../registry/src/main';\nexport const x = startRegistry;\n",
    );
    expect(messages.join('\n')).toMatch(/Imports of apps are forbidden|relative or absolute path/);
  });

  it('forbid a library from importing an app', async () => {
    const messages = await lint(
      'libs/contracts/src/bad-import.ts',
      "import { startRegistry } from '../../../apps/registry/src/main';\nexport const x = startRegistry;\n",
    );
    expect(messages.length).toBeGreaterThan(0);
  });

  it('forbid product code from using test peers, which tests may use', async () => {
    const code = "import { startServingPeer } from '@cleargate/peers';\nexport const x = startServingPeer;\n";
    expect((await lint('apps/ondemand-router/src/bad-import.ts', code)).length).toBeGreaterThan(0);
    expect(await lint('apps/ondemand-router/src/good.integration-spec.ts', code)).toEqual([]);
  });

  it('allow an app to use a library through its public entry', async () => {
    expect(
      await lint('apps/auth-gateway/src/ok.ts', "import { AppError } from '@cleargate/contracts';\nexport const x = AppError;\n"),
    ).toEqual([]);
  });
});

describe('static checks', () => {
  it('the whole workspace passes lint', async () => {
    const results = eslint(['apps', 'libs', 'tests', 'packages']);
    const errors = results.flatMap((r) =>
      r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(ROOT.length + 1)}:${m.line} ${m.ruleId}: ${m.message}`),
    );
    expect(errors).toEqual([]);
  });

  it.each([
    ['the services, libraries and tests', 'tsconfig.json'],
    ['the console (a browser app, with the DOM and JSX)', 'apps/console/tsconfig.json'],
  ])('%s type-check in strict mode', (_what, project) => {
    let output = '';
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', project, '--noEmit'], { cwd: ROOT, encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output.split('\n').filter(Boolean)).toEqual([]);
  });
});
