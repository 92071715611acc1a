import { join } from 'node:path';
import { readYaml } from './support/prometheus';
import { dataPanels, GRAFANA_DIR, loadDashboards, parseLabelValues, substitute, variableQuery, variables } from './support/dashboards';

/**
 * The Grafana dashboards and provisioning as files: what Grafana needs to load them and what keeps
 * them usable (stable uids, one datasource variable, units, a layout without overlaps). Whether
 * every query returns data is checked against a live stack in live-stack.spec.ts.
 */
const dashboards = loadDashboards();

interface DatasourceProvisioning {
  datasources: { name: string; uid: string; type: string }[];
}
interface DashboardProvisioning {
  providers: { name: string; type: string; options: { path: string } }[];
}

it('provisions the Prometheus datasource the dashboards default to, and the dashboards folder', () => {
  const ds = readYaml<DatasourceProvisioning>(join(GRAFANA_DIR, 'provisioning', 'datasources', 'prometheus.yml'));
  expect(ds.datasources).toEqual([expect.objectContaining({ name: 'Prometheus', uid: 'prometheus', type: 'prometheus' })]);
  const providers = readYaml<DashboardProvisioning>(join(GRAFANA_DIR, 'provisioning', 'dashboards', 'cleargate.yml'));
  expect(providers.providers).toEqual([
    expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: expect.any(String) }) }),
  ]);
  for (const { file, dashboard } of dashboards) {
    const v = variables(dashboard).find((x) => x.type === 'datasource');
    expect([file, v]).toEqual([
      file,
      expect.objectContaining({ name: 'datasource', query: 'prometheus', current: expect.objectContaining({ value: 'prometheus' }) }),
    ]);
  }
});

it('has the six dashboards with stable, unique uids and titles', () => {
  expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual([
    'cleargate-clearml',
    'cleargate-enqueue',
    'cleargate-ondemand',
    'cleargate-overview',
    'cleargate-serving',
    'cleargate-usage',
  ]);
  expect(new Set(dashboards.map((d) => d.dashboard.title)).size).toBe(dashboards.length);
});

describe.each(dashboards.map((d) => [d.file, d.dashboard] as const))('%s', (_file, dashboard) => {
  const panels = dataPanels(dashboard);

  it('queries Prometheus through the datasource variable in every panel and target, with a unit', () => {
    const problems = panels.flatMap((p) => {
      const out: string[] = [];
      const where = `panel ${p.id} "${p.title}"`;
      if (p.datasource?.uid !== '${datasource}') out.push(`${where}: datasource must be \${datasource}`);
      if (!p.targets?.length) out.push(`${where}: no query`);
      for (const t of p.targets ?? []) {
        if (!t.expr?.trim()) out.push(`${where} ${t.refId}: empty expr`);
        if (t.datasource?.uid !== '${datasource}') out.push(`${where} ${t.refId}: datasource must be \${datasource}`);
      }
      if (new Set((p.targets ?? []).map((t) => t.refId)).size !== (p.targets ?? []).length) out.push(`${where}: duplicate refId`);
      if (!p.fieldConfig?.defaults?.unit) out.push(`${where}: no unit`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('uses only variables it defines, and its variable queries are label_values() queries', () => {
    const defined = Object.fromEntries(variables(dashboard).map((v) => [v.name, 'x']));
    const problems: string[] = [];
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        try {
          substitute(t.expr ?? '', defined);
        } catch (err) {
          problems.push(`panel "${p.title}": ${(err as Error).message}`);
        }
      }
    }
    for (const v of variables(dashboard).filter((x) => x.type === 'query')) {
      if (!parseLabelValues(variableQuery(v))) problems.push(`variable ${v.name}: not label_values(...)`);
      if (v.multi && v.includeAll && v.allValue !== '.*') problems.push(`variable ${v.name}: allValue should be .* (used with =~)`);
    }
    expect(problems).toEqual([]);
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    const all = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    const cells = new Map<string, string>();
    const problems: string[] = [];
    for (const p of all) {
      const { x, y, w, h } = p.gridPos;
      if (x < 0 || w < 1 || x + w > 24 || h < 1) problems.push(`panel "${p.title}": outside the grid`);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          const other = cells.get(`${i},${j}`);
          if (other) problems.push(`panel "${p.title}" overlaps "${other}"`);
          cells.set(`${i},${j}`, p.title);
        }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
