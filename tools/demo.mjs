#!/usr/bin/env node
// `npm run demo`: starts the whole stack with its demo peers (see tools/stack.mjs) and walks
// through what a Snap4City user and an administrator do, printing each request and answer.
// The stack keeps running afterwards; stop it with `npm run stack:down`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { up, usesDemoRealm } from './stack.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const step = (text) => console.log(`\n== ${text}`);
const show = (label, value) => console.log(`   ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);

async function json(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok && !init.allowError) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text}`);
  return { status: res.status, body };
}

async function passwordGrant(issuer, username) {
  // The grant the Snap4City Node-RED config node uses (public client nodered-iotedge).
  const { body } = await json(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'nodered-iotedge', username, password: username }),
  });
  return body.access_token;
}

async function main() {
  step('Starting PostgreSQL, NATS, the demo peers and the ClearGate services');
  const { env, gateway, consoleUrl } = await up();
  if (!usesDemoRealm(env)) {
    console.log(
      'The scripted scenario needs the demo peers and their realm (CLEARGATE_DEMO_PEERS=true, OIDC_ISSUER_URL at the OIDC peer); the stack is up.',
    );
    console.log(`\nThe admin console: ${consoleUrl} (sign in with an account of your realm)`);
    return;
  }
  const issuer = env.OIDC_ISSUER_URL;
  const servingUrl = `http://127.0.0.1:${env.SERVING_PEER_PORT}`;
  const api = (path, token, init = {}) =>
    json(`${gateway}${path}`, {
      allowError: init.allowError,
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    });

  step('An administrator logs in (Keycloak password grant) and registers a serving machine');
  const admin = await passwordGrant(issuer, 'rootadmin');
  const existing = (await api('/v1/machines?name=demo-gpu', admin)).body.items.find((m) => m.name === 'demo-gpu');
  const machine =
    existing ??
    (
      await api('/v1/machines', admin, {
        method: 'POST',
        body: JSON.stringify({
          name: 'demo-gpu',
          base_url: servingUrl,
          protocol: 'clearml-serving',
          metrics_url: `${servingUrl}/metrics`,
          labels: { site: 'demo' },
        }),
      })
    ).body;
  show('machine', { name: machine.name, base_url: machine.base_url, machine_id: machine.machine_id });

  step('...and the MNIST model endpoint loaded on it (as `clearml-serving model add` created it)');
  const endpoints = (await api(`/v1/endpoints?machine_id=${machine.id}`, admin)).body.items;
  const endpoint =
    endpoints.find((e) => e.name === 'test_model_pytorch') ??
    (
      await api('/v1/endpoints', admin, {
        method: 'POST',
        body: JSON.stringify({ machine_id: machine.machine_id, name: 'test_model_pytorch', timeout_ms: 10000 }),
      })
    ).body;
  show('endpoint', { name: endpoint.name, visibility: endpoint.visibility, timeout_ms: endpoint.timeout_ms });

  step('A Snap4City user calls the model the way the Node-RED "ClearML On-Demand" block does');
  console.log('   (the demo serving machine is a stand-in that downloads nothing: for a URL it answers a digit made from its text)');
  const user = await passwordGrant(issuer, 'observer');
  const request = {
    access_token: '<the user access token>',
    machine_id: machine.machine_id,
    endpoint: 'test_model_pytorch',
    params: { url: 'https://raw.githubusercontent.com/allegroai/clearml-serving/main/examples/pytorch/5.jpg' },
  };
  show('POST /clearml/serve/ondemand', request);
  const answer = await json(`${gateway}/clearml/serve/ondemand`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ ...request, access_token: user }),
  });
  show(`answer (${answer.status})`, answer.body);

  step('The versioned API, token in the Authorization header, the image itself as the body');
  show(`POST /v1/ondemand/${machine.machine_id}/test_model_pytorch`, 'samples/5.png (a handwritten 5, 28×28, image/png)');
  const v1 = await api(`/v1/ondemand/${machine.machine_id}/test_model_pytorch`, user, {
    method: 'POST',
    body: readFileSync(join(root, 'samples', '5.png')),
    headers: { 'content-type': 'image/png' },
  });
  show(`answer (${v1.status})`, v1.body);

  step('Without a token, the gateway refuses');
  const refused = await json(`${gateway}/clearml/serve/ondemand`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request, access_token: undefined }),
    allowError: true,
  });
  show(`answer (${refused.status})`, refused.body);

  step('The user reads their own call log');
  await new Promise((r) => setTimeout(r, 500));
  const log = await api('/v1/logs/ondemand?limit=3', user);
  for (const item of log.body.items)
    show(item.at, `${item.route} ${item.endpoint} → ${item.status_code} ${item.outcome} in ${item.duration_ms} ms`);

  step('An administrator registers two ClearML tasks as runnable (ClearML Utils\' "tasks for the enqueue service")');
  const registerTask = async (clearmlTaskId, name, schema) => {
    const existing = (await api(`/v1/tasks?name=${encodeURIComponent(name)}`, admin)).body.items.find((t) => t.name === name);
    return (
      existing ??
      (
        await api('/v1/tasks', admin, {
          method: 'POST',
          body: JSON.stringify({ clearml_task_id: clearmlTaskId, default_queue: 'default', name, params_schema: schema }),
        })
      ).body
    );
  };
  const forecast = await registerTask('c0ffee00c0ffee00c0ffee00c0ffee04', 'traffic_forecast', {
    type: 'object',
    properties: { sensor_id: { type: 'string' }, horizon_minutes: { type: 'integer', minimum: 5 } },
    additionalProperties: false,
  });
  const detector = await registerTask('c0ffee00c0ffee00c0ffee00c0ffee05', 'air_quality_detector');
  show('task_id (give this to users)', forecast.task_id);

  step('The user starts the forecast the way the Node-RED "ClearML Enqueue Task" block does');
  const enqueue = await json(`${gateway}/clearml/serve/enqueue_task`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ access_token: user, task_id: forecast.task_id, params: { sensor_id: 'FI-METRO-12', horizon_minutes: 30 } }),
  });
  show(`answer (${enqueue.status})`, enqueue.body);

  step('...and follows the run until ClearML says it is done (GET /v1/runs/{id}?wait=…)');
  let run = (await api(`/v1/runs/${enqueue.body.run_id}`, user)).body;
  show('status', `${run.status} (ClearML task ${run.clearml_task_id})`);
  while (!['completed', 'failed', 'stopped'].includes(run.status)) {
    run = (await api(`/v1/runs/${run.run_id}?wait=20`, user)).body;
    show('status', run.status);
  }

  step("Parameters that do not match the task's schema are refused before anything reaches ClearML");
  const bad = await api('/v1/runs', user, {
    method: 'POST',
    body: JSON.stringify({ task_id: forecast.task_id, params: { horizon_minutes: 'soon' } }),
    allowError: true,
  });
  show(`answer (${bad.status})`, bad.body);

  step('A run that fails in ClearML is reported to the chat channels, with the last console lines');
  const failing = await api('/v1/runs', user, {
    method: 'POST',
    body: JSON.stringify({ task_id: detector.task_id, params: { station: 'FI-AQ-03' } }),
  });
  let failed = failing.body;
  while (!['completed', 'failed', 'stopped'].includes(failed.status)) {
    failed = (await api(`/v1/runs/${failed.run_id}?wait=20`, user)).body;
  }
  show('run', `${failed.status}: ${failed.error ?? ''}`);
  const chatUrl = `http://127.0.0.1:${env.CHAT_PEER_PORT}`;
  let alerts = [];
  for (let i = 0; i < 40 && !alerts.some((m) => m.text.includes(failed.clearml_task_id)); i++) {
    await new Promise((r) => setTimeout(r, 500));
    alerts = (await json(`${chatUrl}/__peer/received?channel=slack`)).body;
  }
  const alert = alerts.find((m) => m.text.includes(failed.clearml_task_id));
  console.log(
    alert
      ? `   Slack message (chat peer):\n${alert.text
          .split('\n')
          .slice(0, 12)
          .map((l) => `     | ${l}`)
          .join('\n')}\n     | …`
      : '   (no alert yet: see .data/logs/monitor.log and notifier.log)',
  );

  step('The administrator reads the enqueue log');
  const enqueueLog = await api('/v1/logs/enqueue?limit=5', admin);
  for (const item of enqueueLog.body.items)
    show(item.at, `${item.outcome} ${item.template_name ?? item.task_id} → ${item.clearml_task_id ?? '-'} ${item.error ?? ''}`);

  step('An administrator limits the user to one call a second: a burst of three gets 429 with Retry-After');
  const rule = await api('/v1/limits', admin, {
    method: 'PUT',
    body: JSON.stringify({ scope: 'user', subject: 'observer', limits: { calls_per_second: 1, burst: 1 }, reason: 'demo' }),
  });
  show('rule', rule.body.limits);
  // The gateway hears of the change from the registry's announcement, in a few milliseconds.
  await new Promise((r) => setTimeout(r, 500));
  const burst = await Promise.all(
    [1, 2, 3].map(() =>
      fetch(`${gateway}/v1/ondemand/${machine.machine_id}/test_model_pytorch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user}`, 'content-type': 'image/png' },
        body: readFileSync(join(root, 'samples', '5.png')),
      }),
    ),
  );
  for (const res of burst)
    show(`answer (${res.status})`, res.status === 429 ? `Retry-After: ${res.headers.get('retry-after')} s` : await res.text());
  await api(`/v1/limits/${rule.body.id}`, admin, { method: 'DELETE' });

  step("The user's usage of today (GET /v1/usage; administrators may group it by user, endpoint, task or queue)");
  // The call log reaches the usage rollups as the router flushes it: a moment.
  await new Promise((r) => setTimeout(r, 1000));
  const usage = (await api('/v1/usage?bucket=day', user)).body;
  for (const row of usage.ondemand ?? [])
    show(`calls ${row.bucket.slice(0, 10)}`, `${row.calls} calls, ${row.errors} errors, p95 ${row.duration_ms_p95} ms`);
  for (const row of usage.runs ?? [])
    show(`runs ${row.bucket.slice(0, 10)}`, `${row.runs} runs, ${row.completed} completed, ${row.failed} failed`);

  step('The admin console');
  console.log(`   ${consoleUrl}`);
  console.log('   sign in on the demo realm as rootadmin (password rootadmin): the machine, endpoint, tasks, runs and');
  console.log('   calls above are there. As observer (password observer), the user of the calls and runs above, the');
  console.log('   console shows only their own calls and runs, without the registry.');
  console.log(`\nDone. Explore the API at ${gateway}/docs; stop everything with: npm run stack:down`);
}

main().catch((err) => {
  console.error(`\ndemo failed: ${err.message}`);
  process.exit(1);
});
