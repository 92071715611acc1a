#!/usr/bin/env node
// Compiles every TypeScript source of the workspace (apps, libs, tests) into dist/ with swc,
// keeping the tree so that the `@cleargate/*` path aliases from tsconfig.base.json can be
// rewritten into relative requires, then builds the admin console (a browser app: Vite, through
// its Nx target, cached by Nx) into dist/apps/console. Type checking is a separate step
// (`npm run typecheck`).
import { spawnSync } from 'node:child_process';
import { transformFile } from '@swc/core';
import { readFileSync, mkdirSync, writeFileSync, readdirSync, statSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const outDir = join(root, 'dist');
const roots = ['apps', 'libs', 'tests'];
/** Not Node code: built by Vite below. */
const BROWSER_APPS = new Set([join(root, 'apps', 'console')]);
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
const tsPaths = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths;

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (BROWSER_APPS.has(full)) continue;
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !/\.(integration-)?spec\.ts$/.test(name)) yield full;
  }
}

const started = Date.now();
if (process.argv.includes('--clean')) rmSync(outDir, { recursive: true, force: true });
let count = 0;
const files = roots.filter((r) => existsSync(join(root, r))).flatMap((r) => [...sources(join(root, r))]);
await Promise.all(
  files.map(async (file) => {
    const out = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(file, {
      ...swcrc,
      swcrc: false,
      filename: file,
      sourceFileName: relative(dirname(out), file),
      jsc: { ...swcrc.jsc, baseUrl: root, paths: tsPaths },
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
    if (map) writeFileSync(`${out}.map`, map);
    count++;
  }),
);
// Non-TypeScript assets that services read at run time (dashboards, static pages, SQL) are
// referenced from the source tree, so nothing else needs copying.
console.log(`built ${count} files into dist/ in ${Date.now() - started} ms`);

const consoleStarted = Date.now();
const nx = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'run', 'console:build', '--output-style=static'],
  {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    encoding: 'utf8',
  },
);
if (nx.status !== 0) {
  process.stderr.write(`${nx.stdout}${nx.stderr}`);
  console.error('the console build (nx run console:build) failed');
  process.exit(nx.status ?? 1);
}
const cached = /existing outputs match the cache|\[local cache\]|read the output from the cache/i.test(nx.stdout);
console.log(`built the console into dist/apps/console in ${Date.now() - consoleStarted} ms${cached ? ' (from the Nx cache)' : ''}`);
