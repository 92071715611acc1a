import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { yaml } from './packages';
import { CHART, repoPath } from './repo';

/** The helm that tools/install-tools.sh builds (or $HELM). Never skipped: a missing helm fails. */
export function helmBinary(): string {
  const candidate = process.env['HELM'] || repoPath('.tools', 'bin', 'helm');
  if (!existsSync(candidate)) {
    throw new Error(
      `helm not found at ${candidate}: run \`bash tools/install-tools.sh\` (it builds the pinned helm into .tools/bin) or set HELM=/path/to/helm`,
    );
  }
  return candidate;
}

/** The helm version tools/install-tools.sh pins. */
export function pinnedHelmVersion(): string {
  const match = /^HELM_VERSION="\$\{HELM_VERSION:-(v\d+\.\d+\.\d+)\}"$/m.exec(readFileSync(repoPath('tools', 'install-tools.sh'), 'utf8'));
  if (!match) throw new Error('tools/install-tools.sh does not pin HELM_VERSION');
  return match[1]!;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const r = spawnSync(helmBinary(), args, {
    cwd: repoPath(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // No kube config, no repositories, no network: rendering must not need any of them.
    env: { PATH: process.env['PATH'] ?? '', HOME: join(tmpdir(), 'cleargate-deploy-tests-home') },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  set?: string[];
  setFile?: string[];
  setJson?: string[];
  chart?: string;
  extraArgs?: string[];
}

function templateArgs(o: RenderOptions): string[] {
  return [
    'template',
    o.release ?? 'cleargate',
    o.chart ?? CHART,
    '--namespace',
    o.namespace ?? 'cleargate',
    ...(o.valuesFiles ?? []).flatMap((f) => ['--values', f]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
    ...(o.setFile ?? []).flatMap((s) => ['--set-file', s]),
    ...(o.setJson ?? []).flatMap((s) => ['--set-json', s]),
    ...(o.extraArgs ?? []),
  ];
}

/** `helm template`; the result's error text when it fails. */
export function tryRender(o: RenderOptions = {}): { objects: K8sObject[]; error?: string } {
  const r = helm(templateArgs(o));
  if (r.status !== 0) return { objects: [], error: r.stderr || r.stdout };
  return { objects: parseManifests(r.stdout) };
}

export function render(o: RenderOptions = {}): K8sObject[] {
  const { objects, error } = tryRender(o);
  if (error !== undefined) throw new Error(`helm template failed:\n${error}`);
  return objects;
}

/** Multi-document YAML as Kubernetes reads it (YAML 1.1, as sigs.k8s.io/yaml does). */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of yaml().parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

export const objectId = (o: K8sObject): string => `${o.kind}/${o.metadata?.name}`;

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered; got ${objects.map(objectId).join(', ')}`);
  return found;
}

export const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
