import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { commonEnv, loadConfig } from '@cleargate/config';
import { AppError, Caller, ImportProblem, importProblemSchema, utilsImport } from '@cleargate/contracts';
import { natsOptionsOf, NatsService, RpcClient } from '@cleargate/messaging';
import { createLogger } from '@cleargate/observability';
import { emptyExport, readExportFile } from './utils-export';

const importEnv = z.object({
  NATS_URL: commonEnv.NATS_URL,
  NATS_NAMESPACE: commonEnv.NATS_NAMESPACE,
  NATS_USER: commonEnv.NATS_USER,
  NATS_PASSWORD: commonEnv.NATS_PASSWORD,
  NATS_ANONYMOUS: commonEnv.NATS_ANONYMOUS,
  NATS_TLS_CA_FILE: commonEnv.NATS_TLS_CA_FILE,
  NATS_REQUEST_TIMEOUT_MS: commonEnv.NATS_REQUEST_TIMEOUT_MS,
});

/** One transaction of up to thousands of rows: give the registry longer than an interactive request. */
const IMPORT_TIMEOUT_MS = 300_000;

const USAGE = `usage: npm run import:utils -- [--check] [--owner <username>] FILE...

Imports an export of ClearML Utils' machines, endpoints and tasks (JSON, or CSV/TSV files of one
table each) into the registry under the public ids their users already hold. Every row is checked
first; any bad row is listed (file:line: table: reason) and nothing is written. Running it again
changes nothing. FILE "-" reads JSON from standard input.

  --check            check everything against the registry, write nothing
  --owner <username> owner of the new rows (default: the user running this, ${safeLogin()})

Environment: NATS_URL, NATS_NAMESPACE, NATS_USER, NATS_PASSWORD as the registry has them.`;

function safeLogin(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'admin';
  }
}

/** Exit codes: 0 imported (or checked), 1 bad rows (nothing written), 2 usage or registry unreachable. */
async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { check: { type: 'boolean', default: false }, owner: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help || args.positionals.length === 0) {
    (args.values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return args.values.help ? 0 : 2;
  }
  const login = safeLogin();
  const owner = args.values.owner?.trim() || login;
  // npm runs scripts from the package root; a path is meant from where the command was typed.
  const cwd = process.env.INIT_CWD ?? process.cwd();

  const parsed = emptyExport();
  for (const file of args.positionals) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : isAbsolute(file) ? file : resolve(cwd, file), 'utf8');
    } catch (err) {
      process.stderr.write(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
      return 2;
    }
    readExportFile(file === '-' ? 'stdin.json' : file, text, parsed);
  }
  // Rows that could not be read are listed with what the registry finds wrong in the others,
  // so that one run names every bad row; nothing is written then.
  const unreadable = parsed.problems;
  const config = loadConfig('registry-import', importEnv);
  const nats = await NatsService.connect(
    natsOptionsOf('registry-import', config),
    createLogger({ service: 'registry-import', level: 'error' }),
  );
  try {
    const caller: Caller = { subject: `cli:${login}`, username: login, roles: [], groups: [], admin: true };
    const result = await new RpcClient(nats).request(
      utilsImport,
      {
        caller,
        owner,
        dry_run: args.values.check || unreadable.length > 0,
        machines: parsed.machines,
        endpoints: parsed.endpoints,
        tasks: parsed.tasks,
      },
      { timeoutMs: Math.max(config.NATS_REQUEST_TIMEOUT_MS, IMPORT_TIMEOUT_MS) },
    );
    if (unreadable.length > 0) return refused(unreadable);
    const line = (name: string, c: { created: number; unchanged: number }) =>
      `${name}: ${c.created} ${result.dry_run ? 'to create' : 'created'}, ${c.unchanged} already registered\n`;
    process.stdout.write(line('machines', result.machines) + line('endpoints', result.endpoints) + line('tasks', result.tasks));
    process.stdout.write(result.dry_run ? 'checked: nothing was written\n' : `imported, owned by ${result.owner}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const rows = z.array(importProblemSchema).safeParse((err.details as { rows?: unknown } | undefined)?.rows);
    if (err.code === 'invalid_argument' && rows.success) return refused([...unreadable, ...rows.data]);
    process.stderr.write(`${err.message}${err.code === 'unavailable' ? ' (is the registry running, with these NATS_* settings?)' : ''}\n`);
    if (unreadable.length > 0) return refused(unreadable);
    return 2;
  } finally {
    await nats.close();
  }
}

function refused(problems: ImportProblem[]): number {
  const sorted = [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  for (const p of sorted) process.stderr.write(`${p.file}:${p.line}: ${p.table ? `${p.table}: ` : ''}${p.reason}\n`);
  process.stderr.write(`${problems.length} bad row(s); nothing was written\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
