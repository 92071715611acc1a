import type { OndemandUsageRow, RunUsageRow, Usage, UsageBucket, UsageGroup, UsageQuery } from '../api/types';

/** What the Usage page asks: whole UTC days, `to` inclusive as people say it ("from 1 to 30 March"). */
export interface UsageForm {
  /** YYYY-MM-DD (UTC). */
  from: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  to: string;
  bucket: UsageBucket;
  group_by: UsageGroup;
  /** One caller (administrators). */
  user?: string;
}

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last 30 UTC days, today included. */
export function defaultUsageForm(now: number): UsageForm {
  return { from: day(now - 29 * DAY), to: day(now), bucket: 'day', group_by: 'none' };
}

/** The page's state from its address (`?from=&to=&bucket=&group_by=&user=`), what is missing or wrong from the default. */
export function usageFormFrom(search: URLSearchParams, now: number, admin: boolean): UsageForm {
  const form = defaultUsageForm(now);
  const from = search.get('from');
  const to = search.get('to');
  if (from && DATE.test(from) && !Number.isNaN(Date.parse(from))) form.from = from;
  if (to && DATE.test(to) && !Number.isNaN(Date.parse(to))) form.to = to;
  const bucket = search.get('bucket');
  if (bucket === 'day' || bucket === 'month') form.bucket = bucket;
  const group = search.get('group_by');
  if (group && groupChoices(admin).includes(group as UsageGroup)) form.group_by = group as UsageGroup;
  const user = search.get('user')?.trim();
  if (admin && user) form.user = user;
  return form;
}

export function usageSearch(form: UsageForm): URLSearchParams {
  const search = new URLSearchParams({ from: form.from, to: form.to, bucket: form.bucket, group_by: form.group_by });
  if (form.user) search.set('user', form.user);
  return search;
}

/** Everyone groups their own figures by endpoint, task or queue; only administrators by user. */
export function groupChoices(admin: boolean): UsageGroup[] {
  return admin ? ['none', 'user', 'endpoint', 'task', 'queue'] : ['none', 'endpoint', 'task', 'queue'];
}

/** Why the form cannot be asked as it is (the API would refuse it), or undefined. */
export function usageFormError(form: UsageForm): string | undefined {
  if (!DATE.test(form.from) || !DATE.test(form.to)) return 'Give both dates.';
  if (form.to < form.from) return 'The end comes before the start.';
  if ((Date.parse(form.to) - Date.parse(form.from)) / DAY + 1 > 400) return 'At most 400 days at once.';
  return undefined;
}

/** The API's query: from the start of `from` to the end of `to` (exclusive next midnight), UTC. */
export function usageQuery(form: UsageForm): UsageQuery {
  return {
    from: `${form.from}T00:00:00.000Z`,
    to: new Date(Date.parse(`${form.to}T00:00:00.000Z`) + DAY).toISOString(),
    bucket: form.bucket,
    group_by: form.group_by,
    ...(form.user ? { user: form.user } : {}),
  };
}

/** A bucket's start as a label: the UTC day or month it is (the buckets are UTC). */
export function bucketLabel(iso: string, bucket: UsageBucket): string {
  const d = new Date(iso);
  return bucket === 'month'
    ? d.toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' })
    : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** The group a row belongs to, as its table cell says it. */
export function groupOf(row: Partial<OndemandUsageRow & RunUsageRow>, group: UsageGroup): string {
  switch (group) {
    case 'user':
      return row.user ?? '';
    case 'endpoint':
      return row.endpoint ? `${row.endpoint} @ ${(row.machine_id ?? '').slice(0, 12)}` : '';
    case 'task':
      return row.task_id ?? '';
    case 'queue':
      return row.queue ?? '';
    default:
      return '';
  }
}

export interface UsagePoint {
  bucket: string;
  label: string;
  calls: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  runs: number;
  completed: number;
  failed: number;
  stopped: number;
}

/** Every bucket of the range, oldest first, each summed over the groups (a bucket without use is zero, not missing). */
export function usageSeries(usage: Usage): UsagePoint[] {
  const points = new Map<string, UsagePoint>();
  const start = new Date(usage.from);
  const end = Date.parse(usage.to);
  for (let d = new Date(start); d.getTime() < end;) {
    const iso = d.toISOString();
    points.set(iso, {
      bucket: iso,
      label: bucketLabel(iso, usage.bucket),
      calls: 0,
      errors: 0,
      promptTokens: 0,
      completionTokens: 0,
      runs: 0,
      completed: 0,
      failed: 0,
      stopped: 0,
    });
    if (usage.bucket === 'month') d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    else d = new Date(d.getTime() + DAY);
  }
  const at = (bucket: string) => {
    const key = new Date(bucket).toISOString();
    let point = points.get(key);
    if (!point) {
      point = { ...zero(), bucket: key, label: bucketLabel(key, usage.bucket) };
      points.set(key, point);
    }
    return point;
  };
  for (const row of usage.ondemand ?? []) {
    const p = at(row.bucket);
    p.calls += row.calls;
    p.errors += row.errors;
    p.promptTokens += row.prompt_tokens;
    p.completionTokens += row.completion_tokens;
  }
  for (const row of usage.runs ?? []) {
    const p = at(row.bucket);
    p.runs += row.runs;
    p.completed += row.completed;
    p.failed += row.failed;
    p.stopped += row.stopped;
  }
  return [...points.values()].sort((a, b) => a.bucket.localeCompare(b.bucket));
}

const zero = () => ({ calls: 0, errors: 0, promptTokens: 0, completionTokens: 0, runs: 0, completed: 0, failed: 0, stopped: 0 });

export interface UsageTotals {
  calls: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  requestBytes: number;
  responseBytes: number;
  runs: number;
  completed: number;
  failed: number;
  stopped: number;
  runSeconds: number;
  gpuSeconds: number;
}

export function usageTotals(usage: Usage): UsageTotals {
  const t: UsageTotals = { ...zero(), requestBytes: 0, responseBytes: 0, runSeconds: 0, gpuSeconds: 0 };
  for (const r of usage.ondemand ?? []) {
    t.calls += r.calls;
    t.errors += r.errors;
    t.promptTokens += r.prompt_tokens;
    t.completionTokens += r.completion_tokens;
    t.requestBytes += r.request_bytes;
    t.responseBytes += r.response_bytes;
  }
  for (const r of usage.runs ?? []) {
    t.runs += r.runs;
    t.completed += r.completed;
    t.failed += r.failed;
    t.stopped += r.stopped;
    t.runSeconds += r.run_seconds;
    t.gpuSeconds += r.gpu_seconds;
  }
  return t;
}

/** Seconds as a duration people read: 42 s, 12 min, 3.5 h. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `${Math.round((seconds / 60) * 10) / 10} min`;
  return `${Math.round((seconds / 3600) * 10) / 10} h`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${Math.round(n / 102.4) / 10} KiB`;
  if (n < 1024 ** 3) return `${Math.round(n / 1024 / 102.4) / 10} MiB`;
  return `${Math.round(n / 1024 ** 2 / 102.4) / 10} GiB`;
}
