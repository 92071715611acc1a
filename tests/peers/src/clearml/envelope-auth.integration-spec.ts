import { request } from 'undici';
import { ClearmlPeer, startClearmlPeer } from './index';
import { PeerClient } from './testing';

describe('ClearML peer: wire format and authentication', () => {
  let peer: ClearmlPeer;
  let api: PeerClient;

  beforeAll(async () => {
    peer = await startClearmlPeer({
      agents: false,
      seed: {
        projects: [{ name: 'Snap4City' }],
        queues: [{ name: 'default', default: true }],
        tasks: [{ id: 'a'.repeat(32), name: 'template task' }],
      },
    });
    api = new PeerClient(peer.url);
    await api.login();
  });
  afterAll(() => peer.close());

  it('answers with the real envelope and HTTP status = result_code', async () => {
    const res = await api.call('tasks.get_by_id', { task: 'a'.repeat(32) }, { headers: { 'x-clearml-trx': 'trx-1' } });
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      trx: 'trx-1',
      endpoint: { name: 'tasks.get_by_id', requested_version: '2.31', actual_version: '1.0' },
      result_code: 200,
      result_subcode: 0,
      result_msg: 'OK',
      error_stack: null,
      error_data: {},
    });
    expect(res.body.data.task).toMatchObject({ id: 'a'.repeat(32), name: 'template task', status: 'created', type: 'training' });
    expect(res.body.data.task.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    expect(res.body.data.task).not.toHaveProperty('enqueue_status');
  });

  it('uses the /vX.Y/ prefix to select the version and reports it', async () => {
    const res = await api.call('events.get_task_log', { task: 'a'.repeat(32) }, { version: '2.23' });
    expect(res.body.meta.endpoint).toEqual({ name: 'events.get_task_log', requested_version: '2.23', actual_version: '2.9' });
    const older = await api.call('events.get_task_log', { task: 'a'.repeat(32) }, { version: '2.5' });
    expect(older.status).toBe(404);
    expect(older.body.meta.result_msg).toBe('Unable to find endpoint for name events.get_task_log and version 2.5');
  });

  it('accepts GET with a JSON body, any Content-Type, and query-string data', async () => {
    const get = await api.call('tasks.get_by_id', { task: 'a'.repeat(32) }, { method: 'GET', headers: { 'content-type': 'text/plain' } });
    expect(get.status).toBe(200);
    const query = await api.call('tasks.get_by_id', undefined, { method: 'GET', query: `task=${'a'.repeat(32)}` });
    expect(query.status).toBe(200);
    expect(query.body.data.task.id).toBe('a'.repeat(32));
  });

  it('returns the server errors for bad paths, unknown endpoints and bad bodies', async () => {
    const root = await request(`${peer.url}/`);
    expect(root.statusCode).toBe(400);
    const rootBody = (await root.body.json()) as { meta: { result_msg: string; endpoint: { name: string } } };
    expect(rootBody.meta.result_msg).toBe('Invalid request path /');
    expect(rootBody.meta.endpoint.name).toBe('');

    const unknown = await api.call('tasks.frobnicate', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.meta).toMatchObject({
      result_code: 404,
      result_subcode: 0,
      result_msg: 'Unable to find endpoint for name tasks.frobnicate and version 2.31',
    });

    const badJson = await api.call('tasks.get_by_id', undefined, { rawBody: '{"task": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.meta.result_msg).toMatch(/^Failed to decode JSON object/);

    const notDict = await api.call('tasks.get_by_id', undefined, { rawBody: '["x"]' });
    expect(notDict.status).toBe(500);
    expect(notDict.body.meta.result_msg).toBe('Data should be a dict');
  });

  it('reports validation and not-found errors with the errors.conf codes', async () => {
    const missing = await api.call('tasks.get_by_id', {});
    expect(missing.status).toBe(400);
    expect(missing.body.meta).toMatchObject({
      result_subcode: 12,
      result_msg: "Validation error (error for field 'task'. field is required!)",
    });

    const wrongType = await api.call('tasks.get_by_id', { task: 5 });
    expect(wrongType.body.meta.result_subcode).toBe(12);

    const notFound = await api.call('tasks.get_by_id', { task: 'nope' });
    expect(notFound.status).toBe(400);
    expect(notFound.body.meta).toMatchObject({
      result_subcode: 101,
      result_msg: 'Invalid task id: ids=(nope)',
      error_data: { ids: ['nope'] },
    });
  });

  it('pings without credentials but requires them elsewhere', async () => {
    const ping = await api.call('debug.ping', {}, { anonymous: true });
    expect(ping.status).toBe(200);
    expect(ping.body.data).toEqual({ msg: 'ClearML server' });
    // the request's data is echoed, over the server's name
    const echo = await api.call('debug.ping', { probe: 7, msg: 'hello' }, { anonymous: true });
    expect(echo.body.data).toEqual({ msg: 'hello', probe: 7 });

    const none = await api.call('tasks.get_all', {}, { anonymous: true });
    expect(none.status).toBe(401);
    expect(none.body.meta).toMatchObject({ result_subcode: 20, result_msg: 'Unauthorized (missing credentials)' });

    const badKey = await api.call(
      'auth.login',
      {},
      { headers: { authorization: PeerClient.basic('cleargate-access', 'wrong') }, anonymous: true },
    );
    expect(badKey.status).toBe(401);
    expect(badKey.body.meta).toMatchObject({
      result_subcode: 22,
      result_msg: 'Unauthorized (invalid credentials) (failed to locate provided credentials)',
    });

    const badType = await api.call('tasks.get_all', {}, { headers: { authorization: 'Token abc' } });
    expect(badType.body.meta).toMatchObject({ result_code: 401, result_subcode: 10 });

    const malformed = await api.call('tasks.get_all', {}, { headers: { authorization: 'Basic abc' } });
    expect(malformed.body.meta).toMatchObject({ result_code: 401, result_subcode: 21 });

    const garbage = await api.call('tasks.get_all', {}, { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(garbage.body.meta).toMatchObject({
      result_code: 401,
      result_subcode: 30,
      result_msg: 'Invalid token (invalid jwt token): reason=Not enough segments',
    });

    // Basic credentials are accepted by every endpoint, as on the real server
    const basic = await api.call(
      'tasks.get_all',
      {},
      { headers: { authorization: PeerClient.basic('cleargate-access', 'cleargate-secret') } },
    );
    expect(basic.status).toBe(200);
  });

  it('issues a JWT carrying identity, api_version and exp, and sets the session cookie', async () => {
    const res = await api.call(
      'auth.login',
      { expiration_sec: 120 },
      { headers: { authorization: PeerClient.basic('cleargate-access', 'cleargate-secret') }, anonymous: true },
    );
    const token = res.body.data.token as string;
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      identity: { user: 'cleargate-user', user_name: 'ClearGate', company: expect.any(String), role: 'user' },
      api_version: '2.31',
      feature_set: 'basic',
    });
    expect(payload.exp - payload.iat).toBe(120);
    expect(String(res.headers['set-cookie'])).toContain(`clearml_token_basic=${token}`);

    const viaCookie = await api.call('tasks.get_all', {}, { anonymous: true, headers: { cookie: `clearml_token_basic=${token}` } });
    expect(viaCookie.status).toBe(200);
  });

  it('reports server info per API version', async () => {
    const info = await api.ok('server.info', {});
    expect(info).toEqual({ version: '2.0.0', build: expect.any(String), commit: expect.any(String), api_version: '2.31' });
    const old = await api.ok('server.info', {}, { version: '2.8' });
    expect(old).toHaveProperty('uid');
    expect(old).not.toHaveProperty('api_version');
  });

  it('rejects revoked tokens until the client logs in again', async () => {
    const client = new PeerClient(peer.url);
    await client.login();
    expect((await client.call('tasks.get_all', {})).status).toBe(200);
    peer.control.revokeTokens();
    const rejected = await client.call('tasks.get_all', {});
    expect(rejected.status).toBe(401);
    expect(rejected.body.meta).toMatchObject({ result_subcode: 30, error_data: { reason: 'Signature verification failed' } });
    await client.login();
    expect((await client.call('tasks.get_all', {})).status).toBe(200);
    await api.login();
  });

  it('expires tokens after tokenTtlSec', async () => {
    const short = await startClearmlPeer({ agents: false, tokenTtlSec: 1 });
    try {
      const client = new PeerClient(short.url);
      await client.login();
      expect((await client.call('tasks.get_all', {})).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const expired = await client.call('tasks.get_all', {});
      expect(expired.status).toBe(401);
      expect(expired.body.meta).toMatchObject({
        result_subcode: 30,
        result_msg: 'Invalid token (invalid jwt token): reason=Signature has expired',
      });
    } finally {
      await short.close();
    }
  });

  it('compresses large responses for clients that accept gzip', async () => {
    const res = await request(`${peer.url}/tasks.get_all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'accept-encoding': 'gzip' },
      body: '{}',
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    await res.body.arrayBuffer();
  });
});
