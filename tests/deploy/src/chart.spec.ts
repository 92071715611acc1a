import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { checkServiceConfig } from './support/app-config';
import { renderNotes } from './support/chart-probe';
import { find, helm, helmBinary, K8sObject, objectId, ofKind, pinnedHelmVersion, render, RenderOptions, tryRender } from './support/helm';
import { KubernetesSchemas } from './support/k8s-schema';
import { yaml } from './support/packages';
import { appProjects, CHART, migrateCommand, repoPath } from './support/repo';

jest.setTimeout(120_000);

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are checked field by field */

const PRODUCTION = repoPath('k8s', 'cleargate', 'values-production.example.yaml');
const RULES_DIR = repoPath('deploy', 'prometheus', 'rules');
const RULE_FIXTURE = repoPath('tests', 'deploy', 'fixtures', 'prometheus-rules.yml');
const ruleFiles = (): string[] =>
  readdirSync(RULES_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${RULES_DIR}/${f}`);
const setRuleFiles = (files: string[]): string[] =>
  files.map((f) => `prometheusRule.ruleFiles.${basename(f).replace(/\.ya?ml$/, '')}=${f}`);

const readYaml = <T>(file: string): T => yaml().parse(readFileSync(file, 'utf8')) as T;
let chartMeta: { version: string; appVersion: string; kubeVersion: string };
const APPS = appProjects();
const COMPONENTS = APPS.map((a) => a.name);

/** The value sets every structural test runs on. */
const NATS_PASSWORD_KEYS = ['AUTH_GATEWAY', 'REGISTRY', 'ONDEMAND_ROUTER', 'ENQUEUE_WORKER', 'MONITOR', 'NOTIFIER'].map(
  (k) => `NATS_PASSWORD_${k}`,
);

const VARIANTS: Record<string, RenderOptions> = {
  defaults: {},
  production: { valuesFiles: [PRODUCTION], setFile: setRuleFiles(ruleFiles()) },
  // Everything the chart can render, with chart-managed secrets.
  everything: {
    release: 'cg',
    namespace: 'ml',
    set: [
      'oidc.issuerUrl=https://idp.example.org/auth/realms/snap4city',
      'oidc.audiences={nodered-iotedge,js-snap4city-mobile-app}',
      'egress.allowedCidrs={10.30.0.0/16}',
      'clearml.apiHost=http://clearml-apiserver:8008',
      'clearml.webHost=http://clearml-webserver:8080',
      'nats.auth=true',
      'nats.tlsCaConfigMap=nats-ca',
      'trustedCaConfigMap=corporate-ca',
      'secrets.values.DATABASE_URL=postgres://cleargate:pw@pg:5432/cleargate',
      'secrets.values.PUBLIC_ID_SECRET=0123456789abcdef0123456789abcdef01',
      'secrets.values.CLEARML_API_ACCESS_KEY=access',
      'secrets.values.CLEARML_API_SECRET_KEY=secret',
      ...NATS_PASSWORD_KEYS.map((k) => `secrets.values.${k}=nats-pw`),
      ...['authGateway', 'registry', 'ondemandRouter', 'enqueueWorker', 'notifier'].map((k) => `${k}.autoscaling.enabled=true`),
      'ingress.enabled=true',
      'serviceMonitor.enabled=true',
      'prometheusRule.enabled=true',
      'image.registry=registry.example.org',
      'registry.image.digest=sha256:' + 'a'.repeat(64),
    ],
    setFile: [`prometheusRule.ruleFiles.fixture=${RULE_FIXTURE}`],
  },
  // Everything optional off.
  minimal: {
    set: [
      'networkPolicy.enabled=false',
      'migrations.enabled=false',
      'serviceAccount.create=false',
      'notifier.enabled=false',
      'secrets.existingSecret=cleargate-secrets',
    ],
  },
};

const rendered: Record<string, K8sObject[]> = {};
let schemas: KubernetesSchemas;

/** The Deployments of ClearGate's services (Alertmanager has tests of its own). */
const deployments = (objects: K8sObject[]) =>
  (ofKind(objects, 'Deployment') as any[]).filter((d) => d.metadata.labels['app.kubernetes.io/component'] !== 'alertmanager');
const podSpecs = (objects: K8sObject[]): { owner: string; spec: any; labels: Record<string, string> }[] =>
  objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .map((o: any) => ({ owner: objectId(o), spec: o.spec.template.spec, labels: o.spec.template.metadata.labels }));
/** The pod template of a component's Deployment. */
const fullname = (release: string): string => (release.includes('cleargate') ? release : `${release}-cleargate`);
const podTemplate = (objects: K8sObject[], component: string, release = 'cleargate'): any =>
  (find(objects, 'Deployment', `${fullname(release)}-${component}`) as any).spec.template;
const mainContainer = (objects: K8sObject[], component: string, release?: string): any =>
  podTemplate(objects, component, release).spec.containers[0];
const envOf = (c: any): Record<string, any> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

beforeAll(() => {
  helmBinary(); // fails with the install hint when helm is missing
  chartMeta = readYaml(`${CHART}/Chart.yaml`);
  for (const [name, options] of Object.entries(VARIANTS)) rendered[name] = render(options);
  schemas = new KubernetesSchemas(Object.values(rendered).flat());
});

describe('tooling', () => {
  it('uses the helm version that tools/install-tools.sh pins', () => {
    const r = helm(['version', '--template', '{{.Version}}']);
    expect(r.stdout.trim()).toBe(pinnedHelmVersion());
  });
});

describe('helm lint', () => {
  it.each([
    ['default values', []],
    ['the production example', ['--values', PRODUCTION, ...setRuleFiles(ruleFiles()).flatMap((s) => ['--set-file', s])]],
  ])('passes in strict mode with %s', (_name, args) => {
    const r = helm(['lint', CHART, '--strict', ...args]);
    expect(`${r.stdout}${r.stderr}`).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.status).toBe(0);
  });
});

describe('rendered objects', () => {
  it.each(Object.keys(VARIANTS))('are valid Kubernetes objects, unknown fields rejected (%s values)', (variant) => {
    const objects = rendered[variant]!;
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.flatMap((o) => schemas.validate(o))).toEqual([]);
  });

  it('the schema check catches unknown fields, wrong types and missing required fields', () => {
    const deployment = structuredClone(find(rendered['defaults']!, 'Deployment', 'cleargate-registry')) as any;
    const c = deployment.spec.template.spec.containers[0];
    c.livenessProbe.httpGet.paht = '/health/live';
    c.ports[0].containerPort = '9464';
    delete c.name;
    deployment.spec.replica = 3;
    const problems = schemas.validate(deployment).join('\n');
    expect(problems).toContain('containers[0].livenessProbe.httpGet.paht: unknown field');
    expect(problems).toContain('spec.replica: unknown field');
    expect(problems).toMatch(/containerPort must be integer/);
    expect(problems).toMatch(/must have required property name/);
    const monitor = structuredClone(find(rendered['everything']!, 'ServiceMonitor', 'cg-cleargate')) as any;
    monitor.spec.endpoints[0].scrapeInterval = '30s';
    expect(schemas.validate(monitor)).toEqual(['ServiceMonitor/cg-cleargate.spec.endpoints[0].scrapeInterval: unknown field']);
    expect(schemas.validate({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget/w: no schema for example.org/v1 Widget',
    ]);
  });

  it.each(Object.keys(VARIANTS))('carry the recommended labels (%s values)', (variant) => {
    const release = VARIANTS[variant]!.release ?? 'cleargate';
    const expected = {
      'app.kubernetes.io/name': 'cleargate',
      'app.kubernetes.io/instance': release,
      'app.kubernetes.io/part-of': 'cleargate',
      'app.kubernetes.io/managed-by': 'Helm',
      'helm.sh/chart': `cleargate-${chartMeta.version}`,
    };
    const labelled = [
      ...rendered[variant]!.map((o) => ({ id: objectId(o), labels: o.metadata.labels ?? {} })),
      ...podSpecs(rendered[variant]!).map((p) => ({ id: `${p.owner} pod`, labels: p.labels })),
    ];
    for (const { id, labels } of labelled) {
      expect({ id, labels }).toEqual({ id, labels: expect.objectContaining(expected) });
      expect({ id, version: labels['app.kubernetes.io/version'] }).toEqual({ id, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect({ id, component: labels['app.kubernetes.io/component'] }).toEqual({ id, component: expect.stringMatching(/^[a-z-]+$/) });
    }
  });
});

describe('workloads', () => {
  it('one Deployment per service in apps/, running the image built for it', () => {
    const objects = rendered['production']!;
    expect(
      deployments(objects)
        .map((d) => d.metadata.labels['app.kubernetes.io/component'])
        .sort(),
    ).toEqual(COMPONENTS);
    for (const app of APPS) {
      const c = mainContainer(objects, app.name);
      expect(c.image).toBe(`ghcr.io/example-org/cleargate/${app.name}:0.1.0`);
      expect(c.command).toBeUndefined(); // the image's CMD is the service's `serve` command
    }
    expect(mainContainer(rendered['everything']!, 'registry', 'cg').image).toBe(
      `registry.example.org/cleargate/registry:${chartMeta.appVersion}@sha256:${'a'.repeat(64)}`,
    );
  });

  it.each(Object.keys(VARIANTS))('every pod runs non-root, read-only, without capabilities or a token (%s values)', (variant) => {
    for (const { owner, spec } of podSpecs(rendered[variant]!)) {
      const where = { owner };
      expect({ ...where, pod: spec.securityContext }).toEqual({
        ...where,
        pod: expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }),
      });
      expect({ ...where, automount: spec.automountServiceAccountToken }).toEqual({ ...where, automount: false });
      for (const c of spec.containers) {
        expect({ ...where, sc: c.securityContext }).toEqual({
          ...where,
          sc: expect.objectContaining({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          }),
        });
        expect({ ...where, requests: Object.keys(c.resources?.requests ?? {}).sort() }).toEqual({ ...where, requests: ['cpu', 'memory'] });
        expect({ ...where, memoryLimit: c.resources?.limits?.memory }).toEqual({ ...where, memoryLimit: expect.any(String) });
      }
    }
  });

  it.each(Object.keys(VARIANTS))('every service container has probes on its ops port named metrics (%s values)', (variant) => {
    for (const d of deployments(rendered[variant]!)) {
      const c = d.spec.template.spec.containers[0];
      const where = { deployment: d.metadata.name };
      expect({ ...where, ports: c.ports.filter((p: any) => p.name === 'metrics') }).toEqual({
        ...where,
        ports: [{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }],
      });
      expect({ ...where, OPS_PORT: envOf(c)['OPS_PORT'], OPS_HOST: envOf(c)['OPS_HOST'] }).toEqual({
        ...where,
        OPS_PORT: '9464',
        OPS_HOST: '0.0.0.0',
      });
      expect({ ...where, probe: c.livenessProbe.httpGet }).toEqual({ ...where, probe: { path: '/health/live', port: 'metrics' } });
      expect({ ...where, probe: c.startupProbe.httpGet }).toEqual({ ...where, probe: { path: '/health/live', port: 'metrics' } });
      expect({ ...where, probe: c.readinessProbe.httpGet }).toEqual({ ...where, probe: { path: '/health/ready', port: 'metrics' } });
    }
  });

  it('probe timings can be overridden per service, field by field', () => {
    const objects = render({ set: ['monitor.probes.readiness.periodSeconds=17'] });
    const probe = mainContainer(objects, 'monitor').readinessProbe;
    expect(probe).toEqual({
      httpGet: { path: '/health/ready', port: 'metrics' },
      periodSeconds: 17,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    expect(mainContainer(objects, 'registry').readinessProbe.periodSeconds).toBe(5);
  });

  it('the gateway keeps taking requests for preStopSleepSeconds before SIGTERM, within its grace period; no other service waits', () => {
    const objects = rendered['production']!;
    const gateway = mainContainer(objects, 'auth-gateway');
    expect(gateway.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    const pod = deployments(objects).find((d) => d.metadata.labels['app.kubernetes.io/component'] === 'auth-gateway')!.spec.template.spec;
    // The sleep counts within the grace period, which must still cover SHUTDOWN_GRACE_MS (610 s by default).
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(5 + 610);
    for (const app of APPS.filter((a) => a.name !== 'auth-gateway')) expect(mainContainer(objects, app.name).lifecycle).toBeUndefined();
    expect(mainContainer(render({ set: ['authGateway.preStopSleepSeconds=0'] }), 'auth-gateway').lifecycle).toBeUndefined();
  });

  it('autoscaled Deployments leave replicas to their HorizontalPodAutoscaler; the monitor keeps two replicas', () => {
    const objects = rendered['production']!;
    const hpas = ofKind(objects, 'HorizontalPodAutoscaler') as any[];
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['cleargate-auth-gateway', 'cleargate-ondemand-router']);
    for (const hpa of hpas) {
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: hpa.metadata.name });
      expect(find(objects, 'Deployment', hpa.metadata.name).spec!['replicas']).toBeUndefined();
    }
    expect(find(objects, 'Deployment', 'cleargate-monitor').spec!['replicas']).toBe(2);
    expect(find(objects, 'Deployment', 'cleargate-registry').spec!['replicas']).toBe(2);
    expect(tryRender({ set: ['monitor.autoscaling.enabled=true'] }).error).toMatch(/monitor.*autoscaling/s);
  });

  it('PodDisruptionBudgets only for services with more than one replica, selecting their pods', () => {
    const objects = rendered['defaults']!;
    const pdbs = ofKind(objects, 'PodDisruptionBudget') as any[];
    const multi = deployments(objects).filter((d) => d.spec.replicas > 1);
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(multi.map((d) => d.metadata.name).sort());
    expect(pdbs.map((p) => p.metadata.name)).not.toContain('cleargate-notifier');
    for (const pdb of pdbs) {
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector).toEqual(find(objects, 'Deployment', pdb.metadata.name).spec!['selector']);
    }
  });
});

describe('services and exposure', () => {
  it('the gateway Service serves the HTTP port 8080; every component has a metrics Service on 9464', () => {
    const objects = rendered['defaults']!;
    const gateway = find(objects, 'Service', 'cleargate-auth-gateway') as any;
    expect(gateway.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(mainContainer(objects, 'auth-gateway').ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    expect(envOf(mainContainer(objects, 'auth-gateway'))['HTTP_PORT']).toBe('8080');
    for (const component of COMPONENTS) {
      const svc = find(objects, 'Service', `cleargate-${component}-metrics`) as any;
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }]);
      expect(svc.spec.selector).toEqual((find(objects, 'Deployment', `cleargate-${component}`).spec as any).selector.matchLabels);
    }
  });

  it('the ServiceMonitor scrapes every metrics Service with the labels the Prometheus rules use', () => {
    const objects = rendered['everything']!;
    const monitor = find(objects, 'ServiceMonitor', 'cg-cleargate') as any;
    const selected = ofKind(objects, 'Service').filter((s) =>
      Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
    ) as any[];
    const scraped = selected.filter((s) => s.spec.ports.some((p: any) => p.name === monitor.spec.endpoints[0].port));
    expect(scraped.map((s) => s.metadata.name).sort()).toEqual(COMPONENTS.map((c) => `cg-cleargate-${c}-metrics`).sort());
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['ml'] });
    // job="cleargate" (the value of this label on the Services) and service="<component>", as in compose.
    expect(scraped.every((s) => s.metadata.labels[monitor.spec.jobLabel] === 'cleargate')).toBe(true);
    expect(monitor.spec.endpoints[0].relabelings).toContainEqual({
      action: 'replace',
      sourceLabels: ['__meta_kubernetes_service_label_app_kubernetes_io_component'],
      targetLabel: 'service',
    });
    expect(ofKind(rendered['defaults']!, 'ServiceMonitor')).toEqual([]);
  });

  it('the Ingress (off by default) routes to the gateway Service', () => {
    const ingress = find(rendered['production']!, 'Ingress', 'cleargate') as any;
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'cleargate-auth-gateway', port: { name: 'http' } } });
    expect(ofKind(rendered['defaults']!, 'Ingress')).toEqual([]);
  });
});

describe('network policies', () => {
  const policy = (objects: K8sObject[], component: string): any => find(objects, 'NetworkPolicy', `cleargate-${component}`);
  const ports = (rules: any[]): string[] => rules.flatMap((r) => (r.ports ?? [{ port: 'any' }]).map((p: any) => String(p.port)));

  it('every component (and the migration job) is selected by one policy for ingress and egress', () => {
    const objects = rendered['defaults']!;
    const policies = ofKind(objects, 'NetworkPolicy') as any[];
    expect(policies.map((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/component']).sort()).toEqual(
      [...COMPONENTS, 'migrations', 'alertmanager'].sort(),
    );
    for (const p of policies) expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(ofKind(rendered['minimal']!, 'NetworkPolicy')).toEqual([]);
  });

  it('ingress: the gateway HTTP port from anywhere, ops ports from the monitoring namespace only', () => {
    const objects = rendered['defaults']!;
    const monitoring = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
    expect(policy(objects, 'auth-gateway').spec.ingress).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }] },
      { from: monitoring, ports: [{ port: 'metrics', protocol: 'TCP' }] },
    ]);
    for (const component of COMPONENTS.filter((c) => c !== 'auth-gateway' && c !== 'notifier')) {
      expect(policy(objects, component).spec.ingress).toEqual([{ from: monitoring, ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    }
    // The notifier's Alertmanager receiver, from the Alertmanager pod only.
    const alertmanager = {
      'app.kubernetes.io/name': 'cleargate',
      'app.kubernetes.io/instance': 'cleargate',
      'app.kubernetes.io/component': 'alertmanager',
    };
    expect(policy(objects, 'notifier').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: alertmanager } }], ports: [{ port: 'webhook', protocol: 'TCP' }] },
      { from: monitoring, ports: [{ port: 'metrics', protocol: 'TCP' }] },
    ]);
    expect(policy(objects, 'migrations').spec.ingress).toEqual([]);
    expect(policy(rendered['production']!, 'auth-gateway').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
  });

  it('egress: DNS, NATS and only what each component talks to', () => {
    const objects = rendered['defaults']!;
    const egress = (component: string) => policy(objects, component).spec.egress as any[];
    for (const component of [...COMPONENTS, 'migrations']) {
      expect(egress(component)[0]).toEqual(
        expect.objectContaining({
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        }),
      );
    }
    expect(ports(egress('registry'))).toEqual(['53', '53', '4222', '5432']);
    expect(ports(egress('migrations'))).toEqual(['53', '53', '4222', '5432']);
    expect(ports(egress('auth-gateway'))).toEqual(['53', '53', '4222', '443']);
    expect(ports(egress('enqueue-worker'))).toEqual(['53', '53', '4222', '443', '8008']);
    expect(ports(egress('monitor'))).toEqual(['53', '53', '4222', '443', '8008']);
    expect(ports(egress('notifier'))).toEqual(['53', '53', '4222', '443', '587', '465']);
    // Serving machines are registered at run time: the public address space, as the router's
    // outbound address policy allows, plus egress.allowedCidrs; never everything.
    const serving = egress('ondemand-router').filter((r) => r.to?.some((t: any) => t.ipBlock));
    expect(egress('ondemand-router')).not.toContainEqual({});
    expect(serving).toHaveLength(1);
    const [v4, v6] = serving[0].to.map((t: any) => t.ipBlock);
    expect(v4.cidr).toBe('0.0.0.0/0');
    expect(v4.except).toEqual(
      expect.arrayContaining([
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
        '100.64.0.0/10',
        '127.0.0.0/8',
        '169.254.0.0/16',
        '0.0.0.0/8',
        '224.0.0.0/4',
      ]),
    );
    expect(v6.cidr).toBe('::/0');
    expect(v6.except).toEqual(expect.arrayContaining(['::1/128', '::ffff:0:0/96', 'fc00::/7', 'fe80::/10', 'ff00::/8']));
    const allowed = policy(render({ set: ['egress.allowedCidrs={10.20.0.0/16,fd00::7}'] }), 'ondemand-router').spec.egress as any[];
    expect(allowed.flatMap((r) => r.to ?? []).map((t: any) => t.ipBlock?.cidr)).toEqual(
      expect.arrayContaining(['0.0.0.0/0', '::/0', '10.20.0.0/16', 'fd00::7/128']),
    );
    const production = policy(rendered['production']!, 'ondemand-router').spec.egress;
    expect(production).not.toContainEqual({});
    expect(production).toContainEqual({
      to: [{ ipBlock: { cidr: '10.30.0.0/16' } }],
      ports: [
        { port: 8080, protocol: 'TCP' },
        { port: 8000, protocol: 'TCP' },
      ],
    });
  });
});

describe('database migrations', () => {
  it('run as a pre-install,pre-upgrade hook Job with the registry image and its migrate command', () => {
    for (const variant of ['defaults', 'production']) {
      const objects = rendered[variant]!;
      const job = find(objects, 'Job', 'cleargate-migrations') as any;
      expect(job.metadata.annotations).toEqual({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-weight': '0',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      const pod = job.spec.template.spec;
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.containers[0].command).toEqual(migrateCommand());
      expect(pod.containers[0].image).toBe(mainContainer(objects, 'registry').image);
      // The release's ServiceAccount does not exist before the first install.
      expect(pod.serviceAccountName).toBeUndefined();
      const databaseUrl = pod.containers[0].env.find((e: any) => e.name === 'DATABASE_URL');
      expect(databaseUrl.valueFrom.secretKeyRef.key).toBe('DATABASE_URL');
      if (variant === 'production') {
        expect(databaseUrl.valueFrom.secretKeyRef.name).toBe('cleargate-secrets');
        expect(ofKind(objects, 'Secret')).toEqual([]);
      } else {
        // Pre-install hooks run before the release's Secret exists: the job has its own, created first.
        const secret = find(objects, 'Secret', databaseUrl.valueFrom.secretKeyRef.name) as any;
        expect(secret.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(0);
        // The migration step connects to NATS as the registry.
        expect(Object.keys(secret.data)).toEqual(['DATABASE_URL', 'NATS_PASSWORD_REGISTRY']);
      }
    }
    expect(ofKind(rendered['minimal']!, 'Job')).toEqual([]);
  });

  it('the job carries the DATABASE_URL of the values', () => {
    const objects = rendered['everything']!;
    const secret = find(objects, 'Secret', 'cg-cleargate-migrations') as any;
    expect(Buffer.from(secret.data.DATABASE_URL, 'base64').toString()).toBe('postgres://cleargate:pw@pg:5432/cleargate');
  });
});

describe('secrets', () => {
  const secretRefs = (objects: K8sObject[], component: string, release?: string) =>
    (mainContainer(objects, component, release).env as any[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom.secretKeyRef);

  it('each service gets only the secret keys it reads', () => {
    const objects = rendered['defaults']!;
    const keys = (c: string) => secretRefs(objects, c).map((r) => r.key);
    // Each service's own NATS password (nats.auth is on by default), and nobody else's.
    expect(keys('registry')).toEqual(['DATABASE_URL', 'PUBLIC_ID_SECRET', 'NATS_PASSWORD_REGISTRY']);
    expect(keys('enqueue-worker')).toEqual(['CLEARML_API_ACCESS_KEY', 'CLEARML_API_SECRET_KEY', 'NATS_PASSWORD_ENQUEUE_WORKER']);
    expect(keys('monitor')).toEqual(['CLEARML_API_ACCESS_KEY', 'CLEARML_API_SECRET_KEY', 'NATS_PASSWORD_MONITOR']);
    expect(keys('notifier')).toEqual(['NOTIFIER_CHANNELS', 'NATS_PASSWORD_NOTIFIER', 'NOTIFIER_ALERTMANAGER_TOKEN']);
    expect(keys('auth-gateway')).toEqual(['NATS_PASSWORD_AUTH_GATEWAY']);
    expect(keys('ondemand-router')).toEqual(['NATS_PASSWORD_ONDEMAND_ROUTER']);
    for (const c of COMPONENTS) expect(secretRefs(objects, c).every((r) => r.name === 'cleargate')).toBe(true);
    // Each connects as its own NATS user, named after it (and the namespace, when there is one).
    for (const c of COMPONENTS) {
      expect(envOf(mainContainer(objects, c))['NATS_USER']).toBe(c);
      expect(envOf(mainContainer(objects, c))['NATS_ANONYMOUS']).toBeUndefined();
    }
    const namespaced = render({ set: ['nats.namespace=city-a'] });
    for (const c of COMPONENTS) expect(envOf(mainContainer(namespaced, c))['NATS_USER']).toBe(`city-a-${c}`);
    // Without nats.auth, the services are told explicitly to connect without credentials.
    const anonymous = render({ set: ['nats.auth=false'] });
    for (const c of COMPONENTS) {
      expect(envOf(mainContainer(anonymous, c))['NATS_ANONYMOUS']).toBe('true');
      expect(secretRefs(anonymous, c).map((r) => r.key)).not.toContain(`NATS_PASSWORD_${c.toUpperCase().replace(/-/g, '_')}`);
    }
  });

  it('the chart-managed Secret holds the values that are set, and nothing when existingSecret is used', () => {
    const decode = (s: any) =>
      Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()]));
    expect(decode(find(rendered['defaults']!, 'Secret', 'cleargate'))).toEqual({ NOTIFIER_CHANNELS: '[]' });
    expect(Object.keys(decode(find(rendered['everything']!, 'Secret', 'cg-cleargate'))).sort()).toEqual([
      'CLEARML_API_ACCESS_KEY',
      'CLEARML_API_SECRET_KEY',
      'DATABASE_URL',
      ...NATS_PASSWORD_KEYS.slice().sort(),
      'NOTIFIER_CHANNELS',
      'PUBLIC_ID_SECRET',
    ]);
    for (const variant of ['production', 'minimal']) {
      expect(ofKind(rendered[variant]!, 'Secret')).toEqual([]);
      const names = secretRefs(rendered[variant]!, 'registry').map((r) => r.name);
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names)).toEqual(new Set(['cleargate-secrets']));
    }
  });

  it('pods restart when a chart-managed secret value changes', () => {
    const checksum = (objects: K8sObject[]) => podTemplate(objects, 'registry').metadata.annotations['checksum/secret'];
    const before = checksum(render({ set: ['secrets.values.PUBLIC_ID_SECRET=' + 'x'.repeat(40)] }));
    const after = checksum(render({ set: ['secrets.values.PUBLIC_ID_SECRET=' + 'y'.repeat(40)] }));
    expect(before).toMatch(/^[a-f0-9]{64}$/);
    expect(after).not.toBe(before);
  });
});

describe('environment', () => {
  it('well-known values reach the services that read them', () => {
    const objects = rendered['everything']!;
    const env = (c: string) => envOf(mainContainer(objects, c, 'cg'));
    expect(env('auth-gateway')['OIDC_ISSUER_URL']).toBe('https://idp.example.org/auth/realms/snap4city');
    expect(env('enqueue-worker')['CLEARML_API_HOST']).toBe('http://clearml-apiserver:8008');
    expect(env('monitor')['CLEARML_API_HOST']).toBe('http://clearml-apiserver:8008');
    expect(env('monitor')['CLEARML_WEB_HOST']).toBe('http://clearml-webserver:8080');
    expect(env('enqueue-worker')['CLEARML_WEB_HOST']).toBeUndefined();
    expect(env('registry')['OIDC_ISSUER_URL']).toBeUndefined();
    expect(env('auth-gateway')['OIDC_AUDIENCES']).toBe('nodered-iotedge,js-snap4city-mobile-app');
    for (const c of ['registry', 'ondemand-router', 'notifier']) expect(env(c)['EGRESS_ALLOWED_CIDRS']).toBe('10.30.0.0/16');
    for (const c of ['auth-gateway', 'enqueue-worker', 'monitor']) expect(env(c)['EGRESS_ALLOWED_CIDRS']).toBeUndefined();
    for (const c of COMPONENTS) expect(env(c)['NATS_URL']).toBe('nats://nats:4222');
  });

  it('env maps take text, numbers, booleans, lists and maps; a service value wins over a shared one; null removes', () => {
    const objects = render({
      setJson: [
        'env={"SHARED_NUMBER":8388608,"NATS_REQUEST_TIMEOUT_MS":null}',
        'monitor.env={"MONITOR_ALERT_RULES":[{"name":"failed","statuses":["failed"]}],"MONITOR_RUNAWAY_STOP":true,"SHARED_NUMBER":"15000","RATIO":0.25}',
      ],
    });
    const monitor = envOf(mainContainer(objects, 'monitor'));
    expect(monitor['MONITOR_ALERT_RULES']).toBe('[{"name":"failed","statuses":["failed"]}]');
    expect(monitor['MONITOR_RUNAWAY_STOP']).toBe('true');
    expect(monitor['SHARED_NUMBER']).toBe('15000');
    expect(monitor['RATIO']).toBe('0.25');
    expect(monitor['NATS_REQUEST_TIMEOUT_MS']).toBeUndefined();
    expect(envOf(mainContainer(objects, 'registry'))['SHARED_NUMBER']).toBe('8388608');
  });

  it('extraEnv adds EnvVar objects; a variable set twice stops the rendering', () => {
    const objects = render({
      setJson: ['ondemandRouter.extraEnv=[{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]'],
    });
    expect(envOf(mainContainer(objects, 'ondemand-router'))['POD_NAME']).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(tryRender({ setJson: ['registry.extraEnv=[{"name":"NATS_URL","value":"nats://other:4222"}]'] }).error).toMatch(
      /registry: NATS_URL is set twice \(extraEnv and env\)/,
    );
    expect(tryRender({ setJson: ['notifier.env={"NOTIFIER_CHANNELS":"[]"}'] }).error).toMatch(
      /notifier: NOTIFIER_CHANNELS is set twice \(env and secretEnv\)/,
    );
  });

  it('CA ConfigMaps reach every pod (each service and the migration job): mounted read-only and named in the environment', () => {
    const ours = (variant: string) =>
      podSpecs(rendered[variant]!).filter(({ labels }) => labels['app.kubernetes.io/component'] !== 'alertmanager');
    const withCas = ours('everything');
    expect(withCas.map(({ owner }) => owner)).toEqual(expect.arrayContaining([expect.stringMatching(/^Job\//)]));
    expect(withCas).toHaveLength(COMPONENTS.length + 1);
    for (const { owner, spec } of withCas) {
      const where = { owner };
      const container = spec.containers[0];
      expect({ ...where, volumes: spec.volumes.filter((v: any) => v.configMap) }).toEqual({
        ...where,
        volumes: [
          { name: 'nats-ca', configMap: { name: 'nats-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { name: 'trusted-ca', configMap: { name: 'corporate-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
      });
      expect({ ...where, mounts: container.volumeMounts.filter((m: any) => m.name.endsWith('-ca')) }).toEqual({
        ...where,
        mounts: [
          { name: 'nats-ca', mountPath: '/etc/cleargate/nats-ca', readOnly: true },
          { name: 'trusted-ca', mountPath: '/etc/cleargate/trusted-ca', readOnly: true },
        ],
      });
      const env = envOf(container);
      expect({ ...where, nats: env['NATS_TLS_CA_FILE'], node: env['NODE_EXTRA_CA_CERTS'] }).toEqual({
        ...where,
        nats: '/etc/cleargate/nats-ca/ca.crt',
        node: '/etc/cleargate/trusted-ca/ca.crt',
      });
    }
    for (const { owner, spec } of ours('defaults')) {
      expect({ owner, volumes: spec.volumes.map((v: any) => v.name) }).toEqual({ owner, volumes: ['tmp'] });
      expect({ owner, env: Object.keys(envOf(spec.containers[0])).filter((n) => /CA_(FILE|CERTS)$/.test(n)) }).toEqual({ owner, env: [] });
    }
  });

  it.each(['defaults', 'production', 'everything'])('sets only variables the services read (%s values)', (variant) => {
    for (const d of deployments(rendered[variant]!)) {
      const component = d.metadata.labels['app.kubernetes.io/component'];
      // and Node's own: NODE_EXTRA_CA_CERTS (trustedCaConfigMap)
      const known = [...checkServiceConfig(component, {}).known, 'NODE_EXTRA_CA_CERTS'];
      const names = (d.spec.template.spec.containers[0].env as any[]).map((e) => e.name);
      expect({ component, unknown: names.filter((n) => !known.includes(n)) }).toEqual({ component, unknown: [] });
    }
  });

  it('the production example gives every service a configuration its own loader accepts', () => {
    // Secret values come from outside the chart; stand-ins of the right shape.
    const secrets: Record<string, string> = {
      DATABASE_URL: 'postgres://cleargate:pw@postgres:5432/cleargate',
      PUBLIC_ID_SECRET: 'p'.repeat(48),
      CLEARML_API_ACCESS_KEY: 'access',
      CLEARML_API_SECRET_KEY: 'secret',
      NOTIFIER_CHANNELS: '[]',
      ...Object.fromEntries(NATS_PASSWORD_KEYS.map((k) => [k, 'pw'])),
      NOTIFIER_ALERTMANAGER_TOKEN: 'a'.repeat(32),
    };
    for (const d of deployments(rendered['production']!)) {
      const component = d.metadata.labels['app.kubernetes.io/component'];
      const env: Record<string, string> = {};
      for (const e of d.spec.template.spec.containers[0].env as any[]) {
        env[e.name] = e.value ?? secrets[e.valueFrom.secretKeyRef.key] ?? `missing stand-in for ${e.valueFrom.secretKeyRef.key}`;
      }
      expect({ component, problems: checkServiceConfig(component, env).problems }).toEqual({ component, problems: [] });
    }
  });
});

describe('alertmanager', () => {
  it('routes every alert to the notifier’s receiver with the shared secret from the Secret, and Prometheus reaches it on 9093', () => {
    const objects = rendered['everything']!;
    const config: any = yaml().parse((find(objects, 'ConfigMap', 'cg-cleargate-alertmanager') as any).data['alertmanager.yml']);
    expect(config.route).toMatchObject({ receiver: 'cleargate-notifier', group_by: expect.arrayContaining(['alertname']) });
    expect(config.receivers).toEqual([
      {
        name: 'cleargate-notifier',
        webhook_configs: [
          {
            url: 'http://cg-cleargate-notifier-webhook:9095/alertmanager/webhook',
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/secrets/notifier-token' } },
          },
        ],
      },
    ]);
    const pod = (find(objects, 'Deployment', 'cg-cleargate-alertmanager') as any).spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'token').secret).toEqual({
      secretName: 'cg-cleargate',
      items: [{ key: 'NOTIFIER_ALERTMANAGER_TOKEN', path: 'notifier-token' }],
    });
    const webhook = find(objects, 'Service', 'cg-cleargate-notifier-webhook') as any;
    expect(webhook.spec.ports).toEqual([{ name: 'webhook', port: 9095, targetPort: 'webhook', protocol: 'TCP' }]);
    const notifier = mainContainer(objects, 'notifier', 'cg');
    expect(notifier.ports).toContainEqual({ name: 'webhook', containerPort: 9095, protocol: 'TCP' });
    expect(envOf(notifier)['NOTIFIER_WEBHOOK_PORT']).toBe('9095');
    expect((find(objects, 'Service', 'cg-cleargate-alertmanager') as any).spec.ports[0].port).toBe(9093);
  });

  it('is left out with alertmanager.enabled=false, and the notifier then has no receiver', () => {
    const objects = render({ set: ['alertmanager.enabled=false'] });
    expect(objects.filter((o: any) => o.metadata.name.includes('alertmanager') || o.metadata.name.endsWith('notifier-webhook'))).toEqual(
      [],
    );
    expect(envOf(mainContainer(objects, 'notifier'))['NOTIFIER_ALERTMANAGER_TOKEN']).toBeUndefined();
  });
});

describe('values.schema.json', () => {
  it.each([
    ['an unknown key', ['authGateway.replicas=3'], /additional properties 'replicas' not allowed/],
    ['a typo at the top level', ['serviceMonitors.enabled=true'], /additional properties 'serviceMonitors' not allowed/],
    ['a NATS URL of another scheme', ['nats.url=http://nats:4222'], /\/nats\/url/],
    ['a short public-id secret', ['secrets.values.PUBLIC_ID_SECRET=short'], /PUBLIC_ID_SECRET/],
    ['a lowercase variable name', ['registry.env.log_level=debug'], /log_level/],
    ['a bad service type', ['authGateway.service.type=External'], /\/authGateway\/service\/type/],
  ])('rejects %s', (_what, set, message) => {
    const { error } = tryRender({ set });
    expect(error).toMatch(/values don't meet the specifications of the schema/);
    expect(error).toMatch(message);
  });
});

describe('Prometheus rules', () => {
  const groupsOf = (file: string): unknown[] => readYaml<{ groups: unknown[] }>(file).groups;

  it('the PrometheusRule embeds every file of deploy/prometheus/rules unchanged', () => {
    const files = ruleFiles();
    expect(files.length).toBeGreaterThan(0);
    const rule = find(rendered['production']!, 'PrometheusRule', 'cleargate') as any;
    const fromFiles = files.flatMap(groupsOf);
    expect(rule.spec.groups.slice(0, fromFiles.length)).toEqual(fromFiles);
    // Plus the example's own group.
    expect(rule.spec.groups.map((g: any) => g.name)).toContain('cleargate-deployment');
  });

  it('embeds any rule file given with --set-file', () => {
    const rule = find(rendered['everything']!, 'PrometheusRule', 'cg-cleargate') as any;
    expect(rule.spec.groups).toEqual(groupsOf(RULE_FIXTURE));
  });

  it('refuses to render an empty rule set or a file that is not a rule file', () => {
    expect(tryRender({ set: ['prometheusRule.enabled=true'] }).error).toMatch(/prometheusRule.enabled needs rules/);
    expect(tryRender({ set: ['prometheusRule.enabled=true', 'prometheusRule.ruleFiles.bad=just text'] }).error).toMatch(
      /prometheusRule.ruleFiles.bad is not a Prometheus rule file/,
    );
  });
});

describe('NOTES.txt', () => {
  it('lists the settings still missing with default values, and how to reach the API', () => {
    const notes = renderNotes();
    expect(notes).toContain('ACTION REQUIRED');
    for (const missing of [
      'secrets.values.DATABASE_URL (registry)',
      'secrets.values.PUBLIC_ID_SECRET (registry)',
      'secrets.values.CLEARML_API_ACCESS_KEY (enqueue-worker)',
      'oidc.issuerUrl (auth-gateway)',
      'oidc.audiences (auth-gateway)',
      'clearml.apiHost (monitor)',
      'secrets.values.DATABASE_URL (migrations)',
      'secrets.values.NATS_PASSWORD_REGISTRY (nats.auth)',
      'secrets.values.NATS_PASSWORD_AUTH_GATEWAY (nats.auth)',
    ]) {
      expect(notes).toContain(`  - ${missing}`);
    }
    expect(notes).toContain('kubectl port-forward -n cleargate service/cleargate-auth-gateway 8080:8080');
    expect(notes).toContain('job/cleargate-migrations');
  });

  it('has nothing to ask for with the production example', () => {
    const notes = renderNotes(['--values', PRODUCTION, ...setRuleFiles(ruleFiles()).flatMap((s) => ['--set-file', s])]);
    expect(notes).not.toContain('ACTION REQUIRED');
    expect(notes).toContain('https://cleargate.example.org/docs');
  });
});

describe('Kubernetes versions', () => {
  const oldestAccepted = () => /^>=(\d+\.\d+\.\d+)/.exec(chartMeta.kubeVersion)![1]!;
  const minor = (version: string) => Number(version.split('.')[1]);

  it('uses only stable API versions that the oldest accepted Kubernetes serves', () => {
    // The release that first served each group version as GA; none of them is deprecated. The
    // schema packages still know removed versions (autoscaling/v2beta2...), so this list decides.
    const servedSince: Record<string, string> = {
      v1: '1.0.0',
      'apps/v1': '1.9.0',
      'batch/v1': '1.2.0',
      'policy/v1': '1.21.0',
      'autoscaling/v2': '1.23.0',
      'networking.k8s.io/v1': '1.19.0',
      'monitoring.coreos.com/v1': '1.0.0', // a CRD: present when the Prometheus Operator is
    };
    const oldest = oldestAccepted();
    const used = [...new Set(Object.values(rendered).flatMap((objects) => objects.map((o) => o.apiVersion)))];
    expect(used.filter((v) => !(v in servedSince))).toEqual([]);
    for (const version of used)
      expect({ version, servedFrom: minor(servedSince[version]!) <= minor(oldest) }).toEqual({ version, servedFrom: true });
  });

  it('renders for the oldest version Chart.yaml accepts and refuses older ones', () => {
    const oldest = oldestAccepted();
    expect(tryRender({ extraArgs: ['--kube-version', oldest] }).error).toBeUndefined();
    const older = oldest.replace(/^(\d+)\.(\d+)\..*$/, (_all, major: string, m: string) => `${major}.${Number(m) - 1}.0`);
    expect(tryRender({ extraArgs: ['--kube-version', older] }).error).toMatch(/incompatible with Kubernetes/);
  });
});
