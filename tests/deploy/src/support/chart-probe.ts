import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helm, parseManifests } from './helm';
import { CHART } from './repo';

/**
 * Renders the chart's NOTES.txt. `helm template` leaves NOTES out and `helm install --dry-run`
 * needs a cluster, so a copy of the chart gets one more template that includes NOTES.txt's text
 * as a named template and prints it.
 */
export function renderNotes(args: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'cleargate-notes-'));
  try {
    const chart = join(dir, 'cleargate');
    cpSync(CHART, chart, { recursive: true });
    const notes = readFileSync(join(chart, 'templates', 'NOTES.txt'), 'utf8');
    writeFileSync(join(chart, 'templates', '_notes_probe.tpl'), `{{- define "notes.probe" -}}\n${notes}\n{{- end }}\n`);
    writeFileSync(
      join(chart, 'templates', 'notes-probe.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\ndata:\n  notes: {{ include "notes.probe" . | quote }}\n',
    );
    const r = helm(['template', 'cleargate', chart, '--namespace', 'cleargate', '--show-only', 'templates/notes-probe.yaml', ...args]);
    if (r.status !== 0) throw new Error(`rendering NOTES.txt failed:\n${r.stderr}`);
    const [probe] = parseManifests(r.stdout);
    return (probe as unknown as { data: { notes: string } }).data.notes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
