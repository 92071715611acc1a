import { existsSync } from 'node:fs';
import { SERVICE_RUNTIME_ENV } from '@cleargate/testing';
import { DOCKERFILE, dockerfileStages, dockerignoreSends, execForm, globalArgs, Instruction, Stage } from './support/dockerfile';
import { appProjects, migrateCommand, readRepoFile, repoPath } from './support/repo';

const APPS = appProjects();
const stages = dockerfileStages();
const stage = (name: string): Stage => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name} in ${DOCKERFILE.join('/')}; stages: ${stages.map((s) => s.name).join(', ')}`);
  return found;
};
const all = (s: Stage, keyword: string): Instruction[] => s.instructions.filter((i) => i.keyword === keyword);
/** A stage and the stages it is built FROM, nearest first. */
const lineage = (s: Stage): Stage[] => {
  const parent = stages.find((p) => p.name === s.from);
  return parent ? [s, ...lineage(parent)] : [s];
};
const inherited = (s: Stage, keyword: string): Instruction[] => lineage(s).flatMap((x) => all(x, keyword));
const ignoreFile = readRepoFile('deploy', 'docker', 'Dockerfile.dockerignore');

describe('deploy/docker/Dockerfile', () => {
  it("builds on the Node major that package.json's engines and @types/node name", () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    const major = /^>=(\d+)$/.exec(pkg.engines.node)?.[1];
    expect(major).toBe('24');
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(globalArgs()['NODE_IMAGE']).toMatch(new RegExp(`^node:${major}(-[a-z]+)*(-slim|-alpine[\\d.]*)?$`));
    for (const s of stages)
      expect({ stage: s.name, from: s.from }).toEqual({ stage: s.name, from: expect.stringMatching(/^(\$\{NODE_IMAGE\}|[a-z-]+)$/) });
  });

  it('installs every dependency and builds in one stage, production dependencies only in another', () => {
    const build = stage('build');
    const runs = all(build, 'RUN').map((r) => r.args);
    expect(runs.findIndex((r) => /^npm ci\b/.test(r))).toBeLessThan(runs.findIndex((r) => r === 'node tools/build.mjs'));
    expect(runs.find((r) => r.startsWith('npm ci'))).not.toContain('--omit=dev');
    expect(
      all(stage('prod-deps'), 'RUN')
        .map((r) => r.args)
        .join(' '),
    ).toMatch(/npm ci --omit=dev/);
    const runtimeCopies = all(stage('runtime'), 'COPY').map((c) => c.args);
    expect(runtimeCopies).toContain('--from=prod-deps /app/node_modules ./node_modules');
    expect(runtimeCopies.filter((c) => c.includes('node_modules') && !c.includes('--from=prod-deps'))).toEqual([]);
    expect(runtimeCopies).toContain('--from=build /app/dist/libs ./dist/libs');
  });

  it('runs services as a non-root user, in production mode, with a health check on /health/live', () => {
    const runtime = stage('runtime');
    const user = all(runtime, 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/); // numeric, so runAsNonRoot can verify it
    expect(
      all(runtime, 'ENV')
        .map((e) => e.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
    const healthcheck = all(runtime, 'HEALTHCHECK')
      .map((h) => h.args)
      .join(' ');
    expect(healthcheck).toMatch(/CMD \[.*\/health\/live/);
    expect(healthcheck).toContain('process.env.OPS_PORT||9464');
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toContain('9464');
  });

  it('sets the memory settings the tests and benchmarks run the services with', () => {
    const env = all(stage('runtime'), 'ENV')
      .map((e) => e.args)
      .join(' ');
    for (const [key, value] of Object.entries(SERVICE_RUNTIME_ENV)) expect(env).toContain(`${key}=${value}`);
  });

  it.each(APPS.map((a) => [a.name, a.serve]))('has a stage for %s that runs its entry point', (name, serve) => {
    const s = stage(name);
    expect(s.from).toBe('runtime');
    const cmd = execForm(inherited(s, 'CMD')[0]!.args);
    expect(cmd).toEqual(serve.split(/\s+/));
    expect(cmd).toEqual(['node', `dist/apps/${name}/src/main.js`]);
    expect(all(s, 'COPY').map((c) => c.args)).toContain(`--from=build /app/dist/apps/${name} ./dist/apps/${name}`);
    expect(existsSync(repoPath('apps', name, 'src', 'main.ts'))).toBe(true);
    // Built by tools/build.mjs (npm test builds first).
    expect(existsSync(repoPath('dist', 'apps', name, 'src', 'main.js'))).toBe(true);
    const exposed = inherited(s, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    expect(exposed).toContain('9464');
    if (name === 'auth-gateway') expect(exposed).toContain('8080');
    else expect(exposed).not.toContain('8080');
  });

  it('has no stage nobody builds', () => {
    const copiedFrom = stages.flatMap((s) => all(s, 'COPY').map((c) => /^--from=(\S+)/.exec(c.args)?.[1]));
    const used = new Set([...stages.map((s) => s.from), ...copiedFrom]);
    const targets = new Set([...APPS.map((a) => a.name), 'demo-peers']);
    expect(stages.filter((s) => !used.has(s.name) && !targets.has(s.name)).map((s) => s.name)).toEqual([]);
  });

  it('the registry image holds the migration script the chart and compose run', () => {
    const [node, script] = migrateCommand();
    expect(node).toBe('node');
    expect(script).toMatch(/^dist\/apps\/registry\//);
    expect(existsSync(repoPath('apps', 'registry', 'src', 'database', 'migrate.ts'))).toBe(true);
  });

  it('uses the exec form for every CMD and HEALTHCHECK', () => {
    for (const s of stages) {
      for (const cmd of all(s, 'CMD'))
        expect({ stage: s.name, cmd: execForm(cmd.args) }).toEqual({ stage: s.name, cmd: expect.any(Array) });
      for (const h of all(s, 'HEALTHCHECK')) expect(execForm(h.args.replace(/^(--\S+\s+)*CMD\s+/, ''))).toEqual(expect.any(Array));
    }
  });

  it('the demo peers image runs the peers as a non-root user', () => {
    const peers = stage('demo-peers');
    expect(peers.from).toBe('build');
    expect(all(peers, 'USER').at(-1)?.args).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(execForm(all(peers, 'CMD')[0]!.args)?.[1]).toMatch(/^dist\/tests\/peers\/src\/\w+\/main\.js$/);
  });
});

describe('deploy/docker/Dockerfile.dockerignore', () => {
  it('sends everything the build stage copies', () => {
    const sources = all(stage('build'), 'COPY')
      .filter((c) => !c.args.startsWith('--from'))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect({ source, sent: dockerignoreSends(ignoreFile, source) }).toEqual({ source, sent: true });
    for (const file of [
      'apps/registry/src/main.ts',
      'libs/config/src/common.ts',
      'tests/peers/src/oidc/main.ts',
      'apps/registry/src/database/migrate.ts',
    ]) {
      expect({ file, sent: dockerignoreSends(ignoreFile, file) }).toEqual({ file, sent: true });
    }
  });

  it('keeps out dependencies, build output, tests, local data and secrets', () => {
    for (const file of [
      'node_modules/jest/package.json',
      'dist/apps/registry/src/main.js',
      '.git/HEAD',
      '.env',
      '.data/pg/PG_VERSION',
      '.tools/bin/helm',
      'apps/registry/src/registry.integration-spec.ts',
      'libs/config/src/load-config.spec.ts',
      'tests/system/src/ondemand.spec.ts',
      'k8s/cleargate/values.yaml',
    ]) {
      expect({ file, sent: dockerignoreSends(ignoreFile, file) }).toEqual({ file, sent: false });
    }
  });
});
