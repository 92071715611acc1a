import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { everythingTheNodesSaid, helper, PACKAGE_DIR, packageNodes } from '@cleargate/testing/node-red';

/**
 * The package as it is published: what `npm pack` puts in the tarball, and that what it ships
 * runs on its own, outside this repository.
 */

jest.setTimeout(120_000);

interface PackageJson {
  name: string;
  license: string;
  keywords: string[];
  engines: { node: string };
  'node-red': { version: string; nodes: Record<string, string> };
}

let work: string;
let unpacked: string;
let packed: string[];

/** The npm on PATH: `npm test` runs through tools/node.sh, which puts Node 24's first. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cleargate-nodered-pack-'));
  const [result] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], PACKAGE_DIR)) as { filename: string }[];
  execFileSync('tar', ['-xzf', join(work, result!.filename), '-C', work]);
  unpacked = join(work, 'package');
  packed = filesUnder(unpacked)
    .map((f) => relative(unpacked, f))
    .sort();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack of node-red-contrib-cleargate', () => {
  it('holds the manifest, README, LICENSE, the examples and every node’s .js and .html, and nothing else', () => {
    const shipped = ['nodes', 'lib', 'examples'].flatMap((dir) => filesUnder(join(PACKAGE_DIR, dir)).map((f) => relative(PACKAGE_DIR, f)));
    expect(packed).toEqual(['LICENSE', 'README.md', 'package.json', ...shipped].sort());
    expect(packed).toEqual(
      expect.arrayContaining([
        'nodes/cleargate-config.js',
        'nodes/cleargate-config.html',
        'nodes/cleargate-ondemand.js',
        'nodes/cleargate-ondemand.html',
        'nodes/cleargate-enqueue.js',
        'nodes/cleargate-enqueue.html',
        'lib/token-source.js',
        'examples/cleargate-flows.json',
      ]),
    );
    // nothing of the repository around it: no Nx or TypeScript project files, no tests
    expect(packed.filter((f) => /project\.json|tsconfig|\.spec\.|\.ts$|node_modules|^\.\./.test(f))).toEqual([]);
  });

  it('declares itself a Node-RED 4 package whose every node has its .js and .html', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as PackageJson & Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'node-red-contrib-cleargate', license: 'AGPL-3.0-or-later', engines: { node: expect.any(String) } });
    expect(pkg.keywords).toContain('node-red');
    expect(pkg['node-red'].version).toBe('>=4.0.0');
    expect(Object.keys(pkg['node-red'].nodes).sort()).toEqual(['cleargate-config', 'cleargate-enqueue', 'cleargate-ondemand']);
    for (const file of Object.values(pkg['node-red'].nodes)) {
      expect(packed).toContain(file);
      expect(packed).toContain(file.replace(/\.js$/, '.html'));
    }
    // no runtime dependencies: the nodes use Node's own fetch, never the deprecated `request`
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.devDependencies).toBeUndefined();
    expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^\s*GNU AFFERO GENERAL PUBLIC LICENSE\s+Version 3, 19 November 2007/);
  });

  it('requires nothing but Node built-ins and its own files', () => {
    const builtins = new Set(builtinModules);
    for (const file of packed.filter((f) => f.endsWith('.js'))) {
      const source = readFileSync(join(unpacked, file), 'utf8');
      for (const [, spec] of source.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        if (spec!.startsWith('.')) {
          const target = relative(unpacked, resolve(dirname(join(unpacked, file)), spec!));
          expect({ file, spec, inside: !target.startsWith('..') && packed.includes(`${target.replace(/\.js$/, '')}.js`) }).toEqual({
            file,
            spec,
            inside: true,
          });
        } else expect({ file, spec, builtin: builtins.has(spec!.replace(/^node:/, '')) }).toEqual({ file, spec, builtin: true });
      }
    }
  });

  it('loads and registers its nodes from the unpacked tarball, outside this repository', () => {
    const script = `
      const types = [];
      const RED = { nodes: { registerType: (type) => types.push(type), createNode() {}, getNode() {} }, util: {} };
      for (const file of Object.values(require('./package.json')['node-red'].nodes)) require('./' + file)(RED);
      process.stdout.write(JSON.stringify(types));
    `;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: unpacked,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['cleargate-config', 'cleargate-ondemand', 'cleargate-enqueue']);
  });
});

describe('the example flow', () => {
  const example = () =>
    JSON.parse(readFileSync(join(PACKAGE_DIR, 'examples', 'cleargate-flows.json'), 'utf8')) as Record<string, unknown>[];

  it('is the one in the README', () => {
    const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
    const block = /## Example flow[\s\S]*?```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(JSON.parse(block ?? 'null')).toEqual(example());
  });

  it('uses one configuration node, holds no credentials and starts in Node-RED', async () => {
    const flow = example();
    const config = flow.filter((n) => n.type === 'cleargate-config');
    expect(config).toHaveLength(1);
    for (const node of flow.filter((n) => String(n.type).startsWith('cleargate-') && n.type !== 'cleargate-config')) {
      expect(node.authentication).toBe(config[0]!.id);
    }
    for (const node of flow) expect(Object.keys(node).filter((k) => /user|password|secret|credentials/i.test(k))).toEqual([]);

    const core = join(dirname(require.resolve('@node-red/nodes/package.json')), 'core');
    const coreNodes: unknown[] = ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js'].map(
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (file) => require(join(core, file)),
    );
    // The core http request node imports `got`, an ES module, which Jest's module system cannot load:
    // a plain node of its type stands in (the nodes under test here are the cleargate ones).
    coreNodes.push((RED: { nodes: { createNode(n: unknown, c: unknown): void; registerType(t: string, c: unknown): void } }) =>
      RED.nodes.registerType('http request', function (this: unknown, c: unknown) {
        RED.nodes.createNode(this, c);
      }),
    );
    await helper.startServer();
    try {
      // Importing puts the nodes on the open tab; config nodes stay global.
      const onTab = [
        { id: 'example-tab', type: 'tab', label: 'example' },
        ...flow.map((n) => (n.type === 'cleargate-config' ? n : { ...n, z: 'example-tab' })),
      ];
      await helper.load([...coreNodes, ...packageNodes()], onTab as never, {
        [String(config[0]!.id)]: { username: 'someone', password: 'their-password' },
      });
      expect(flow.filter((n) => !helper.getNode(String(n.id))).map((n) => n.type)).toEqual([]);
      expect(helper.getNode(String(config[0]!.id)).configError).toBeUndefined();
      expect(everythingTheNodesSaid()).not.toContain('their-password');
      await helper.unload();
    } finally {
      await helper.stopServer();
    }
  });
});
