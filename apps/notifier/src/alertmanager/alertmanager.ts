import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Alert } from '@cleargate/contracts';

/**
 * The body Alertmanager posts to a webhook receiver (version 4, unchanged since Alertmanager
 * 0.9): one notification per alert group, with every alert of the group, firing or resolved.
 */
const labelSet = z.record(z.string(), z.string());
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().max(10_000),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1000),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet,
  externalURL: z.string().max(2000),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: labelSet,
        annotations: labelSet,
        startsAt: z.string(),
        endsAt: z.string(),
        generatorURL: z.string().max(4000).optional().default(''),
        fingerprint: z.string().max(64),
      }),
    )
    .min(1)
    .max(1000),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

const SEVERITIES = ['info', 'warning', 'critical'] as const;
const DETAILS_MAX = 4000;
/** Labels of a group that may steer routing; everything else stays in the message. */
const ROUTING_LABELS_MAX = 20;

const isHttp = (url: string | undefined): url is string => !!url && /^https?:\/\//i.test(url);
const validDate = (text: string): string | null => {
  const t = Date.parse(text);
  // Alertmanager sends "0001-01-01T00:00:00Z" for an alert that has not ended.
  return Number.isNaN(t) || t <= 0 ? null : new Date(t).toISOString();
};

/**
 * One Alertmanager notification as one ClearGate alert, delivered by the same routing, channels
 * and formats as task alerts. Its id is derived from the group and the state of each of its
 * alerts (fingerprint, status, start): Alertmanager repeating the same notification (its
 * repeat_interval, a retry after a lost answer, a second Alertmanager of a cluster) yields the
 * same id and is delivered once; an alert joining, leaving or resolving makes a new message.
 */
export function alertFromAlertmanager(payload: AlertmanagerPayload, options: { runbookBaseUrl?: string } = {}): Alert {
  const alerts = [...payload.alerts].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  const state = alerts.map((a) => `${a.fingerprint}:${a.status}:${validDate(a.startsAt) ?? a.startsAt}`).join(',');
  const id = createHash('sha256').update(`${payload.groupKey}\n${payload.status}\n${state}`).digest('hex').slice(0, 40);
  const firing = alerts.filter((a) => a.status === 'firing');
  const name = payload.groupLabels.alertname ?? payload.commonLabels.alertname ?? alerts[0]!.labels.alertname ?? 'alert';
  const rank = (s: string | undefined) => SEVERITIES.indexOf((s ?? '') as (typeof SEVERITIES)[number]);
  const worst = Math.max(...(firing.length ? firing : alerts).map((a) => rank(a.labels.severity)));
  const severity = payload.status === 'resolved' ? 'info' : SEVERITIES[worst >= 0 ? worst : 1]!;
  const only = alerts.length === 1 ? alerts[0]! : null;
  const summary = only?.annotations.summary ?? payload.commonAnnotations.summary;
  const title =
    payload.status === 'firing'
      ? `Firing${alerts.length > 1 ? ` (${firing.length})` : ''}: ${summary ?? name}`
      : `Resolved${alerts.length > 1 ? ` (${alerts.length})` : ''}: ${summary ?? name}`;

  const lines: string[] = [];
  for (const a of alerts) {
    const labels = Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname' && k !== 'severity')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const since = validDate(a.startsAt);
    const ended = a.status === 'resolved' ? validDate(a.endsAt) : null;
    if (alerts.length > 1 || !only?.annotations.summary) lines.push(`• ${a.annotations.summary ?? a.labels.alertname ?? name}`);
    if (a.annotations.description) lines.push(a.annotations.description);
    const facts = [
      `${a.labels.alertname ?? name}`,
      a.labels.severity ? `severity ${a.labels.severity}` : '',
      labels,
      since ? `since ${since}` : '',
      ended ? `resolved ${ended}` : '',
    ].filter(Boolean);
    lines.push(facts.join(' · '));
  }
  if (payload.truncatedAlerts) lines.push(`… and ${payload.truncatedAlerts} more alerts Alertmanager left out`);
  let details = lines.join('\n');
  if (details.length > DETAILS_MAX) details = `${details.slice(0, DETAILS_MAX - 1)}…`;

  const links: { label: string; url: string }[] = [];
  const addLink = (label: string, raw: string | undefined) => {
    let url = raw;
    // The rules name a section of the repository's runbook (docs/runbook.md#…): a link where it is published.
    if (url && !/^https?:\/\//i.test(url) && options.runbookBaseUrl) {
      try {
        url = new URL(url.replace(/^\/+/, ''), options.runbookBaseUrl.replace(/\/?$/, '/')).toString();
      } catch {
        url = undefined;
      }
    }
    if (isHttp(url) && url.length <= 2000 && links.length < 10 && !links.some((l) => l.url === url)) links.push({ label, url });
    else if (raw && !/^https?:\/\//i.test(raw) && !unlinked.includes(raw)) unlinked.push(raw);
  };
  const unlinked: string[] = [];
  for (const a of alerts) addLink(alerts.length > 1 ? `Runbook (${a.labels.alertname ?? name})` : 'Runbook', a.annotations.runbook_url);
  addLink('Runbook', payload.commonAnnotations.runbook_url);
  addLink('Source', only?.generatorURL ?? alerts[0]!.generatorURL);
  addLink('Alertmanager', payload.externalURL);

  // A runbook without a published base stays readable as its path in the repository.
  for (const path of unlinked) details = `${details}\nRunbook: ${path}`.slice(0, DETAILS_MAX);

  const routing = Object.fromEntries(Object.entries(payload.commonLabels).slice(0, ROUTING_LABELS_MAX));
  const at =
    payload.status === 'resolved'
      ? alerts
          .map((a) => validDate(a.endsAt))
          .filter((d): d is string => d !== null)
          .sort()
          .pop()
      : firing
          .map((a) => validDate(a.startsAt))
          .filter((d): d is string => d !== null)
          .sort()
          .pop();
  return {
    alert_id: `alertmanager:${id}`,
    kind: 'prometheus',
    severity,
    title: title.slice(0, 500),
    at: at ?? new Date().toISOString(),
    task: null,
    console_lines: [],
    details,
    labels: { ...routing, kind: 'prometheus', alertname: name, alert_status: payload.status },
    links,
  };
}
