import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { z } from 'zod';
import { ondemandLogList, statsGet, usageSchema } from '@cleargate/contracts';

/**
 * The README's pictures show a fixed day of a city's traffic at a fixed time, so that a run
 * rewrites them only when the console's look changes: the browser's clock stands still at
 * SHOWCASE_NOW and the reads behind the pictured screens (`GET /v1/stats`,
 * `GET /v1/logs/ondemand`, `GET /v1/usage`) are answered from here; everything else (the app, the sign-in, the
 * user) is the real stack. The answers are checked against the API's own schemas, so they
 * cannot drift from what the gateway sends.
 */
export const SHOWCASE_NOW = new Date('2026-03-10T09:42:00Z'); // 10:42 in Florence

type Stats = z.input<typeof statsGet.response>;
type OndemandPage = z.input<typeof ondemandLogList.response>;
type Usage = z.input<typeof usageSchema>;

const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
const uuid = (seed: string) => {
  const h = hex(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const MACHINES = { tram: 'gpu-firenze-1', llm: 'gpu-llm-1', kserve: 'triton-mobility' };
const machineId = (name: string) => hex(`machine ${name}`);

/** A day's shape: the morning and evening peaks of a city. */
const bump = (hour: number, centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));

/** Splits `total` by shares (largest remainder), so that the parts add up. */
function split(total: number, shares: number[]): number[] {
  const parts = shares.map((s) => Math.floor(total * s));
  let left = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % parts.length, left--) parts[i]! += 1;
  return parts;
}

/** The last 24 hours in hourly buckets, as `GET /v1/stats?range=24h` answers. */
export function showcaseStats(): Stats {
  const hour = 3600_000;
  const last = Math.floor(SHOWCASE_NOW.getTime() / hour) * hour;
  const ondemand = [];
  const enqueue = [];
  for (let i = 23; i >= 0; i--) {
    const at = last - i * hour;
    const local = (new Date(at).getUTCHours() + 1) % 24;
    // The current hour has only begun.
    const share = i === 0 ? 0.7 : 1;
    const calls = Math.round(share * (35 + 260 * bump(local, 8.5, 1.8) + 320 * bump(local, 18, 2.2) + 90 * bump(local, 13, 2)));
    const errors = local === 19 ? 14 : local % 5 === 0 ? 2 : local % 3 === 0 ? 1 : 0;
    ondemand.push({ at: new Date(at).toISOString(), calls, errors, p95_ms: Math.round((38 + calls / 9) * 10) / 10 });
    const runs = local === 2 ? 12 : local % 4 === 1 ? 2 : local % 6 === 3 ? 1 : 0;
    enqueue.push({ at: new Date(at).toISOString(), calls: runs, errors: local === 2 ? 1 : 0, p95_ms: runs ? 140 + runs * 9 : null });
  }
  const total = (points: { calls: number; errors: number; p95_ms: number | null }[]) => ({
    calls: points.reduce((n, p) => n + p.calls, 0),
    errors: points.reduce((n, p) => n + p.errors, 0),
    p95_ms: Math.max(...points.map((p) => p.p95_ms ?? 0)),
  });
  const totals = { ondemand: total(ondemand), enqueue: total(enqueue) };
  const endpoints = [
    { endpoint: 'traffic_flow_lstm', machine: MACHINES.tram, p95: 61.4 },
    { endpoint: 'parking_occupancy', machine: MACHINES.tram, p95: 47.9 },
    { endpoint: 'llama', machine: MACHINES.llm, p95: 2312 },
    { endpoint: 'air_quality/2', machine: MACHINES.kserve, p95: 35.2 },
    { endpoint: 'bike_demand', machine: MACHINES.kserve, p95: 29.8 },
  ];
  const calls = split(totals.ondemand.calls, [0.41, 0.27, 0.16, 0.1, 0.06]);
  const errors = split(totals.ondemand.errors, [0.2, 0.1, 0.6, 0.1, 0]);
  const tasks = [
    { name: 'traffic_forecast', p95: 231 },
    { name: 'heatmap_interpolation', p95: 198 },
    { name: 'od_matrix_update', p95: 176 },
  ];
  const requests = split(totals.enqueue.calls, [0.5, 0.3, 0.2]);
  const failed = split(totals.enqueue.errors, [0, 1, 0]);
  return {
    bucket_seconds: 3600,
    counts: {
      machines: 3,
      endpoints: 7,
      tasks: 4,
      runs: { accepted: 0, retrying: 0, queued: 1, in_progress: 2, completed: 38, failed: 3, stopped: 1 },
    },
    series: { ondemand, enqueue },
    totals,
    busiest: {
      endpoints: endpoints.map((e, i) => ({
        endpoint: e.endpoint,
        machine_id: machineId(e.machine),
        machine_name: e.machine,
        calls: calls[i]!,
        errors: errors[i]!,
        p95_ms: e.p95,
      })),
      tasks: tasks.map((t, i) => ({
        task_id: hex(`task ${t.name}`),
        template_name: t.name,
        calls: requests[i]!,
        errors: failed[i]!,
        p95_ms: t.p95,
      })),
    },
  };
}

/** The latest on-demand calls, newest first, as `GET /v1/logs/ondemand` answers. */
export function showcaseOndemandLog(): OndemandPage {
  const rows: [
    string,
    string,
    string,
    'compat' | 'v1' | 'openai',
    number,
    OndemandPage['items'][number]['outcome'],
    number,
    string | null,
  ][] = [
    // caller, machine, endpoint, route, status, outcome, duration, excerpt
    ['traffic-dashboard', MACHINES.tram, 'traffic_flow_lstm', 'compat', 200, 'ok', 41.7, '{"flow":[412,388,351],"unit":"vehicles/h"}'],
    ['s.rossi', MACHINES.llm, 'llama', 'openai', 200, 'ok', 1874.2, null],
    ['traffic-dashboard', MACHINES.tram, 'parking_occupancy', 'compat', 200, 'ok', 33.1, '{"free":[57,12,140]}'],
    ['m.bianchi', MACHINES.kserve, 'air_quality/2', 'v1', 200, 'ok', 22.6, '{"outputs":[{"name":"no2","data":[31.5]}]}'],
    ['s.rossi', MACHINES.llm, 'llama', 'openai', 200, 'cancelled', 912.5, null],
    ['traffic-dashboard', MACHINES.tram, 'traffic_flow_lstm', 'compat', 200, 'ok', 38.9, '{"flow":[398,377,342],"unit":"vehicles/h"}'],
    ['observer', MACHINES.kserve, 'bike_demand', 'v1', 504, 'timeout', 5003.4, null],
    ['traffic-dashboard', MACHINES.tram, 'parking_occupancy', 'compat', 200, 'ok', 35.8, '{"free":[59,12,138]}'],
    ['m.bianchi', MACHINES.tram, 'resnet50', 'v1', 404, 'not_found', 3.2, null],
    ['traffic-dashboard', MACHINES.tram, 'traffic_flow_lstm', 'compat', 200, 'ok', 44.3, '{"flow":[405,380,349],"unit":"vehicles/h"}'],
  ];
  return {
    items: rows.map(([caller, machine, endpoint, route, status, outcome, duration, excerpt], i) => ({
      id: uuid(`call ${i}`),
      at: new Date(SHOWCASE_NOW.getTime() - 9_000 - i * 47_000).toISOString(),
      correlation_id: uuid(`request ${i}`),
      caller,
      caller_subject: uuid(`user ${caller}`),
      machine_id: machineId(machine),
      machine_name: machine,
      endpoint,
      route,
      status_code: status,
      outcome,
      duration_ms: duration,
      upstream_ms: status === 404 ? null : Math.round((duration - 2.4) * 10) / 10,
      request_bytes: route === 'openai' ? 412 : 96,
      response_bytes: excerpt ? excerpt.length : route === 'openai' ? 3580 : 0,
      error:
        outcome === 'timeout'
          ? 'the model did not answer within 5000 ms'
          : outcome === 'not_found'
            ? 'no endpoint resnet50 on this machine'
            : outcome === 'cancelled'
              ? 'the caller went away'
              : null,
      response_excerpt: excerpt,
      prompt_tokens: route === 'openai' ? 38 : null,
      completion_tokens: route === 'openai' ? (outcome === 'cancelled' ? 61 : 214) : null,
    })),
    next_cursor: null,
  };
}

/** The last 30 days per day, ungrouped, as `GET /v1/usage` answers the Usage page's first query. */
export function showcaseUsage(): Usage {
  const DAY = 86_400_000;
  const today = Math.floor(SHOWCASE_NOW.getTime() / DAY) * DAY;
  const from = today - 29 * DAY;
  const ondemand = [];
  const runs = [];
  for (let i = 0; i < 30; i++) {
    const at = from + i * DAY;
    const weekday = new Date(at).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    // The current day has only begun (10:42 in Florence).
    const share = i === 29 ? 0.38 : 1;
    const calls = Math.round(share * ((weekend ? 2100 : 4300) + ((i * 137) % 600)));
    const errors = Math.round(calls * (i === 17 ? 0.06 : 0.004));
    const llm = Math.round(calls * 0.16);
    ondemand.push({
      bucket: new Date(at).toISOString(),
      calls,
      errors,
      duration_ms_total: calls * 48 + llm * 1900,
      duration_ms_p95: i === 17 ? 2480 : 1870 + ((i * 31) % 120),
      request_bytes: calls * 96 + llm * 316,
      response_bytes: calls * 60 + llm * 3500,
      prompt_tokens: llm * 38,
      completion_tokens: llm * 205,
    });
    const requested = Math.round(share * (weekend ? 4 : 14 + ((i * 7) % 5)));
    const failed = i % 9 === 4 ? 2 : i % 5 === 1 ? 1 : 0;
    const stopped = i % 11 === 7 ? 1 : 0;
    const open = i === 29 ? Math.min(3, requested) : 0;
    const completed = Math.max(0, requested - failed - stopped - open);
    runs.push({
      bucket: new Date(at).toISOString(),
      runs: requested,
      completed,
      failed,
      stopped,
      wait_seconds: requested * 41,
      run_seconds: completed * 612 + failed * 95,
      gpu_seconds: completed * 612,
    });
  }
  return {
    from: new Date(from).toISOString(),
    to: new Date(today + DAY).toISOString(),
    bucket: 'day',
    group_by: 'none',
    ondemand,
    runs,
  };
}

/** Answers the pictured screens' reads from the showcase, checked against the API's schemas. */
export async function serveShowcase(page: Page): Promise<void> {
  const stats = statsGet.response.parse(showcaseStats());
  const calls = ondemandLogList.response.parse(showcaseOndemandLog());
  const usage = usageSchema.parse(showcaseUsage());
  await page.route(
    (url) => url.pathname === '/v1/stats',
    (route) => route.fulfill({ json: stats }),
  );
  await page.route(
    (url) => url.pathname === '/v1/logs/ondemand',
    (route) => route.fulfill({ json: calls }),
  );
  // The page's first query (the last 30 days, per day, ungrouped) is the showcase's; another one would be real.
  await page.route(
    (url) => url.pathname === '/v1/usage',
    (route) => {
      const query = new URL(route.request().url()).searchParams;
      const asked = query.get('from') === usage.from && query.get('to') === usage.to && query.get('group_by') === 'none';
      return asked && query.get('format') === 'json' ? route.fulfill({ json: usage }) : route.continue();
    },
  );
}
