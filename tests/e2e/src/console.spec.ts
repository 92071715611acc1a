import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { CLEARML_DEMO_IDS } from '@cleargate/peers';
import { ROOT, waitFor } from '@cleargate/testing';
import { consoleContext, launchChromium, PHONE, screenshot, seriousViolations, signIn } from '@cleargate/testing/browser';
import { serveShowcase, SHOWCASE_NOW } from './support/showcase';
import { ConsoleStack, startConsoleStack } from './support/stack';

/**
 * The admin console in Debian's Chromium against the whole stack: sign-in on the realm's login
 * page, registering a machine, an endpoint and a task, calling the endpoint and starting a run
 * from "Try it", the logs and the dashboard, a chat with an LLM endpoint streamed token by token
 * and stopped, what a Manager sees, a session that renews and one that ends mid-form. Every
 * screen passes axe-core (no serious or critical violation) and no page logs an error.
 */
jest.setTimeout(240_000);

let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let errors: string[];
const screens: string[] = [];
const violations: Record<string, unknown[]> = {};
let machineId = '';
let llmMachineId = '';
let taskId = '';

/** Checks the page in front of the user with axe; every screen of the run goes through here. */
async function audit(name: string, target: Page = page): Promise<void> {
  await target.waitForLoadState('networkidle').catch(() => undefined);
  // What is on screen without a pointer over it: a tooltip fading in or out is not the page.
  const size = target.viewportSize()!;
  await target.mouse.move(size.width - 2, size.height - 2);
  await target
    .locator('.MuiTooltip-popper')
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
  const found = await seriousViolations(target);
  screens.push(name);
  if (found.length) violations[name] = found;
}

/** Goes to a console path and waits for its title, as the app (a single page) changes screens. */
async function open(path: string, title: RegExp | string, target: Page = page): Promise<void> {
  await target.goto(stack.consoleUrl + path.replace(/^\//, ''));
  await target.getByRole('heading', { name: title }).first().waitFor({ timeout: 20_000 });
}

async function choose(target: Page, label: string | RegExp, option: string | RegExp): Promise<void> {
  await target.getByRole('combobox', { name: label }).click();
  await target.getByRole('option', { name: option }).click();
}

/** An 8×8 red PNG, made here (signature, IHDR, IDAT, IEND). */
function tinyPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(8, 0);
  header.writeUInt32BE(8, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array.from({ length: 8 }, () => [255, 0, 0]).flat()])));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

beforeAll(async () => {
  // Access tokens of 70 s: the console renews them about every 10 s (a minute before they expire).
  [stack, browser] = await Promise.all([startConsoleStack({ accessTokenTtlSec: 70 }), launchChromium()]);
  ({ page, errors } = await consoleContext(browser, stack.consoleUrl));
});

/** What a page showed at the end of a test, under tmp/e2e/ (to see what a failing step saw). */
async function picture(target: Page, suffix = ''): Promise<void> {
  const name = (expect.getState().currentTestName ?? 'test').replace(/[^\w]+/g, '-').slice(0, 80);
  mkdirSync(join(ROOT, 'tmp', 'e2e'), { recursive: true });
  if (!target.isClosed()) await target.screenshot({ path: join(ROOT, 'tmp', 'e2e', `${name}${suffix}.png`) }).catch(() => undefined);
}
afterEach(() => picture(page));

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the admin console, as an administrator', () => {
  it('signs in on the realm’s login page and comes back showing the name and role', async () => {
    await page.goto(stack.consoleUrl);
    await page.waitForSelector('#kc-form-login', { timeout: 20_000 });
    expect(page.url().startsWith(`${stack.oidc.issuer}/protocol/openid-connect/auth?`)).toBe(true);
    const authorize = new URL(page.url());
    expect(authorize.searchParams.get('client_id')).toBe('cleargate-console');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    await signIn(page, stack.consoleUrl, 'rootadmin');
    await page.getByRole('heading', { name: 'Dashboard' }).first().waitFor();
    await expect(page.getByText('RootAdmin').first().isVisible()).resolves.toBe(true);
    // The dashboard as it is once its figures came (however long they take on a busy machine).
    await waitFor(async () => (await page.getByTestId('count-serving-machines').textContent()) === '0', { timeoutMs: 20_000 });
    await page.getByTestId('ondemand-chart').waitFor();
    await audit('dashboard (empty)');
  });

  it('registers a serving machine with the keyboard, and copies its public id', async () => {
    await open('machines', 'Serving machines');
    await audit('machines (empty)');
    await page
      .getByRole('link', { name: /register a machine/i })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Register a serving machine' }).waitFor();
    await audit('machine create');
    const name = page.getByLabel(/^Name/);
    await name.focus();
    await page.keyboard.type('e2e-gpu');
    await page.keyboard.press('Tab');
    await page.keyboard.type(stack.serving.url);
    await page.keyboard.press('Tab');
    // The protocol list opens from the keyboard too.
    await page.keyboard.press('ArrowDown');
    await page.getByRole('option', { name: /^clearml-serving/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /Machine e2e-gpu/ }).waitFor();
    machineId = (await page.getByTestId('public-id-machine-id').textContent())!;
    expect(machineId).toMatch(/^[a-f0-9]{64}$/);
    await page.getByRole('button', { name: 'Copy machine id' }).click();
    // In the page (DOM code, given as text: this file is compiled for Node).
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(machineId);
    await audit('machine show');
  });

  it('registers the model endpoint on it and shows how to call it', async () => {
    await page.getByRole('tab', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: /add an endpoint/i }).click();
    await page.getByRole('heading', { name: 'Register an on-demand endpoint' }).waitFor();
    // The machine comes preselected from its page (its name shows once the input has read the machine).
    const machineInput = page.getByRole('combobox', { name: /Machine/ });
    await waitFor(async () => (await machineInput.inputValue()) === 'e2e-gpu', { timeoutMs: 10_000, message: 'the machine preselected' });
    await page.getByLabel(/^Name/).fill('test_model_pytorch');
    await page.getByRole('radio', { name: /Public/ }).check();
    await audit('endpoint create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /Endpoint test_model_pytorch/ }).waitFor();
    const nodeRed = await page
      .getByRole('region', { name: /Node-RED/ })
      .or(page.locator('pre', { hasText: '"endpoint": "test_model_pytorch"' }))
      .first()
      .textContent();
    expect(JSON.parse(nodeRed!)).toMatchObject({ machine_id: machineId, endpoint: 'test_model_pytorch' });
    await audit('endpoint show');
    await open('endpoints', 'Endpoints');
    await page.getByRole('cell', { name: 'test_model_pytorch' }).waitFor();
    await audit('endpoints');
    // A link with the machine's public id (what users share) leads to its page, which lists the endpoint.
    await open(`machines/${machineId}/show/endpoints`, /Machine e2e-gpu/);
    await page.getByRole('cell', { name: 'test_model_pytorch' }).waitFor();
    await page.getByRole('tab', { name: 'Health' }).click();
    await page
      .getByText(/circuit (closed|unknown)/)
      .first()
      .waitFor();
    await audit('machine health');
  });

  it('registers a task with a parameter schema, previewing the form it gives', async () => {
    await open('tasks/create', 'Register a runnable task');
    await page.getByLabel(/^ClearML task id/).fill(CLEARML_DEMO_IDS.templateTask);
    await page.getByLabel(/^Default queue/).fill('default');
    await page.getByLabel(/^Name/).fill('traffic_forecast');
    const schema = page.getByLabel('Parameter JSON Schema');
    await schema.fill('{"type": "object", "properties": {');
    await page.getByText('The preview waits for a valid schema.').waitFor();
    await schema.fill(
      JSON.stringify({
        type: 'object',
        properties: {
          sensor_id: { type: 'string', title: 'Sensor', minLength: 3 },
          horizon_minutes: { type: 'integer', minimum: 5, default: 30 },
          model: { enum: ['lstm', 'arima'] },
        },
        required: ['sensor_id'],
      }),
    );
    const preview = page.getByRole('group', { name: 'Preview of the run form' });
    await preview.getByLabel(/^Sensor/).waitFor();
    await expect(preview.getByLabel(/^horizon_minutes/).inputValue()).resolves.toBe('30');
    await audit('task create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /Task traffic_forecast/ }).waitFor();
    taskId = (await page.getByTestId('public-id-task-id').textContent())!;
    expect(taskId).toMatch(/^[a-f0-9]{64}$/);
    await audit('task show');
    await open('tasks', 'Runnable tasks');
    await audit('tasks');
  });

  it('calls the endpoint in “Try it” and shows the model’s answer, status and time', async () => {
    await open(`try?machine_id=${machineId}&endpoint=test_model_pytorch`, 'Try it');
    await audit('try it: endpoint');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.getByTestId('invoke-answer');
    await answer.waitFor();
    await expect(page.getByTestId('invoke-status').textContent()).resolves.toBe('HTTP 200');
    expect(await page.getByTestId('invoke-time').textContent()).toMatch(/^\d+(\.\d)? ms$/);
    expect(JSON.parse((await page.getByTestId('invoke-body').textContent())!)).toHaveProperty('digit');
    await audit('try it: answer');
    // An uploaded image goes as it is, its type as the Content-Type.
    await page.getByRole('radio', { name: 'An image' }).check();
    await page.setInputFiles('#tryit-image', { name: 'digit.png', mimeType: 'image/png', buffer: tinyPng() });
    await page.getByRole('img', { name: 'The image to send' }).waitFor();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByTestId('invoke-body').filter({ hasText: 'digit' }).waitFor();
    await expect(page.getByTestId('invoke-status').textContent()).resolves.toBe('HTTP 200');
  });

  it('shows the call in the on-demand log, with its detail and a CSV export of the filtered rows', async () => {
    await open('ondemand-log', /on-demand calls/i);
    const row = page.getByRole('row', { name: /test_model_pytorch/ });
    await waitFor(async () => (await row.count()) > 0 || (await page.getByRole('button', { name: 'Refresh' }).click(), false), {
      timeoutMs: 15_000,
      intervalMs: 1000,
    });
    await row.first().click();
    const detail = page.getByTestId('call-detail');
    await detail.waitFor();
    expect(await detail.textContent()).toContain('"digit"');
    await audit('on-demand log');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const [header, first] = csv.split('\r\n');
    expect(header).toBe(
      'at,caller,machine_id,machine_name,endpoint,route,status_code,outcome,duration_ms,upstream_ms,request_bytes,response_bytes,prompt_tokens,completion_tokens,error,correlation_id',
    );
    expect(first).toContain(`rootadmin,${machineId},e2e-gpu,test_model_pytorch,v1,200,ok`);
  });

  it('counts the calls on the dashboard, over each range', async () => {
    await open('', 'Dashboard');
    await waitFor(async () => (await page.getByTestId('count-serving-machines').textContent()) === '1', { timeoutMs: 10_000 });
    await page.getByRole('button', { name: 'Last 1 h' }).click();
    await waitFor(async () => /^2 calls, 0 failed/.test((await page.getByTestId('ondemand-chart-totals').textContent()) ?? ''), {
      timeoutMs: 10_000,
    });
    await page.getByRole('cell', { name: /test_model_pytorch/ }).waitFor();
    await page.getByRole('button', { name: 'Last 7 d' }).click();
    await page.getByRole('button', { name: 'Last 24 h' }).click();
    await audit('dashboard');
  });

  it('starts a run from the task’s generated form and follows it to completed', async () => {
    await open(`try?task_id=${taskId}`, 'Try it');
    const sensor = page.getByLabel(/^Sensor/);
    await sensor.waitFor();
    await sensor.fill('FI');
    await page.getByRole('button', { name: 'Start the run' }).click();
    // The schema's minLength, before anything is sent.
    await page.getByText('Must be 3 characters at least').first().waitFor();
    await sensor.fill('FI-METRO-12');
    await choose(page, /^model/, 'arima');
    await audit('try it: task');
    await page.getByRole('button', { name: 'Start the run' }).click();
    const detail = page.getByTestId('run-detail');
    await detail.waitFor();
    await detail.locator('[data-status="completed"]').first().waitFor({ timeout: 60_000 });
    expect(await detail.getByRole('link', { name: 'its log in ClearML' }).getAttribute('href')).toMatch(
      /^https:\/\/app\.clearml\.example\/projects\/\*\/experiments\/[^/]+\/output\/log$/,
    );
    await audit('try it: run completed');
    await open('runs', /runs/i);
    await page
      .getByRole('row', { name: /traffic_forecast/ })
      .first()
      .click();
    await page.getByRole('heading', { name: /Run of traffic_forecast/ }).waitFor();
    expect(
      await page.getByRole('list', { name: 'Status timeline' }).or(page.locator('[aria-label="Status timeline"]')).first().textContent(),
    ).toContain('Ended: completed');
    await audit('run show');
    await open('enqueue-log', /enqueue requests/i);
    const request = page.getByRole('row', { name: /traffic_forecast/ }).first();
    await request.waitFor();
    // Its detail, with the run it started, and the CSV export of the filtered rows (LogList, as the on-demand log).
    await request.click();
    const logDetail = page.getByTestId('call-detail');
    await logDetail.waitFor();
    expect(await logDetail.textContent()).toMatch(/Queue\s*default/);
    await logDetail.getByRole('link', { name: /^[0-9a-f-]{36}$/ }).waitFor();
    await audit('enqueue log');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const [header, first] = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(header).toBe(
      'at,caller,task_id,template_name,run_id,clearml_task_id,queue,route,outcome,duration_ms,attempts,error,correlation_id',
    );
    expect(first).toContain(`rootadmin,${taskId},traffic_forecast,`);
    expect(first).toContain(',default,v1,queued,');
  });

  it('splits successes from errors on the dashboard, with the busiest endpoints and tasks', async () => {
    // Snap4City users' traffic, straight to the API: calls that succeed and one to an endpoint that is not there.
    const token = await stack.oidc.mint({ username: 'observer' });
    const call = (endpoint: string) =>
      fetch(`${stack.gatewayUrl}/v1/ondemand/${machineId}/${endpoint}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'https://example.org/5.jpg' }),
      });
    for (let i = 0; i < 6; i++) expect((await call('test_model_pytorch')).status).toBe(200);
    expect((await call('resnet50')).status).toBe(404);
    await open('', 'Dashboard');
    await page.getByRole('button', { name: 'Last 1 h' }).click();
    await waitFor(async () => /, 1 failed/.test((await page.getByTestId('ondemand-chart-totals').textContent()) ?? ''), {
      timeoutMs: 15_000,
      intervalMs: 500,
    }).catch(async () => page.getByRole('button', { name: 'Refresh' }).click());
    await page.getByText(/^9 calls, 1 failed/).waitFor({ timeout: 15_000 });
    await page.getByRole('cell', { name: 'traffic_forecast' }).waitFor();
    expect(await page.getByTestId('runs-by-status').textContent()).toContain('completed');
    await audit('dashboard (busy)');
  });

  it('shows the usage of the calls and the run above per user and per endpoint, and exports the same query as CSV', async () => {
    await open('usage?group_by=user', 'Usage');
    const calls = page.getByTestId('usage-calls');
    // The observer's 7 calls (one to an endpoint that is not there), the administrator's 2 from “Try it”.
    const cells = async (name: string, table = calls) =>
      (
        await table
          .getByRole('row', { name: new RegExp(`\\b${name}\\b`) })
          .first()
          .getByRole('cell')
          .allTextContents()
      ).slice(1, 4);
    await calls.getByRole('row', { name: /observer/ }).waitFor();
    expect(await cells('observer')).toEqual(['observer', '7', '1']);
    expect(await cells('rootadmin')).toEqual(['rootadmin', '2', '0']);
    // The run started from “Try it”, completed.
    const runs = page.getByTestId('usage-runs');
    await waitFor(async () => (await cells('rootadmin', runs).catch(() => [])).join() === 'rootadmin,1,1', {
      timeoutMs: 15_000,
      intervalMs: 1000,
      message: 'the completed run in the usage',
    }).catch(async () => {
      await page.reload();
      await runs.getByRole('row', { name: /rootadmin/ }).waitFor();
    });
    expect(await cells('rootadmin', runs)).toEqual(['rootadmin', '1', '1']);
    expect(await page.getByTestId('usage-totals').textContent()).toMatch(/^9 on-demand calls, 1 failed · 1 run: 1 completed, 0 failed/);
    await audit('usage by user');

    // The same query as CSV, from the API.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^kind,bucket,user,machine_id,endpoint,task_id,queue,calls,errors,/);
    const observer = csv.find((l) => l.startsWith('ondemand,') && l.includes(',observer,'))!.split(',');
    expect([observer[7], observer[8]]).toEqual(['7', '1']);
    expect(csv.some((l) => l.startsWith('runs,') && l.includes(',rootadmin,'))).toBe(true);

    // Per endpoint: calls only.
    await choose(page, 'Group by', 'Endpoint');
    await calls.getByRole('row', { name: /test_model_pytorch/ }).waitFor();
    expect((await cells('test_model_pytorch')).slice(1)).toEqual(['8', '0']);
    expect(await page.getByTestId('usage-runs').count()).toBe(0);
    await audit('usage by endpoint');
  });

  it('refuses a limit rule the API finds wrong, beside its field, and shows the rule it accepts', async () => {
    await open('limits', 'Limits');
    await page.getByText('No limit is set: every caller is unlimited.').waitFor();
    await audit('limits (empty)');
    await page.getByRole('link', { name: 'Add a rule' }).first().click();
    await page.getByRole('heading', { name: 'Add a limit rule' }).waitFor();
    await page.getByLabel(/^Subject/).fill('Wizard');
    await page.getByLabel(/^Calls per second/).fill('5');
    await page.getByLabel(/^Burst/).fill('10');
    await page.getByLabel(/^Runs per day/).fill('20');
    await audit('limit create');
    await page.getByRole('button', { name: 'Save' }).click();
    // The registry's reason, from the error envelope's details, under the field.
    await page.getByText(/^expected a Snap4City role/).waitFor();
    // The browser reports the refused save (400): what was asked for, taken out of the run's errors.
    const refused = errors.findIndex((e) => /\/limits\/create: .*status of 400 /.test(e));
    expect(refused).toBeGreaterThanOrEqual(0);
    errors.splice(refused, 1);
    await page.getByLabel(/^Subject/).fill('Public');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByRole('row', { name: /Public/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('5 calls/s (burst 10), 20 runs/day');
    await audit('limits');
    // Edited: the daily cap lifted.
    await row.click();
    await page.getByTestId('limit-rule-subject').waitFor();
    await page.getByLabel('Unlimited').nth(3).check();
    await audit('limit edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /unlimited runs\/day/ }).waitFor();
  });

  it('suspends a user, whose calls are then refused with the reason, lifts it, and records both in the audit log', async () => {
    const token = await stack.oidc.mint({ username: 'observer' });
    const call = () =>
      fetch(`${stack.gatewayUrl}/v1/ondemand/${machineId}/test_model_pytorch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'https://example.org/5.jpg' }),
      });
    expect((await call()).status).toBe(200);
    await open('suspensions', 'Suspended users');
    await page.getByText('No user is suspended.').waitFor();
    await audit('suspensions (empty)');
    await page.getByRole('link', { name: 'Suspend a user' }).first().click();
    await page.getByRole('heading', { name: 'Suspend a user' }).waitFor();
    await page.getByLabel(/^User name/).fill('observer');
    await page.getByLabel(/^Reason/).fill('a runaway script');
    await page.getByLabel(/stop their runs/).check();
    await audit('suspension create');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /observer/ }).waitFor();
    await audit('suspensions');

    const refused = await call();
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'your account is suspended by an administrator: a runaway script',
    );

    await page.getByRole('button', { name: 'Lift the suspension of observer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('No user is suspended.').waitFor();
    expect((await call()).status).toBe(200);

    await open('audit', 'Audit log');
    await page.getByRole('row', { name: /user suspended/ }).waitFor();
    expect(await page.getByRole('row', { name: /user suspended/ }).textContent()).toContain('a runaway script');
    await page.getByRole('row', { name: /suspension lifted/ }).waitFor();
    await page
      .getByRole('row', { name: /limits set/ })
      .first()
      .waitFor();
    await choose(page, 'Action', 'suspension lifted');
    await waitFor(async () => (await page.getByRole('row', { name: /limits set/ }).count()) === 0, { timeoutMs: 10_000 });
    await page.getByRole('row', { name: /suspension lifted/ }).click();
    await page.getByTestId('audit-detail').waitFor();
    await audit('audit log');
  });

  it('registers an LLM on an OpenAI-compatible machine and chats with it in “Try it”, the answer arriving token by token', async () => {
    const llm = stack.serving.llm;
    llm.addModel('llama');
    // clearml-serving's vLLM engine: its OpenAI routes hang under /serve/openai.
    await open('machines/create', 'Register a serving machine');
    await page.getByLabel(/^Name/).fill('e2e-llm');
    await page.getByLabel(/^Base URL/).fill(`${stack.serving.url}/serve/openai`);
    await choose(page, /^Protocol/, /^OpenAI-compatible/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /Machine e2e-llm/ }).waitFor();
    llmMachineId = (await page.getByTestId('public-id-machine-id').textContent())!;
    await page.getByRole('tab', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: /add an endpoint/i }).click();
    await page.getByRole('heading', { name: 'Register an on-demand endpoint' }).waitFor();
    const machineInput = page.getByRole('combobox', { name: /Machine/ });
    await waitFor(async () => (await machineInput.inputValue()) === 'e2e-llm', { timeoutMs: 10_000, message: 'the machine preselected' });
    await page.getByLabel(/^Name/).fill('llama');
    await page.getByRole('radio', { name: /Public/ }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /Endpoint llama/ }).waitFor();
    // How programs call it: OpenAI's API on the gateway, not the on-demand route.
    await page
      .locator('pre', { hasText: `${stack.gatewayUrl}/openai/v1/chat/completions` })
      .first()
      .waitFor();

    // "Try it" on that endpoint is a chat, not the JSON form.
    await page.getByRole('main').getByRole('link', { name: 'Try it' }).click();
    const chat = page.getByRole('region', { name: 'Chat with llama' });
    await chat.waitFor();
    expect(await page.getByRole('radio', { name: 'JSON' }).count()).toBe(0);
    await audit('try it: chat');

    // Every text the answer shows, recorded in the page as it changes (given as text: this file is compiled for Node).
    await page.evaluate(`(() => {
      window.answerTexts = [];
      new MutationObserver(() => {
        const shown = [...document.querySelectorAll('[data-testid="chat-answer-text"]')].at(-1)?.textContent;
        if (shown !== undefined && window.answerTexts.at(-1) !== shown) window.answerTexts.push(shown);
      }).observe(document.querySelector('[role="log"]'), { subtree: true, childList: true, characterData: true });
    })()`);
    llm.setBehaviour({ firstTokenDelayMs: 300, tokenDelayMs: 120 });
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.focus();
    await page.keyboard.type('Which tram line reaches Careggi from the station?');
    await page.keyboard.press('Enter');
    const answer = page.getByTestId('chat-answer').last();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await answer.and(page.locator('[data-status="streaming"]')).waitFor();
    await audit('try it: chat, answering');
    await answer.and(page.locator('[data-status="done"]')).waitFor({ timeout: 15_000 });
    const expected = 'You said: Which tram line reaches Careggi from the station?';
    await expect(answer.getByTestId('chat-answer-text').textContent()).resolves.toBe(expected);
    // The tokens came one after another: the page showed the answer growing, each text the start of the next.
    const shown = (await page.evaluate('window.answerTexts')) as string[];
    expect(shown.at(-1)).toBe(expected);
    expect(shown.filter((t) => t && t !== expected).length).toBeGreaterThanOrEqual(3);
    shown.slice(1).forEach((t, i) => expect(t.startsWith(shown[i]!)).toBe(true));
    // The figures: time to the first token (the model waited 300 ms), time in all, tokens from the model's usage.
    const figures = (await answer.getByTestId('chat-figures').textContent())!;
    expect(figures).toMatch(
      /^first token after (\d+ ms|\d+\.\d s) · (\d+ ms|\d+\.\d s) in all · \d+ prompt \+ 10 answer tokens · [\d.]+ tokens\/s$/,
    );
    const firstToken = /^first token after (\d+(?:\.\d)?) (ms|s)/.exec(figures)!;
    expect(Number(firstToken[1]) * (firstToken[2] === 's' ? 1000 : 1)).toBeGreaterThanOrEqual(300);
    expect(llm.records.at(-1)).toMatchObject({ model: 'llama', stream: true, include_usage: true, completed: true, aborted: false });
    await audit('try it: chat, answered');

    // Stop: the browser cancels the request, the gateway the model's.
    llm.setBehaviour({ firstTokenDelayMs: 0, tokenDelayMs: 250 });
    await composer.fill('List every stop of line T1 from Villa Costanza to Careggi with the connections at each of them please');
    await composer.press('Enter');
    const stopped = page.getByTestId('chat-answer').last();
    await waitFor(async () => ((await stopped.getByTestId('chat-answer-text').textContent()) ?? '').split(' ').length >= 4, {
      timeoutMs: 15_000,
      message: 'a few tokens of the second answer',
    });
    await page.getByRole('button', { name: 'Stop' }).click();
    await stopped.and(page.locator('[data-status="stopped"]')).waitFor();
    const record = llm.records.at(-1)!;
    await waitFor(() => record.aborted, { timeoutMs: 10_000, message: 'the model’s request aborted' });
    expect(record.completed).toBe(false);
    expect(record.tokens_sent).toBeLessThan(22);
    const kept = (await stopped.getByTestId('chat-answer-text').textContent())!;
    expect(kept.startsWith('You said: List every')).toBe(true);
    expect(kept.length).toBeLessThan('You said: List every stop of line T1 from Villa Costanza to Careggi'.length);
    // The keyboard is back in the composer.
    await expect(
      page.evaluate('document.activeElement?.tagName + " " + document.activeElement?.getAttribute("aria-keyshortcuts")'),
    ).resolves.toBe('TEXTAREA Enter Escape');

    // The model fails mid-answer: vLLM's error event, shown with the answer so far.
    llm.setBehaviour({ tokenDelayMs: 0, fail: { afterTokens: 2, kind: 'event', times: 1 } });
    await composer.fill('And the last tram?');
    await composer.press('Enter');
    const failed = page.getByTestId('chat-answer').last();
    await failed.and(page.locator('[data-status="failed"]')).waitFor();
    await expect(failed.getByTestId('chat-answer-text').textContent()).resolves.toBe('You said:');
    expect(await failed.getByRole('alert').textContent()).toContain('the engine failed mid-generation');
    await audit('try it: chat, failed');
  });

  it('takes the README’s pictures of the dashboard, the on-demand log and the usage, on a fixed day of traffic', async () => {
    // The same pictures on every run: a browser whose clock stands still, the pictured reads answered from the showcase.
    const shot = await consoleContext(browser, stack.consoleUrl, { fixedTime: SHOWCASE_NOW, reducedMotion: true });
    try {
      await serveShowcase(shot.page);
      await shot.page.goto(stack.consoleUrl);
      await signIn(shot.page, stack.consoleUrl, 'rootadmin');
      await shot.page.getByRole('heading', { name: 'Dashboard' }).first().waitFor();
      await shot.page.getByRole('cell', { name: /traffic_flow_lstm/ }).waitFor();
      // The charts are drawn (their axes labelled with the showcase's hours).
      await shot.page.getByTestId('enqueue-chart').getByText('07:00').first().waitFor();
      await screenshot(shot.page, 'dashboard', { fullPage: true });
      await open('ondemand-log', /on-demand calls/i, shot.page);
      await shot.page
        .getByRole('row', { name: /traffic_flow_lstm/ })
        .first()
        .click();
      await shot.page.getByTestId('call-detail').waitFor();
      await screenshot(shot.page, 'ondemand-log');
      // The last 30 days, per day.
      await open('usage', 'Usage', shot.page);
      await shot.page
        .getByTestId('usage-totals')
        .getByText(/on-demand calls/)
        .waitFor();
      await shot.page.getByRole('cell', { name: '9 Feb' }).first().waitFor();
      await shot.page
        .getByRole('figure', { name: /On-demand calls per period/ })
        .locator('text')
        .first()
        .waitFor();
      await screenshot(shot.page, 'usage');
      expect(shot.errors).toEqual([]);
    } finally {
      await picture(shot.page, '-showcase');
      await shot.context.close();
    }
  });

  it('fits a phone-width screen', async () => {
    const phone = await consoleContext(browser, stack.consoleUrl, { viewport: PHONE });
    try {
      await phone.page.goto(stack.consoleUrl);
      await signIn(phone.page, stack.consoleUrl, 'rootadmin');
      await phone.page.getByRole('heading', { name: 'Dashboard' }).first().waitFor();
      for (const [path, title] of [
        ['', 'Dashboard'],
        ['ondemand-log', /on-demand calls/i],
        ['enqueue-log', /enqueue requests/i],
        ['machines', 'Serving machines'],
        [`machines/${machineId}/show`, /^Machine /],
        [`tasks/${taskId}/show`, /^Task /],
        [`try?machine_id=${llmMachineId}&endpoint=llama`, 'Try it'],
        ['usage', 'Usage'],
      ] as const) {
        await open(path, title, phone.page);
        if (path.startsWith('try')) await phone.page.getByRole('region', { name: 'Chat with llama' }).waitFor();
        // The logs as a phone's list: a line per call, no table.
        if (path === 'ondemand-log')
          await phone.page
            .getByText(/^[\w./-]+ · \d{3}/)
            .first()
            .waitFor(); // endpoint · status, its time beside
        if (path === 'enqueue-log')
          await phone.page
            .getByText(/^[\w./-]+ · [a-z_]+$/)
            .first()
            .waitFor(); // task · outcome
        if (path.endsWith('-log')) expect(await phone.page.getByRole('table').count()).toBe(0);
        const overflow = await phone.page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
        expect({ path, overflow }).toEqual({ path, overflow: 0 });
        await audit(`phone: ${path || 'dashboard'}`, phone.page);
      }
      expect(phone.errors).toEqual([]);
    } finally {
      await picture(phone.page, '-phone');
      await phone.context.close();
    }
  });
});

describe('the admin console, as a Manager', () => {
  it('shows no registry screens, refuses them by URL, and shows only the Manager’s own calls', async () => {
    const manager = await consoleContext(browser, stack.consoleUrl);
    try {
      await manager.page.goto(stack.consoleUrl);
      await signIn(manager.page, stack.consoleUrl, 'manager');
      await manager.page.getByRole('heading', { name: 'Dashboard' }).first().waitFor();
      await audit('manager: dashboard', manager.page);
      await manager.page.getByRole('menuitem', { name: 'Runs' }).waitFor();
      for (const shown of ['Dashboard', 'Try it', 'On-demand log', 'Enqueue log']) {
        await manager.page.getByRole('menuitem', { name: shown }).waitFor();
      }
      await manager.page.getByRole('menuitem', { name: 'Usage' }).waitFor();
      for (const hidden of ['Serving machines', 'Endpoints', 'Tasks', 'Limits', 'Suspended users', 'Audit log']) {
        expect(await manager.page.getByRole('menuitem', { name: hidden }).count()).toBe(0);
      }
      await manager.page.goto(`${stack.consoleUrl}machines`);
      await manager.page.getByText('Access denied').first().waitFor();
      await manager.page.goto(`${stack.consoleUrl}suspensions`);
      await manager.page.getByText('Access denied').first().waitFor();

      // The Manager calls the public endpoint with its id and name, as a Snap4City user would.
      await open(`try?machine_id=${machineId}&endpoint=test_model_pytorch`, 'Try it', manager.page);
      await manager.page.getByRole('button', { name: 'Send' }).click();
      await expect(manager.page.getByTestId('invoke-status').textContent()).resolves.toBe('HTTP 200');
      await open('ondemand-log', /your on-demand calls/i, manager.page);
      await waitFor(async () => (await manager.page.getByRole('row', { name: /test_model_pytorch/ }).count()) === 1, {
        timeoutMs: 15_000,
        intervalMs: 500,
      }).catch(async () => {
        await manager.page.getByRole('button', { name: 'Refresh' }).click();
      });
      await manager.page
        .getByRole('row', { name: /test_model_pytorch/ })
        .first()
        .waitFor();
      // Only the Manager's own call: the administrator's is not there, and there is no caller filter.
      expect(await manager.page.getByRole('row', { name: /test_model_pytorch/ }).count()).toBe(1);
      await audit('manager: on-demand log', manager.page);

      // Their own usage: their one call, nobody else's, and no grouping by user.
      await open('usage', 'Your usage', manager.page);
      await manager.page
        .getByTestId('usage-totals')
        .getByText(/^1 on-demand call, 0 failed/)
        .waitFor({ timeout: 15_000 });
      await manager.page.getByRole('combobox', { name: 'Group by' }).click();
      await manager.page.getByRole('option', { name: 'Endpoint' }).waitFor();
      expect(await manager.page.getByRole('option', { name: 'User' }).count()).toBe(0);
      await manager.page.keyboard.press('Escape');
      await audit('manager: usage', manager.page);
      expect(manager.errors).toEqual([]);
    } finally {
      await picture(manager.page, '-manager');
      await manager.context.close();
    }
  });
});

describe('sessions', () => {
  it('renews the token silently, and after the realm ends the session returns to its login without losing the form', async () => {
    const user = await consoleContext(browser, stack.consoleUrl, { clock: true });
    try {
      await user.page.goto(stack.consoleUrl);
      await signIn(user.page, stack.consoleUrl, 'areamanager');
      await open('machines', 'Serving machines', user.page);

      // Two minutes later in the browser the token was renewed with the refresh token: no new login.
      const renewals = stack.oidc.stats().grants['refresh_token'] ?? 0;
      await user.page.clock.fastForward('02:00');
      await waitFor(() => (stack.oidc.stats().grants['refresh_token'] ?? 0) > renewals, { timeoutMs: 10_000 });
      // An AreaManager sees only their own machines: none yet. The list is read again with the renewed token.
      await user.page.getByRole('button', { name: 'Refresh' }).click();
      await user.page.getByText('No serving machine is registered yet.').waitFor();
      expect(user.page.url().startsWith(stack.consoleUrl)).toBe(true);

      // Halfway through a form, the realm ends the session (an administrator did, or its idle timeout):
      // the token can no longer be renewed. Saving leads to the realm's login page and back to the form.
      await open('machines/create', 'Register a serving machine', user.page);
      await user.page.getByLabel(/^Name/).fill('half-typed-machine');
      await user.page.getByLabel(/^Base URL/).fill('http://127.0.0.2:8080');
      await choose(user.page, /^Protocol/, /^KServe v2/);
      stack.oidc.endSessions('areamanager');
      await user.page.clock.fastForward('05:00');
      await user.page.getByRole('button', { name: 'Save' }).click();
      await user.page.waitForSelector('#kc-form-login', { timeout: 30_000 });
      await signIn(user.page, stack.consoleUrl, 'areamanager');
      await user.page.getByRole('heading', { name: 'Register a serving machine' }).waitFor();
      await user.page.getByText('Your unsaved changes were restored').waitFor();
      await expect(user.page.getByLabel(/^Name/).inputValue()).resolves.toBe('half-typed-machine');
      await expect(user.page.getByLabel(/^Base URL/).inputValue()).resolves.toBe('http://127.0.0.2:8080');
      await audit('restored form', user.page);
      // Nothing was saved while signed out; saving now does.
      await user.page.getByRole('button', { name: 'Save' }).click();
      await user.page.getByRole('heading', { name: /Machine half-typed-machine/ }).waitFor();
      // The browser reports the refused renewals (400 from the realm) and the refused save (401):
      // what ending the session means, nothing else.
      expect(user.errors.filter((e) => !/status of (400|401) /.test(e))).toEqual([]);
    } finally {
      await picture(user.page, '-user');
      await user.context.close();
    }
  });
});

describe('the whole run', () => {
  it('found no serious or critical accessibility violation on any screen, and no console error', () => {
    writeFileSync(join(ROOT, 'tmp', 'e2e', 'violations.json'), JSON.stringify(violations, null, 2));
    expect(violations).toEqual({});
    expect(screens.length).toBeGreaterThanOrEqual(20);
    expect(errors).toEqual([]);
  });
});
