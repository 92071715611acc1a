import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@cleargate/testing';
import { findBinary, PROMETHEUS_DIR, promtool, readYaml, RULES_DIR } from './support/prometheus';
import { loadDashboards } from './support/dashboards';

/**
 * The Prometheus configuration, recording and alert rules in deploy/prometheus, checked by
 * promtool (from the Debian package `prometheus`) exactly as an operator would.
 */
jest.setTimeout(120_000);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface UnitTestFile {
  rule_files: string[];
  group_eval_order?: string[];
  tests: { name: string; alert_rule_test?: AlertTest[] }[];
}

const ruleFiles = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const testFiles = readdirSync(join(PROMETHEUS_DIR, 'tests'))
  .filter((f) => f.endsWith('.yml'))
  .sort();
const rules = ruleFiles.flatMap((f) =>
  readYaml<RuleFile>(join(RULES_DIR, f)).groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name }))),
);
const alerts = rules.filter((r) => r.alert);
const unitTests = testFiles.map((f) => ({ file: f, content: readYaml<UnitTestFile>(join(PROMETHEUS_DIR, 'tests', f)) }));

const expectSuccess = (result: { status: number | null; output: string }) => {
  if (result.status !== 0) throw new Error(`promtool failed (exit ${result.status}):\n${result.output}`);
};

it('has promtool (Debian package `prometheus`)', () => {
  if (!findBinary('promtool')) {
    throw new Error(
      'promtool not found: install the Debian package `prometheus` (as root: apt-get install -y --no-install-recommends prometheus)',
    );
  }
});

describe('promtool', () => {
  it('accepts prometheus.yml and the rule files it loads', () => {
    const result = promtool(['check', 'config', 'prometheus.yml']);
    expectSuccess(result);
    expect(result.output).toMatch(new RegExp(`${ruleFiles.length} rule files found`));
  });

  it('accepts every rule file', () => {
    expectSuccess(promtool(['check', 'rules', ...ruleFiles.map((f) => join('rules', f))]));
  });

  it('passes every rule unit test', () => {
    expect(testFiles.length).toBeGreaterThan(0);
    expectSuccess(promtool(['test', 'rules', ...testFiles.map((f) => join('tests', f))]));
  });
});

describe('alert rules', () => {
  it('each have a known severity, a summary, a description and a dashboard that exists', () => {
    const uids = new Set(loadDashboards().map((d) => d.dashboard.uid));
    const problems = alerts.flatMap((a) => {
      const p: string[] = [];
      if (!['critical', 'warning'].includes(a.labels?.severity ?? '')) p.push(`${a.alert}: severity must be critical or warning`);
      if (!a.annotations?.summary || !a.annotations.description) p.push(`${a.alert}: summary and description annotations are required`);
      const uid = /^\/d\/([\w-]+)$/.exec(a.annotations?.dashboard ?? '')?.[1];
      if (!uid || !uids.has(uid)) p.push(`${a.alert}: dashboard annotation must be /d/<uid of a dashboard in deploy/grafana>`);
      return p;
    });
    expect(problems).toEqual([]);
  });

  it('each link a section of the runbook in the repository (docs/runbook.md)', () => {
    // GitHub's anchors: lower case, punctuation dropped, spaces as dashes.
    const anchors = new Set(
      readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .map((l) =>
          l
            .slice(3)
            .trim()
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, '')
            .replace(/ /g, '-'),
        ),
    );
    const problems = alerts.flatMap((a) => {
      const anchor = /^docs\/runbook\.md#([a-z0-9-]+)$/.exec(a.annotations?.runbook_url ?? '')?.[1];
      return anchor && anchors.has(anchor)
        ? []
        : [`${a.alert}: runbook_url must be docs/runbook.md#<a section of it> (got ${a.annotations?.runbook_url})`];
    });
    expect(problems).toEqual([]);
  });

  it('each have a unit test where they fire and one where they do not', () => {
    const cases = unitTests.flatMap((t) => t.content.tests.flatMap((c) => c.alert_rule_test ?? []));
    const untested = alerts.flatMap((a) => {
      const mine = cases.filter((c) => c.alertname === a.alert);
      const missing: string[] = [];
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${a.alert}: no test expects it to fire`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${a.alert}: no test expects it to stay quiet`);
      return missing;
    });
    expect(untested).toEqual([]);
  });

  it('unit tests load every rule file and evaluate recording rules before the alerts that read them', () => {
    const groups = rules.map((r) => r.group).filter((g, i, all) => all.indexOf(g) === i);
    const recordingGroups = groups.filter((g) => rules.some((r) => r.group === g && r.record));
    for (const { file, content } of unitTests) {
      expect([file, content.rule_files.map((f) => f.replace(/^\.\.\/rules\//, '')).sort()]).toEqual([file, ruleFiles]);
      const order = content.group_eval_order ?? [];
      expect([file, [...order].sort()]).toEqual([file, [...groups].sort()]);
      const lastRecording = Math.max(...recordingGroups.map((g) => order.indexOf(g)));
      const firstAlerting = Math.min(...groups.filter((g) => !recordingGroups.includes(g)).map((g) => order.indexOf(g)));
      expect([file, lastRecording < firstAlerting]).toEqual([file, true]);
    }
  });
});
