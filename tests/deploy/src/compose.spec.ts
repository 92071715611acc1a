import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkServiceConfig } from './support/app-config';
import { ComposeFile, environmentOf, interpolate, loadCompose } from './support/compose';
import { dockerfileStages } from './support/dockerfile';
import { yaml } from './support/packages';
import { appProjects, migrateCommand, repoPath } from './support/repo';

jest.setTimeout(60_000);

const COMPOSE_DIR = repoPath('deploy');
const APPS = appProjects().map((a) => a.name);
const PEERS = { oidc: 'oidc', serving: 'serving', clearml: 'clearml', chat: 'chat' };
let compose: ComposeFile;

/** A bind mount's source on the host, resolved like Compose does (relative to the compose file). */
const bindSource = (volume: string): string | undefined => {
  const source = volume.split(':')[0]!;
  return source.startsWith('.') || source.startsWith('/') ? join(COMPOSE_DIR, source) : undefined;
};

beforeAll(() => {
  compose = loadCompose();
});

describe('deploy/compose.yaml', () => {
  it('parses, with a project name and services', () => {
    expect(compose.name).toBe('cleargate');
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, imageOrBuild: Boolean(service.image || service.build) }).toEqual({ name, imageOrBuild: true });
    }
    const extra = Object.keys(compose).filter((k) => !['name', 'services', 'volumes', 'networks'].includes(k) && !k.startsWith('x-'));
    expect(extra).toEqual([]);
  });

  it('runs NATS with JetStream from deploy/nats/nats.conf and a PostgreSQL, both with health checks', () => {
    const nats = compose.services['nats']!;
    // The folder: nats.conf includes the generated auth.conf beside it.
    expect(nats.volumes).toContain('./nats:/etc/nats:ro');
    expect(nats.command).toEqual(['-c', '/etc/nats/nats.conf']);
    const conf = readFileSync(repoPath('deploy', 'nats', 'nats.conf'), 'utf8');
    expect(conf).toMatch(/^jetstream\s*\{[^}]*store_dir:\s*\/data/m);
    expect(nats.volumes!.some((v) => v.endsWith(':/data'))).toBe(true);
    // Model inputs up to the gateway's 8 MiB body limit travel as one NATS message.
    const payload = /^max_payload:\s*(\d+)MB$/m.exec(conf);
    expect(Number(payload?.[1])).toBeGreaterThan(8);
    expect(nats.healthcheck?.test.join(' ')).toContain('/healthz?js-enabled-only=true');
    expect(compose.services['postgres']!.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('every bind-mounted file or folder exists (NATS, Prometheus, Grafana configuration)', () => {
    const mounts = Object.values(compose.services).flatMap((s) =>
      (s.volumes ?? []).map(bindSource).filter((p): p is string => p !== undefined),
    );
    expect(mounts.map((m) => m.slice(COMPOSE_DIR.length + 1)).sort()).toEqual([
      'alertmanager/alertmanager.yml',
      'alertmanager/secrets/notifier-token.demo',
      'grafana/dashboards',
      'grafana/provisioning',
      'nats',
      'prometheus/prometheus.yml',
      'prometheus/rules',
      'prometheus/secrets/sd-client-secret.demo',
    ]);
    expect(mounts.filter((m) => !existsSync(m))).toEqual([]);
  });

  it('has one service per app in apps/, built from its Dockerfile stage, with a readiness health check', () => {
    const stages = dockerfileStages().map((s) => s.name);
    for (const app of APPS) {
      const service = compose.services[app];
      expect({ app, defined: service !== undefined }).toEqual({ app, defined: true });
      expect(service!.profiles).toBeUndefined();
      expect(service!.build).toEqual({ context: '..', dockerfile: 'deploy/docker/Dockerfile', target: app });
      expect(existsSync(join(COMPOSE_DIR, service!.build!.context, service!.build!.dockerfile))).toBe(true);
      expect(stages).toContain(app);
      expect(interpolate(service!.image!)).toBe(`cleargate/${app}:dev`);
      expect(service!.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9464/health/ready');
      expect(service!.restart).toBe('unless-stopped');
      expect(service!.read_only).toBe(true);
      expect(service!.cap_drop).toEqual(['ALL']);
      const env = environmentOf(service!);
      expect({ app, NATS_URL: env['NATS_URL'], OPS_HOST: env['OPS_HOST'], OPS_PORT: env['OPS_PORT'] }).toEqual({
        app,
        NATS_URL: 'nats://nats:4222',
        OPS_HOST: '0.0.0.0',
        OPS_PORT: '9464',
      });
      expect(service!.depends_on?.['nats']).toEqual({ condition: 'service_healthy' });
      // Its own NATS user, whose password the NATS server holds too.
      expect({ app, user: env['NATS_USER'], password: service!.environment?.['NATS_PASSWORD'] }).toEqual({
        app,
        user: app,
        password: `\${NATS_PASSWORD_${app.toUpperCase().replace(/-/g, '_')}:-demo-${app}}`,
      });
      expect(interpolate(String(compose.services['nats']!.environment?.[`NATS_PASSWORD_${app.toUpperCase().replace(/-/g, '_')}`]))).toBe(
        `demo-${app}`,
      );
      expect(env['NATS_ANONYMOUS']).toBeUndefined();
    }
  });

  it('migrates the database once, with the registry image, before the registry starts', () => {
    const migrate = compose.services['migrate']!;
    const registry = compose.services['registry']!;
    expect(migrate.command).toEqual(migrateCommand());
    expect(migrate.image).toBe(registry.image);
    expect(migrate.build).toEqual(registry.build);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on?.['postgres']).toEqual({ condition: 'service_healthy' });
    expect(environmentOf(migrate)['DATABASE_URL']).toBe(environmentOf(registry)['DATABASE_URL']);
    expect(registry.depends_on?.['migrate']).toEqual({ condition: 'service_completed_successfully' });
    expect(environmentOf(registry)['DATABASE_MIGRATE']).toBe('false');
  });

  it('depends only on services that exist, waits only on health checks that exist, and has no cycle', () => {
    const inDemo = (name: string) => compose.services[name]?.profiles?.includes('demo') ?? false;
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [target, dep] of Object.entries(service.depends_on ?? {})) {
        const where = { from: name, to: target };
        expect({ ...where, exists: target in compose.services }).toEqual({ ...where, exists: true });
        expect({ ...where, condition: dep.condition }).toEqual({
          ...where,
          condition: expect.stringMatching(/^(service_healthy|service_completed_successfully|service_started)$/),
        });
        if (dep.condition === 'service_healthy') {
          expect({ ...where, healthcheck: Boolean(compose.services[target]!.healthcheck) }).toEqual({ ...where, healthcheck: true });
        }
        // Without the demo profile the peers do not exist: only optional dependencies on them.
        if (inDemo(target) && !inDemo(name)) expect({ ...where, required: dep.required }).toEqual({ ...where, required: false });
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
      visiting.add(name);
      for (const target of Object.keys(compose.services[name]?.depends_on ?? {})) visit(target, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(compose.services)) visit(name, []);
  });

  it('gives each service an environment its own configuration loader accepts, with no unknown variable', () => {
    for (const app of APPS) {
      const env = environmentOf(compose.services[app]!);
      const { known, problems } = checkServiceConfig(app, env);
      expect({ app, problems, unknown: Object.keys(env).filter((k) => !known.includes(k)) }).toEqual({ app, problems: [], unknown: [] });
    }
  });

  it('runs Prometheus with deploy/prometheus and Grafana provisioned from deploy/grafana', () => {
    const prometheus = compose.services['prometheus']!;
    expect(prometheus.volumes).toEqual(
      expect.arrayContaining([
        './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './prometheus/rules:/etc/prometheus/rules:ro',
      ]),
    );
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    // The scrape configuration reaches every service at <compose service>:9464.
    const config = readFileSync(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8');
    for (const app of APPS) expect({ app, scraped: config.includes(`${app}:9464`) }).toEqual({ app, scraped: true });
    const grafana = compose.services['grafana']!;
    expect(grafana.volumes).toEqual(
      expect.arrayContaining([
        './grafana/provisioning:/etc/grafana/provisioning:ro',
        './grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
    expect(grafana.depends_on?.['prometheus']).toEqual({ condition: 'service_healthy' });
  });

  it('runs Alertmanager routed to the notifier’s receiver with the token the notifier expects', () => {
    const alertmanager = compose.services['alertmanager']!;
    expect(alertmanager.volumes).toEqual(
      expect.arrayContaining([
        './alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro',
        './alertmanager/secrets/notifier-token.demo:/etc/alertmanager/secrets/notifier-token:ro',
      ]),
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document, read field by field
    const config: any = yaml().parse(readFileSync(repoPath('deploy', 'alertmanager', 'alertmanager.yml'), 'utf8'));
    const notifierEnv = environmentOf(compose.services['notifier']!);
    expect(config.receivers[0].webhook_configs[0]).toMatchObject({
      url: `http://notifier:${notifierEnv['NOTIFIER_WEBHOOK_PORT']}/alertmanager/webhook`,
      http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/secrets/notifier-token' } },
    });
    expect(readFileSync(repoPath('deploy', 'alertmanager', 'secrets', 'notifier-token.demo'), 'utf8').trim()).toBe(
      notifierEnv['NOTIFIER_ALERTMANAGER_TOKEN'],
    );
    expect(readFileSync(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8')).toContain("targets: ['alertmanager:9093']");
  });

  it('runs the demo peers only with the demo profile, from their entry points, listening beyond localhost', () => {
    const inDemo = Object.entries(compose.services)
      .filter(([, s]) => s.profiles !== undefined)
      .map(([name]) => name)
      .sort();
    expect(inDemo).toEqual(Object.keys(PEERS).sort());
    for (const [name, peer] of Object.entries(PEERS)) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(['demo']);
      expect(service.build?.target).toBe('demo-peers');
      const [node, entry, ...args] = service.command!;
      expect(node).toBe('node');
      expect(entry).toBe(`dist/tests/peers/src/${peer}/main.js`);
      expect(existsSync(repoPath('tests', 'peers', 'src', peer, 'main.ts'))).toBe(true);
      expect(args.join(' ')).toContain('--host 0.0.0.0');
      const port = args[args.indexOf('--port') + 1];
      expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/`);
    }
  });

  it('points the services at the demo peers by default, with the issuer the OIDC peer announces', () => {
    const oidc = compose.services['oidc']!.command!;
    const publicUrl = oidc[oidc.indexOf('--public-url') + 1];
    const port = oidc[oidc.indexOf('--port') + 1];
    expect(publicUrl).toBe(`http://oidc:${port}`);
    expect(environmentOf(compose.services['auth-gateway']!)['OIDC_ISSUER_URL']).toBe(`${publicUrl}/auth/realms/snap4city`);
    for (const app of ['enqueue-worker', 'monitor']) {
      expect(environmentOf(compose.services[app]!)['CLEARML_API_HOST']).toBe('http://clearml:8008');
    }
    const channels = JSON.parse(environmentOf(compose.services['notifier']!)['NOTIFIER_CHANNELS']!) as { url: string }[];
    expect(channels.length).toBeGreaterThan(0);
    for (const c of channels) expect(c.url).toMatch(/^http:\/\/chat:8380\//);
  });

  it('lets the services that connect to registered URLs reach exactly the compose network, which it pins', () => {
    const subnet = (compose['networks'] as { default: { ipam: { config: { subnet: string }[] } } }).default.ipam.config[0]!.subnet;
    for (const app of ['registry', 'ondemand-router', 'notifier']) {
      expect({ app, allowed: environmentOf(compose.services[app]!)['EGRESS_ALLOWED_CIDRS'] }).toEqual({ app, allowed: subnet });
    }
    for (const app of ['auth-gateway', 'enqueue-worker', 'monitor'])
      expect(environmentOf(compose.services[app]!)['EGRESS_ALLOWED_CIDRS']).toBeUndefined();
    expect(environmentOf(compose.services['auth-gateway']!)['OIDC_AUDIENCES']).toBe(
      'nodered-iotedge,nodered,cleargate-demo,cleargate-console,cleargate-prometheus',
    );
  });

  it('publishes ports on the loopback address only', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? [])
        expect({ name, port: interpolate(port) }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) });
    }
    expect(interpolate(compose.services['auth-gateway']!.ports![0]!)).toBe('127.0.0.1:8080:8080');
  });

  it('the interpolation used by these checks follows Compose', () => {
    expect(interpolate('${A:-x}/${B-y}/${C}/$$D/$E', { B: '' })).toBe('x///$D/');
    expect(interpolate('${A:-x}', { A: 'set' })).toBe('set');
  });
});
