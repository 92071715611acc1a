import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, freePort, ROOT, waitFor } from '@cleargate/testing';
import { everythingTheNodesSaid, helper, JWT, loadFlow, LoadedFlow, NODE_RED_PACKAGE, Realm } from '@cleargate/testing/node-red';
import { ACCESS_TOKEN_TTL_SEC, NodeRedStack, sha256, SLOW_ENDPOINT, startNodeRedStack } from './support/stack';

/**
 * The Node-RED nodes in a real Node-RED runtime (node-red-node-test-helper) against the deployed
 * services: a token from the realm's password grant, calls through the gateway to a serving
 * machine and to ClearML, and the output shapes of Snap4City's blocks. Node-RED 5 in the
 * `nodered` Jest project, Node-RED 4 in `nodered-4`.
 */

jest.setTimeout(60_000);

const USER = { username: 'flowuser', password: 'Fl0w-user-pa55word' };
const CLIENT_SECRET = 'cleargate-demo-secret';
let stack: NodeRedStack;
let realm: Realm;
let flow: LoadedFlow | undefined;

beforeAll(async () => {
  stack = await startNodeRedStack();
  stack.oidc.addUser({ ...USER, roles: ['Observer'] });
  realm = {
    gatewayUrl: stack.gatewayUrl,
    tokenUrl: `${stack.oidc.issuer}/protocol/openid-connect/token`,
    credentials: { ...USER },
  };
  await helper.startServer();
}, 120_000);

afterAll(async () => {
  await helper.stopServer();
  await stack?.close();
});

afterEach(async () => {
  if (!flow) return;
  const said = everythingTheNodesSaid();
  flow = undefined;
  await helper.unload();
  // No token, password or client secret in any log line, node status or message.
  expect(said).not.toMatch(JWT);
  expect(said).not.toContain(USER.password);
  expect(said).not.toContain(CLIENT_SECRET);
});

/** Errors the nodes raised (what Catch nodes receive), as text. */
function errorsRaised(): string[] {
  return helper._NodePrototype.error!.getCalls().map((c) => String(c.args[0]));
}

function tokens(): { stats(): Record<string, number> } {
  return flow!.node('cfg').tokens as { stats(): Record<string, number> };
}

const ondemand = (extra: Record<string, unknown> = {}) => ({ id: 'od', type: 'cleargate-ondemand', ...extra });
const enqueue = (extra: Record<string, unknown> = {}) => ({ id: 'eq', type: 'cleargate-enqueue', ...extra });

it('runs the flows in the Node-RED its Jest project names', () => {
  expect(helper._RED.version()).toMatch(NODE_RED_PACKAGE === 'node-red-4' ? /^4\./ : /^5\./);
});

describe('cleargate ondemand', () => {
  it('calls a model with the fields of the original block and answers {status: "ok", response}', async () => {
    flow = await loadFlow(realm, [ondemand()]);
    const url = 'https://raw.githubusercontent.com/allegroai/clearml-serving/main/examples/pytorch/5.jpg';
    flow.node('od').receive({ topic: 'digits', payload: { machine_id: stack.machineId, endpoint: 'test_model_pytorch', input: { url } } });
    const [msg] = await flow.next('od-out0');
    const admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
    const direct = await api(stack.gatewayUrl, `/v1/ondemand/${stack.machineId}/test_model_pytorch`, { token: admin, body: { url } });
    expect(msg!.payload).toEqual({ status: 'ok', response: direct.json });
    expect(direct.json).toEqual({ digit: expect.any(Number) });
    expect(msg!.topic).toBe('digits');
  });

  it('takes machine, endpoint and the input text from the editor when the message has none', async () => {
    flow = await loadFlow(realm, [ondemand({ machine_id: stack.machineId, endpoint: 'echo', input: '{"x0": 1, "x1": [2, 3]}' })]);
    flow.node('od').receive({ payload: 'tick' });
    const [msg] = await flow.next('od-out0');
    expect(msg!.payload).toEqual({ status: 'ok', response: { echo: { x0: 1, x1: [2, 3] } } });
  });

  it('sends a Buffer payload untouched, with its content type, to the v1 route', async () => {
    flow = await loadFlow(realm, [ondemand({ machine_id: stack.machineId, endpoint: 'inspect' })]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256))]);
    flow.node('od').receive({ payload: jpeg });
    const [image] = await flow.next('od-out0');
    expect(image!.payload).toEqual({ status: 'ok', response: { content_type: 'image/jpeg', length: jpeg.length, sha256: sha256(jpeg) } });

    // Bytes that look like JSON stay bytes when the message says what they are.
    const bytes = Buffer.from('{"not": "json to the model"}');
    flow.node('od').receive({ payload: bytes, contentType: 'application/octet-stream' });
    const [raw] = await flow.next('od-out0');
    expect(raw!.payload.response).toEqual({ content_type: 'application/octet-stream', length: bytes.length, sha256: sha256(bytes) });

    // An http request node leaves the content type in msg.headers.
    flow.node('od').receive({ payload: bytes, headers: { 'Content-Type': 'image/x-portable-anymap' } });
    const [fromHeaders] = await flow.next('od-out0');
    expect(fromHeaders!.payload.response.content_type).toBe('image/x-portable-anymap');
  });

  it('answers an image to the MNIST endpoint with the digit the machine computes from those exact bytes', async () => {
    flow = await loadFlow(realm, [ondemand({ machine_id: stack.machineId })]);
    const png = readFileSync(join(ROOT, 'samples', '5.png'));
    flow.node('od').receive({ payload: { endpoint: 'test_model_pytorch', input: png } });
    const [msg] = await flow.next('od-out0');
    const admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
    const direct = await fetch(`${stack.gatewayUrl}/v1/ondemand/${stack.machineId}/test_model_pytorch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'image/png' },
      body: png,
    });
    expect(msg!.payload).toEqual({ status: 'ok', response: await direct.json() });
    expect(msg!.payload.response).toEqual({ digit: 5 });
  });

  it('answers 404 for an unknown machine or endpoint as the original did: {status: "ko", error, details}', async () => {
    flow = await loadFlow(realm, [ondemand()]);
    flow.node('od').receive({ payload: { machine_id: 'f'.repeat(64), endpoint: 'test_model_pytorch', input: {} } });
    const [machine] = await flow.next('od-out0');
    expect(machine!.payload).toEqual({
      status: 'ko',
      error: 'Unexpected server response: 404',
      details: { error: expect.objectContaining({ code: 'not_found' }), request_id: machine!._msgid },
    });
    flow.node('od').receive({ payload: { machine_id: stack.machineId, endpoint: 'no_such_model', input: {} } });
    const [endpoint] = await flow.next('od-out0');
    expect(endpoint!.payload).toMatchObject({
      status: 'ko',
      error: 'Unexpected server response: 404',
      details: { error: { code: 'not_found' } },
    });
    // An answer is an output, not an error: Catch nodes are not triggered (as with the original).
    expect(errorsRaised()).toEqual([]);
  });

  it('answers 504 when the model takes longer than the endpoint timeout', async () => {
    stack.serving.setFault(SLOW_ENDPOINT.name, { kind: 'delay', ms: SLOW_ENDPOINT.timeoutMs + 1500, times: 1 });
    flow = await loadFlow(realm, [ondemand({ machine_id: stack.machineId, endpoint: SLOW_ENDPOINT.name })]);
    const started = Date.now();
    flow.node('od').receive({ payload: { input: { x0: 1, x1: 2 } } });
    const [msg] = await flow.next('od-out0');
    expect(msg!.payload).toEqual({
      status: 'ko',
      error: 'Unexpected server response: 504',
      details: { error: expect.objectContaining({ code: expect.any(String) }), request_id: expect.any(String) },
    });
    expect(Date.now() - started).toBeLessThan(SLOW_ENDPOINT.timeoutMs + 1500);
  });

  it('refuses missing ids and input that is not JSON before calling anything, raising the error as the original did', async () => {
    flow = await loadFlow(realm, [ondemand()]);
    const before = stack.oidc.stats().token;
    flow.node('od').receive({ payload: { endpoint: 'echo' } });
    flow.node('od').receive({ payload: { machine_id: stack.machineId } });
    flow.node('od').receive({ payload: { machine_id: stack.machineId, endpoint: 'echo', input: '{not json' } });
    const out = await flow.next('od-out0', 3);
    expect(out.map((m) => m.payload)).toEqual([
      { status: 'ko', error: 'Machine ID is missing' },
      { status: 'ko', error: 'Endpoint is missing' },
      { status: 'ko', error: 'Input is not valid JSON' },
    ]);
    expect(errorsRaised()).toEqual(['Machine ID is missing', 'Endpoint is missing', 'Input is not valid JSON']);
    expect(stack.oidc.stats().token).toBe(before);
  });
});

describe('cleargate enqueue', () => {
  it('enqueues a run with the fields of the original block and answers with the clone as the compatible route does', async () => {
    flow = await loadFlow(realm, [enqueue()]);
    flow.node('eq').receive({ payload: { task_id: stack.taskId, queue_name: 'gpu', input: { lr: 0.5, horizon: 24 } } });
    const [msg] = await flow.next('eq-out0');
    expect(msg!.payload).toEqual({
      status: 'ok',
      response: { status: 'queued', task_id: expect.stringMatching(/^[0-9a-f]{32}$/), run_id: expect.any(String), queue: 'gpu' },
    });
    const clone = stack.clearml.store.tasks.get(msg!.payload.response.task_id);
    expect(clone?.hyperparams?.General?.lr?.value).toBe('0.5');
  });

  it('waits for the end of the run and sends its final status on the second output', async () => {
    flow = await loadFlow(realm, [enqueue({ task_id: stack.taskId, input: '{"epochs": 3}', wait: true, outputs: 2, timeout: 60 })]);
    flow.node('eq').receive({ payload: {} });
    const [queued] = await flow.next('eq-out0');
    expect(queued!.payload).toMatchObject({ status: 'ok', response: { status: 'queued', queue: 'default' } });
    const [ended] = await flow.next('eq-out1');
    expect(ended!.payload).toEqual({
      status: 'ok',
      response: expect.objectContaining({
        run_id: queued!.payload.response.run_id,
        status: 'completed',
        clearml_task_id: queued!.payload.response.task_id,
        finished_at: expect.any(String),
      }),
    });
    expect(ended!._msgid).toBe(queued!._msgid);
    expect(flow.outputs['eq-out0']).toHaveLength(1);
  });

  it('reports a failed run as ko on the second output', async () => {
    flow = await loadFlow(realm, [enqueue({ task_id: stack.taskId, wait: true, outputs: 2, timeout: 60 })]);
    flow.node('eq').receive({ payload: { input: { peer_outcome: 'failed', peer_fail_message: 'out of memory' } } });
    expect((await flow.next('eq-out0'))[0]!.payload.status).toBe('ok');
    const [ended] = await flow.next('eq-out1');
    expect(ended!.payload).toEqual({
      status: 'ko',
      error: expect.stringMatching(/^The run failed/),
      response: expect.objectContaining({ status: 'failed' }),
    });
  });

  it('gives up waiting at the time limit and says so', async () => {
    stack.clearml.control.pauseAgents();
    try {
      flow = await loadFlow(realm, [enqueue({ task_id: stack.taskId, wait: true, outputs: 2, timeout: 2 })]);
      const started = Date.now();
      flow.node('eq').receive({ payload: {} });
      const [ended] = await flow.next('eq-out1');
      expect(ended!.payload).toEqual({
        status: 'ko',
        error: 'The run did not end within 2 s',
        response: expect.objectContaining({ status: 'queued' }),
      });
      expect(Date.now() - started).toBeLessThan(2000 + 1500);
    } finally {
      stack.clearml.control.resumeAgents();
    }
  });

  it('follows a run the gateway could not queue yet (ClearML unreachable) until it is queued', async () => {
    await stack.clearml.stop();
    let restarted = false;
    try {
      flow = await loadFlow(realm, [enqueue({ task_id: stack.taskId })]);
      flow.node('eq').receive({ payload: {} });
      // The gateway answers 202 after ENQUEUE_COMPAT_WAIT_MS; the node shows the run waiting.
      const statuses = () => helper._NodePrototype.status!.getCalls().map((c) => (c.args[0] as { text?: string }).text);
      await waitFor(() => statuses().includes('retrying') || statuses().includes('accepted'), { timeoutMs: 15_000 });
      expect(flow.outputs['eq-out0']).toEqual([]);
      await stack.clearml.start();
      restarted = true;
      const [msg] = await flow.next('eq-out0');
      expect(msg!.payload).toEqual({
        status: 'ok',
        response: { status: 'queued', task_id: expect.any(String), run_id: expect.any(String), queue: 'default' },
      });
    } finally {
      if (!restarted) await stack.clearml.start();
    }
  });

  it('answers 404 for an unknown task and a missing task id as the original did', async () => {
    flow = await loadFlow(realm, [enqueue()]);
    flow.node('eq').receive({ payload: { task_id: 'e'.repeat(64) } });
    const [unknown] = await flow.next('eq-out0');
    flow.node('eq').receive({ payload: { input: {} } });
    const [missing] = await flow.next('eq-out0');
    expect(unknown!.payload).toEqual({
      status: 'ko',
      error: 'Unexpected server response code: 404',
      response: { error: expect.objectContaining({ code: 'not_found' }), request_id: unknown!._msgid },
    });
    expect(missing!.payload).toEqual({ status: 'ko', error: 'Task ID is missing' });
  });
});

describe('an unreachable gateway', () => {
  it('is reported as the original blocks reported a transport error', async () => {
    const port = await freePort();
    flow = await loadFlow({ ...realm, gatewayUrl: `http://127.0.0.1:${port}` }, [
      ondemand({ machine_id: stack.machineId, endpoint: 'echo' }),
      enqueue({ task_id: stack.taskId }),
    ]);
    flow.node('od').receive({ payload: {} });
    flow.node('eq').receive({ payload: {} });
    const [[call], [run]] = await Promise.all([flow.next('od-out0'), flow.next('eq-out0')]);
    const error = `the gateway 127.0.0.1:${port} could not be reached (ECONNREFUSED)`;
    expect(call!.payload).toEqual({ status: 'ko', error });
    expect(run!.payload).toEqual({ status: 'ko', error });
    expect(errorsRaised().sort()).toEqual([`Error in cleargate ondemand node: ${error}`, `HTTP request error: ${error}`]);
  });
});

describe('the login shared through the config node', () => {
  it('logs in once for every node and message that needs a token at the same time', async () => {
    flow = await loadFlow(realm, [ondemand({ machine_id: stack.machineId, endpoint: 'echo' }), enqueue({ task_id: stack.taskId })]);
    const before = stack.oidc.stats().token;
    for (let i = 0; i < 5; i++) {
      flow.node('od').receive({ payload: { input: { i } } });
      flow.node('eq').receive({ payload: { input: { i } } });
    }
    const [calls, runs] = await Promise.all([flow.next('od-out0', 5), flow.next('eq-out0', 5)]);
    expect([...calls, ...runs].map((m) => m.payload.status)).toEqual(Array(10).fill('ok'));
    expect(stack.oidc.stats().token - before).toBe(1);
    expect(tokens().stats()).toEqual({ logins: 1, refreshes: 0, refreshFailures: 0, invalidations: 0 });
  });

  it('renews the token with the refresh token before it expires', async () => {
    flow = await loadFlow(realm, [ondemand({ machine_id: stack.machineId, endpoint: 'echo' })]);
    flow.node('od').receive({ payload: { input: { n: 1 } } });
    expect((await flow.next('od-out0'))[0]!.payload.status).toBe('ok');
    // Past three quarters of the lifespan, the node renews before using the token again. The
    // gateway allows no clock tolerance, so a token used past its expiry would be refused (401).
    await new Promise((r) => setTimeout(r, ACCESS_TOKEN_TTL_SEC * 750 + 200));
    flow.node('od').receive({ payload: { input: { n: 2 } } });
    expect((await flow.next('od-out0'))[0]!.payload).toEqual({ status: 'ok', response: { echo: { n: 2 } } });
    expect(tokens().stats()).toEqual({ logins: 1, refreshes: 1, refreshFailures: 0, invalidations: 0 });
  });

  it('logs in again when the session behind a token is ended (a gateway checking tokens at the realm answers 401)', async () => {
    const gatewayUrl = await stack.startUserinfoGateway();
    flow = await loadFlow({ ...realm, gatewayUrl }, [ondemand({ machine_id: stack.machineId, endpoint: 'echo' })]);
    flow.node('od').receive({ payload: { input: { n: 1 } } });
    expect((await flow.next('od-out0'))[0]!.payload.status).toBe('ok');
    expect(stack.oidc.endSessions(USER.username)).toBeGreaterThan(0);
    flow.node('od').receive({ payload: { input: { n: 2 } } });
    expect((await flow.next('od-out0'))[0]!.payload).toEqual({ status: 'ok', response: { echo: { n: 2 } } });
    // 401 → token dropped → refresh refused (session ended) → new login → the call again.
    expect(tokens().stats()).toEqual({ logins: 2, refreshes: 0, refreshFailures: 1, invalidations: 1 });
  });

  it('reports bad credentials as an authentication failure, naming the realm’s reason and no secret', async () => {
    flow = await loadFlow({ ...realm, credentials: { username: USER.username, password: `${USER.password}-wrong` } }, [
      ondemand({ machine_id: stack.machineId, endpoint: 'echo' }),
      enqueue({ task_id: stack.taskId }),
    ]);
    flow.node('od').receive({ payload: {} });
    flow.node('eq').receive({ payload: {} });
    const [[call], [run]] = await Promise.all([flow.next('od-out0'), flow.next('eq-out0')]);
    const error = 'Authentication failed: the token endpoint refused the login: invalid_grant (Invalid user credentials)';
    expect(call!.payload).toEqual({ status: 'ko', error });
    expect(run!.payload).toEqual({ status: 'ko', error });
    expect(errorsRaised()).toEqual(expect.arrayContaining([expect.stringContaining(error)]));
    expect(everythingTheNodesSaid()).not.toContain(`${USER.password}-wrong`);
  });

  it('passes on the gateway’s 401 when it refuses the realm’s tokens, after one retry with a new token', async () => {
    // `nodered` is a client of the realm, but not one the gateway accepts (OIDC_AUDIENCES).
    flow = await loadFlow({ ...realm, clientId: 'nodered' }, [
      ondemand({ machine_id: stack.machineId, endpoint: 'echo' }),
      enqueue({ task_id: stack.taskId }),
    ]);
    flow.node('od').receive({ payload: {} });
    const [call] = await flow.next('od-out0');
    expect(call!.payload).toEqual({
      status: 'ko',
      error: 'Unexpected server response: 401',
      details: { error: expect.objectContaining({ code: 'unauthenticated' }), request_id: call!._msgid },
    });
    expect(tokens().stats()).toMatchObject({ invalidations: 1 });
    flow.node('eq').receive({ payload: {} });
    const [run] = await flow.next('eq-out0');
    expect(run!.payload).toEqual({
      status: 'ko',
      error: 'Unexpected server response code: 401',
      response: { error: expect.objectContaining({ code: 'unauthenticated' }), request_id: run!._msgid },
    });
  });

  it('logs in with client credentials, the realm given as Keycloak URL and realm name', async () => {
    const clientRealm: Realm = {
      gatewayUrl: stack.gatewayUrl,
      tokenUrl: '',
      keycloakUrl: `${stack.oidc.url}/auth`,
      realmName: stack.oidc.realmName,
      clientId: 'cleargate-demo',
      grant: 'client_credentials',
      credentials: { clientSecret: CLIENT_SECRET },
    };
    flow = await loadFlow(clientRealm, [ondemand({ machine_id: stack.machineId, endpoint: 'echo' })]);
    flow.node('od').receive({ payload: { input: { via: 'service account' } } });
    expect((await flow.next('od-out0'))[0]!.payload).toEqual({ status: 'ok', response: { echo: { via: 'service account' } } });
    expect(tokens().stats()).toMatchObject({ logins: 1 });
  });

  it('answers every message with the configuration error when the realm is not set', async () => {
    flow = await loadFlow({ ...realm, tokenUrl: '' }, [ondemand({ machine_id: stack.machineId, endpoint: 'echo' })]);
    flow.node('od').receive({ payload: {} });
    const [msg] = await flow.next('od-out0');
    expect(msg!.payload).toEqual({ status: 'ko', error: 'Configuration error: set the token URL, or the Keycloak URL and the realm' });
  });
});

describe('the run long-poll the enqueue node relies on', () => {
  it('ends at once when the run has already left the statuses the caller names (until_not)', async () => {
    const token = await stack.oidc.mint({ username: USER.username }, { ttlSec: 600 });
    const created = await api(stack.gatewayUrl, '/clearml/serve/enqueue_task', { token, body: { task_id: stack.taskId } });
    expect(created.status).toBe(200);
    const run = `/v1/runs/${created.json.run_id}`;
    await waitFor(async () => (await api(stack.gatewayUrl, run, { token })).json.status === 'completed', { timeoutMs: 20_000 });

    // What a poller that last saw `queued` asks: the change already happened, so no waiting.
    let started = Date.now();
    const past = await api(stack.gatewayUrl, `${run}?wait=20&until_not=queued,in_progress`, { token });
    expect(past.json.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(2000);
    // Without it the wait is for a change from the status now, which a finished run never makes.
    started = Date.now();
    expect((await api(stack.gatewayUrl, `${run}?wait=1`, { token })).json.status).toBe('completed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    expect((await api(stack.gatewayUrl, `${run}?wait=1&until_not=finished`, { token })).status).toBe(400);
    const doc = await api(stack.gatewayUrl, '/openapi.json');
    const parameters = doc.json.paths['/v1/runs/{runId}'].get.parameters as { name: string }[];
    expect(parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['wait', 'until_not']));
  });
});
