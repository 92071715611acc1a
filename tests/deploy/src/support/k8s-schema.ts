import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './helm';
import { load, packageRoot } from './packages';

/**
 * Validation of rendered objects against the Kubernetes API schemas, offline.
 *
 * kubernetes-models (and @kubernetes-models/prometheus-operator for monitoring.coreos.com)
 * ship, per kind, a validator compiled from the Kubernetes OpenAPI document (or the operator's
 * CRDs): required fields, types, enums, formats. Those validators accept unknown fields, as the
 * API server does by default; `kubectl apply --validate=strict` does not. So unknown fields are
 * checked separately against the same package's type declarations (generated from the same
 * schemas), which list every field of every object.
 */

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The model's module file for one apiVersion/kind (each package has one per kind), or undefined. */
export function modelFile(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const root = group === 'monitoring.coreos.com' ? packageRoot('@kubernetes-models/prometheus-operator') : packageRoot('kubernetes-models');
  const file = join(root, group, version!, `${kind}.js`);
  return existsSync(file) ? file : undefined;
}

export class KubernetesSchemas {
  private readonly checker: ts.TypeChecker;
  private readonly types = new Map<string, ts.Type>();

  /** `kinds`: every apiVersion/kind that will be validated (one TypeScript program for all). */
  constructor(kinds: { apiVersion: string; kind: string }[]) {
    packageRoot('kubernetes-models');
    packageRoot('@kubernetes-models/prometheus-operator');
    const unique = [...new Map(kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k])).values()];
    const lines: string[] = [];
    const known: { id: string; alias: string }[] = [];
    unique.forEach(({ apiVersion, kind }, i) => {
      const js = modelFile(apiVersion, kind);
      if (!js) return; // reported by validate(): no schema for this kind
      lines.push(`import type { I${kind} as T${i} } from ${JSON.stringify(js.replace(/\.js$/, ''))};`, `export type K${i} = T${i};`);
      known.push({ id: `${apiVersion}/${kind}`, alias: `K${i}` });
    });
    const file = join(__dirname, '__rendered_kinds__.ts');
    const text = lines.join('\n');
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      types: [],
      skipLibCheck: true,
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, lang, ...rest) =>
      name === file ? ts.createSourceFile(name, text, lang) : getSourceFile.call(host, name, lang, ...rest);
    host.fileExists = (name) => name === file || fileExists.call(host, name);
    host.readFile = (name) => (name === file ? text : readFile.call(host, name));
    const program = ts.createProgram([file], options, host);
    const source = program.getSourceFile(file)!;
    const problems = program.getSemanticDiagnostics(source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    if (problems.length > 0) throw new Error(`cannot read the kubernetes-models type declarations: ${problems.join('; ')}`);
    this.checker = program.getTypeChecker();
    const aliases = new Map(known.map((k) => [k.alias, k.id]));
    for (const statement of source.statements) {
      if (ts.isTypeAliasDeclaration(statement))
        this.types.set(aliases.get(statement.name.text)!, this.checker.getTypeAtLocation(statement.name));
    }
  }

  /** Every problem of one object: schema violations first, then unknown fields. Empty when valid. */
  validate(obj: K8sObject): string[] {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    const file = modelFile(obj.apiVersion, obj.kind);
    // An ES module (each package is ES modules only), loaded through require(esm).
    const Model = file ? (load(file) as Record<string, ModelClass>)[obj.kind] : undefined;
    const type = this.types.get(`${obj.apiVersion}/${obj.kind}`);
    if (!Model || !type) return [`${id}: no schema for ${obj.apiVersion} ${obj.kind}`];
    const problems: string[] = [];
    try {
      new Model(obj).validate();
    } catch (err) {
      problems.push(
        ...String((err as Error).message)
          .split(', ')
          .map((m) => `${id}: ${m.replace(/^data/, '')}`),
      );
    }
    this.unknownFields(obj, type, id, problems);
    return problems;
  }

  private objectTypes(type: ts.Type): ts.Type[] {
    const t = this.checker.getNonNullableType(type);
    return (t.isUnion() ? t.types : [t]).filter((p) => (p.flags & ts.TypeFlags.Object) !== 0);
  }

  private unknownFields(value: unknown, type: ts.Type, at: string, out: string[]): void {
    if (value === null || typeof value !== 'object') return;
    const candidates = this.objectTypes(type);
    if (candidates.length === 0) return; // `any`, a primitive: nothing to check below
    if (Array.isArray(value)) {
      const array = candidates.find((c) => this.checker.isArrayType(c));
      if (!array) {
        out.push(`${at}: a list where an object is expected`);
        return;
      }
      const element = this.checker.getTypeArguments(array as ts.TypeReference)[0]!;
      value.forEach((item, i) => this.unknownFields(item, element, `${at}[${i}]`, out));
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      let next: ts.Type | undefined;
      for (const candidate of candidates) {
        const property = candidate.getProperty(key);
        if (property) {
          next = this.checker.getTypeOfSymbol(property);
          break;
        }
        const index = this.checker.getIndexInfoOfType(candidate, ts.IndexKind.String);
        if (index) {
          next = index.type;
          break;
        }
      }
      if (next === undefined) out.push(`${at}.${key}: unknown field`);
      else this.unknownFields(item, next, `${at}.${key}`, out);
    }
  }
}
