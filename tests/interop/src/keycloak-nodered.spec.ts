import { randomBytes } from 'node:crypto';
import { type ClearmlPeer, type ServingPeer, startClearmlPeer, startServingPeer } from '@cleargate/peers';
import { api } from '@cleargate/testing';
import { everythingTheNodesSaid, helper, JWT, loadFlow, type LoadedFlow, type Realm } from '@cleargate/testing/node-red';
import { type GatewayStack, startGatewayStack } from './support/gateway-stack';
import { KeycloakRealm, NODERED_CLIENT, USERS } from './support/realm';

// The package's nodes (node-red-contrib-cleargate) in a Node-RED 4 runtime, logging in to the
// real Keycloak as Snap4City's Node-RED blocks do (password grant, public client
// `nodered-iotedge`) and calling through ClearGate's gateways, one checking tokens offline and one
// at Keycloak's userinfo endpoint, to a serving machine and to ClearML. In a copy of the realm,
// in which the flow user has a password of its own (to look for it in everything the nodes and the
// services wrote) and the Node-RED client's access tokens are made short-lived for the renewal.
const shared = KeycloakRealm.fromEnv();
const ACCESS_TOKEN_TTL_SEC = 4;
const TEMPLATE_TASK = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const USER = { username: USERS.Manager, password: `Fl0w-${randomBytes(12).toString('base64url')}` };

let keycloak: Awaited<ReturnType<KeycloakRealm['copy']>>;
let serving: ServingPeer;
let clearml: ClearmlPeer;
let stack: GatewayStack;
let machineId: string;
let taskId: string;
let flow: LoadedFlow | undefined;

beforeAll(async () => {
  [keycloak, serving, clearml] = await Promise.all([
    shared.copy(`snap4city-nodered-${Date.now().toString(36)}`),
    startServingPeer(),
    startClearmlPeer({
      agents: false,
      seed: {
        projects: [{ id: 'p-snap', name: 'Snap4City' }],
        queues: [{ id: 'q-default', name: 'default', default: true }],
        tasks: [
          { id: TEMPLATE_TASK, name: 'traffic_forecast', project: 'p-snap', status: 'completed', hyperparams: { General: { lr: '0.01' } } },
        ],
      },
    }),
  ]);
  await keycloak.setPassword(USER.username, USER.password);
  // No clock tolerance: a token used past its expiry would be refused at once.
  const common = { OIDC_CLOCK_TOLERANCE_SEC: '0', ENQUEUE_COMPAT_WAIT_MS: '10000' };
  stack = await startGatewayStack(
    keycloak,
    { offline: common, userinfo: { ...common, OIDC_VERIFICATION: 'userinfo', OIDC_CACHE_TTL_MS: '0' } },
    { router: true, clearmlApiHost: clearml.url },
  );
  const admin = (await keycloak.passwordGrant(USERS.RootAdmin, { scope: 'openid' })).access_token;
  const gateway = stack.gateways.offline!.url;
  const machine = await api(gateway, '/v1/machines', {
    token: admin,
    body: { name: 'gpu-1', base_url: serving.url, protocol: 'clearml-serving' },
  });
  expect(machine.status).toBe(201);
  machineId = machine.json.machine_id;
  expect((await api(gateway, '/v1/endpoints', { token: admin, body: { machine_id: machineId, name: 'echo' } })).status).toBe(201);
  const task = await api(gateway, '/v1/tasks', { token: admin, body: { clearml_task_id: TEMPLATE_TASK, default_queue: 'default' } });
  expect(task.status).toBe(201);
  taskId = task.json.task_id;
  await helper.startServer();
}, 120_000);

afterAll(async () => {
  await helper.stopServer();
  const logs = stack?.services.flatMap((s) => s.lines).join('\n') ?? '';
  await Promise.all([stack?.close(), serving?.close(), clearml?.close()]);
  await keycloak?.remove();
  // Neither do the services log a token or the password they were handed.
  expect(logs).not.toMatch(JWT);
  expect(logs).not.toContain(USER.password);
});

afterEach(async () => {
  if (!flow) return;
  const said = everythingTheNodesSaid();
  flow = undefined;
  await helper.unload();
  // No access, refresh or ID token (Keycloak's are all JWTs) and no password in any log line, node status or message.
  expect(said).not.toMatch(JWT);
  expect(said).not.toContain(USER.password);
});

const realm = (gateway: 'offline' | 'userinfo', extra: Partial<Realm> = {}): Realm => ({
  gatewayUrl: stack.gateways[gateway]!.url,
  tokenUrl: keycloak.endpoint('token'),
  clientId: NODERED_CLIENT,
  credentials: { ...USER },
  ...extra,
});
const tokens = () => flow!.node('cfg').tokens as { stats(): Record<string, number> };

describe(`the Node-RED nodes with Keycloak ${shared.info.version}`, () => {
  it.each(['offline', 'userinfo'] as const)(
    'log in as nodered-iotedge, call a model through the gateway and start a run (gateway checking tokens %s)',
    async (mode) => {
      flow = await loadFlow(realm(mode), [
        { id: 'od', type: 'cleargate-ondemand', machine_id: machineId, endpoint: 'echo' },
        { id: 'eq', type: 'cleargate-enqueue', task_id: taskId },
      ]);
      flow.node('od').receive({ payload: { input: { mode } } });
      flow.node('eq').receive({ payload: { input: { lr: 0.5 } } });
      const [[call], [run]] = await Promise.all([flow.next('od-out0'), flow.next('eq-out0')]);
      expect(call!.payload).toEqual({ status: 'ok', response: { echo: { mode } } });
      expect(run!.payload).toEqual({
        status: 'ok',
        response: { status: 'queued', task_id: expect.stringMatching(/^[0-9a-f]{32}$/), run_id: expect.any(String), queue: 'default' },
      });
      const clone = clearml.store.tasks.get(run!.payload.response.task_id);
      expect(clone?.hyperparams?.General?.lr?.value).toBe('0.5');
      // One login for both nodes, the default scope `openid` that userinfo mode needs.
      expect(tokens().stats()).toEqual({ logins: 1, refreshes: 0, refreshFailures: 0, invalidations: 0 });
      // The run is the Keycloak user's: its owner reads it with a token of their own.
      const own = (await keycloak.passwordGrant(USER.username, { password: USER.password, scope: 'openid' })).access_token;
      const seen = await api(stack.gateways[mode]!.url, `/v1/runs/${run!.payload.response.run_id}`, { token: own });
      expect(seen.status).toBe(200);
    },
  );

  it('renews the token with Keycloak’s refresh token before it expires (gateway checking tokens at userinfo)', async () => {
    // The client's own access-token lifespan (Advanced → "Access Token Lifespan"), from here on.
    await keycloak.setClientAttribute(NODERED_CLIENT, 'access.token.lifespan', String(ACCESS_TOKEN_TTL_SEC));
    flow = await loadFlow(realm('userinfo'), [{ id: 'od', type: 'cleargate-ondemand', machine_id: machineId, endpoint: 'echo' }]);
    flow.node('od').receive({ payload: { input: { n: 1 } } });
    expect((await flow.next('od-out0'))[0]!.payload.status).toBe('ok');
    // Past three quarters of the lifespan the node renews before using the token again; Keycloak
    // answers the refresh token grant, and the gateway has Keycloak check the renewed token.
    await new Promise((r) => setTimeout(r, ACCESS_TOKEN_TTL_SEC * 750 + 200));
    flow.node('od').receive({ payload: { input: { n: 2 } } });
    expect((await flow.next('od-out0'))[0]!.payload).toEqual({ status: 'ok', response: { echo: { n: 2 } } });
    // Renewed before it expired: not after a refusal (no invalidation), and without a new login.
    expect(tokens().stats()).toEqual({ logins: 1, refreshes: 1, refreshFailures: 0, invalidations: 0 });
  });

  it('without the openid scope (what Snap4City’s own blocks ask for) are refused by a userinfo-mode gateway naming the scope', async () => {
    flow = await loadFlow(realm('userinfo', { scope: '' }), [
      { id: 'od', type: 'cleargate-ondemand', machine_id: machineId, endpoint: 'echo' },
    ]);
    flow.node('od').receive({ payload: {} });
    const [msg] = await flow.next('od-out0');
    expect(msg!.payload).toEqual({
      status: 'ko',
      error: 'Unexpected server response: 401',
      details: {
        error: expect.objectContaining({ code: 'unauthenticated', message: expect.stringContaining('openid scope') }),
        request_id: msg!._msgid,
      },
    });
  });
});
