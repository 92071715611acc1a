import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import pino from 'pino';
import { ClearmlClient, ClearmlClientOptions } from './client';
import { ClearmlApiError, ClearmlNetworkError, ClearmlResponseError, ClearmlTimeoutError } from './errors';
import type { ClearmlCallEvent, ClearmlLogger } from './transport';

const ACCESS_KEY = 'AKTESTACCESSKEY0001';
const SECRET_KEY = 'sk-very-secret-value-0001';
const BASIC = `Basic ${Buffer.from(`${ACCESS_KEY}:${SECRET_KEY}`).toString('base64')}`;

interface Recorded {
  endpoint: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
  atMs: number;
}

type Handler = (req: Recorded, res: ServerResponse) => void;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const makeJwt = (payload: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.signature`;

function reply(res: ServerResponse, code: number, subcode: number, msg: string, data: unknown = {}): void {
  const body = JSON.stringify({
    meta: {
      id: 'call-id',
      trx: 'call-id',
      endpoint: { name: 'x', requested_version: '2.23', actual_version: '2.1' },
      result_code: code,
      result_subcode: subcode,
      result_msg: msg,
      error_stack: null,
      error_data: {},
    },
    data,
  });
  res.writeHead(code, { 'content-type': 'application/json' }).end(body);
}

const ok = (res: ServerResponse, data: unknown) => reply(res, 200, 0, 'OK', data);

/**
 * A scripted API server: per endpoint, one-shot handlers run first (in order), then the
 * standing handler. `auth.login` issues a fresh one-hour JWT per login unless scripted.
 */
class ScriptedServer {
  readonly requests: Recorded[] = [];
  readonly tokens: string[] = [];
  readonly #standing = new Map<string, Handler>();
  readonly #once = new Map<string, Handler[]>();
  readonly #held: ServerResponse[] = [];
  #server: Server | undefined;
  port = 0;

  constructor() {
    this.on('auth.login', (req, res) => {
      if (req.authorization !== BASIC) return reply(res, 401, 22, 'Unauthorized (invalid credentials)');
      const iat = Math.floor(Date.now() / 1000);
      const token = makeJwt({ identity: { user: 'u' }, iat, exp: iat + 3600, n: this.tokens.length + 1 });
      this.tokens.push(token);
      ok(res, { token });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  on(endpoint: string, handler: Handler): this {
    this.#standing.set(endpoint, handler);
    return this;
  }

  once(endpoint: string, handler: Handler): this {
    const queue = this.#once.get(endpoint) ?? [];
    queue.push(handler);
    this.#once.set(endpoint, queue);
    return this;
  }

  /** Never answers (until the server stops). */
  hold(res: ServerResponse): void {
    this.#held.push(res);
  }

  count(endpoint: string): number {
    return this.requests.filter((r) => r.endpoint === endpoint).length;
  }

  of(endpoint: string): Recorded[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#held.splice(0)) res.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const endpoint = path.split('/').filter(Boolean).pop() ?? '';
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        endpoint,
        path,
        authorization: req.headers.authorization,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        atMs: Date.now(),
      };
      this.requests.push(recorded);
      if (req.method !== 'POST') return reply(res, 400, 0, `unexpected method ${req.method}`);
      const handler = this.#once.get(endpoint)?.shift() ?? this.#standing.get(endpoint);
      if (!handler) return reply(res, 400, 1, `endpoint not scripted: ${endpoint}`);
      handler(recorded, res);
    });
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('ClearmlClient against a scripted server', () => {
  let server: ScriptedServer;
  const clients: ClearmlClient[] = [];

  const client = (overrides: Partial<ClearmlClientOptions> = {}) => {
    const c = new ClearmlClient({
      apiHost: server.url,
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      timeoutMs: 2_000,
      retry: { maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 200 },
      ...overrides,
    });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = await new ScriptedServer().start();
    server.on('tasks.get_by_id', (req, res) => ok(res, { task: { id: req.body['task'], status: 'created' } }));
  });

  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await server.stop();
  });

  describe('authentication', () => {
    it('logs in with HTTP Basic and an empty body, then reuses the bearer token', async () => {
      const c = client();
      const task = await c.tasks.getById('t1');
      await c.tasks.getById('t2');

      expect(task).toEqual({ id: 't1', status: 'created' });
      expect(server.of('auth.login')).toEqual([expect.objectContaining({ authorization: BASIC, body: {} })]);
      expect(server.of('tasks.get_by_id').map((r) => r.authorization)).toEqual([
        `Bearer ${server.tokens[0]}`,
        `Bearer ${server.tokens[0]}`,
      ]);
      expect(server.of('tasks.get_by_id').map((r) => r.body)).toEqual([{ task: 't1' }, { task: 't2' }]);
    });

    it('surfaces bad credentials as invalid_credentials without retrying', async () => {
      const c = client({ secretKey: 'wrong' });
      const err = await rejection(c.tasks.getById('t1'));
      expect(err).toBeInstanceOf(ClearmlApiError);
      expect(err).toMatchObject({ name: 'invalid_credentials', httpStatus: 401, subcode: 22, endpoint: 'auth.login' });
      expect(server.count('auth.login')).toBe(1);
      expect(server.count('tasks.get_by_id')).toBe(0);
    });

    it('logs in again before the token expires', async () => {
      let nowMs = Date.now();
      const c = client({ tokenRefreshMarginSec: 300, now: () => nowMs });
      await c.tasks.getById('t1');
      nowMs += 3_000_000; // 50 min: still before exp - margin
      await c.tasks.getById('t2');
      expect(server.count('auth.login')).toBe(1);
      nowMs += 600_000; // 60 min: within the margin
      await c.tasks.getById('t3');
      expect(server.count('auth.login')).toBe(2);
      expect(server.of('tasks.get_by_id')[2]!.authorization).toBe(`Bearer ${server.tokens[1]}`);
    });

    it('on a 401 logs in once more and repeats the request once', async () => {
      server.on('tasks.get_by_id', (req, res) =>
        req.authorization === `Bearer ${server.tokens[0]}` ? reply(res, 401, 30, 'Invalid token') : ok(res, { task: { id: 't1' } }),
      );
      const c = client();
      await expect(c.tasks.getById('t1')).resolves.toEqual({ id: 't1' });
      expect(server.count('auth.login')).toBe(2);
      expect(server.of('tasks.get_by_id').map((r) => r.authorization)).toEqual([
        `Bearer ${server.tokens[0]}`,
        `Bearer ${server.tokens[1]}`,
      ]);
    });

    it('refreshes after a 401 for writes too, but only once', async () => {
      server.on('tasks.enqueue', (_req, res) => reply(res, 401, 1, 'Unauthorized (not authorized for endpoint)'));
      const c = client();
      const err = await rejection(c.tasks.enqueue({ task: 't1', queue_name: 'default' }));
      expect(err).toMatchObject({ name: 'not_authorized', httpStatus: 401 });
      expect(server.count('auth.login')).toBe(2);
      expect(server.count('tasks.enqueue')).toBe(2);
    });

    it('shares one login between concurrent callers', async () => {
      server.on('auth.login', (_req, res) => {
        setTimeout(() => {
          const iat = Math.floor(Date.now() / 1000);
          const token = makeJwt({ iat, exp: iat + 3600 });
          server.tokens.push(token);
          ok(res, { token });
        }, 100);
      });
      const c = client();
      const tasks = await Promise.all(Array.from({ length: 10 }, (_, i) => c.tasks.getById(`t${i}`)));
      expect(tasks.map((t) => t.id)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`));
      expect(server.count('auth.login')).toBe(1);
      expect(new Set(server.of('tasks.get_by_id').map((r) => r.authorization))).toEqual(new Set([`Bearer ${server.tokens[0]}`]));
    });

    it('pings without credentials', async () => {
      server.on('debug.ping', (_req, res) => ok(res, { msg: 'ClearML server' }));
      await expect(client().debug.ping()).resolves.toEqual({ msg: 'ClearML server' });
      expect(server.count('auth.login')).toBe(0);
      expect(server.of('debug.ping')[0]!.authorization).toBeUndefined();
    });
  });

  describe('errors', () => {
    it('maps the envelope of a failed call to a typed, non-retried error', async () => {
      server.on('tasks.get_by_id', (_req, res) => reply(res, 400, 101, 'Invalid task id: id=nope'));
      const err = await rejection(client().tasks.getById('nope'));
      expect(err).toBeInstanceOf(ClearmlApiError);
      expect(err).toMatchObject({
        name: 'invalid_task_id',
        httpStatus: 400,
        code: 400,
        subcode: 101,
        message: 'Invalid task id: id=nope',
        endpoint: 'tasks.get_by_id',
        callId: 'call-id',
      });
      expect(server.count('tasks.get_by_id')).toBe(1);
    });

    it.each([
      [706, 'task_already_queued'],
      [707, 'no_default_queue'],
      [110, 'invalid_task_status'],
      [701, 'invalid_queue_id'],
    ])('names enqueue failure 400/%i %s', async (subcode, name) => {
      server.on('tasks.enqueue', (_req, res) => reply(res, 400, subcode, 'failed'));
      await expect(client().tasks.enqueue({ task: 't1', queue: 'q1' })).rejects.toMatchObject({ name, subcode });
      expect(server.count('tasks.enqueue')).toBe(1);
    });

    it('rejects a response that lacks what the product reads', async () => {
      server.on('tasks.get_by_id', (_req, res) => ok(res, { task: { name: 'no id' } }));
      const err = await rejection(client().tasks.getById('t1'));
      expect(err).toBeInstanceOf(ClearmlResponseError);
      expect((err as Error).message).toContain('task.id');
    });

    it('refuses queue together with queue_name before sending anything', async () => {
      const request = { task: 't1', queue: 'q1', queue_name: 'default' } as unknown as { task: string; queue: string };
      await expect(client().tasks.enqueue(request)).rejects.toThrow(TypeError);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('retries', () => {
    it('retries a read on 503 with backoff until it succeeds', async () => {
      const events: ClearmlCallEvent[] = [];
      server
        .once('tasks.get_all', (_req, res) => reply(res, 503, 0, 'Service unavailable'))
        .once('tasks.get_all', (_req, res) => res.writeHead(503).end('<html>maintenance</html>'))
        .on('tasks.get_all', (_req, res) => ok(res, { tasks: [{ id: 'a' }] }));
      const c = client({ onCall: (e) => events.push(e) });
      await expect(c.tasks.getAll({ status: ['failed'] })).resolves.toEqual({ tasks: [{ id: 'a' }] });

      const calls = server.of('tasks.get_all');
      expect(calls).toHaveLength(3);
      // Half-jitter backoff: the n-th delay is at least base * 2^(n-1) / 2.
      expect(calls[1]!.atMs - calls[0]!.atMs).toBeGreaterThanOrEqual(18);
      expect(calls[2]!.atMs - calls[1]!.atMs).toBeGreaterThanOrEqual(38);
      expect(events.filter((e) => e.endpoint === 'tasks.get_all').map((e) => [e.outcome, e.httpStatus])).toEqual([
        ['api_error', 503],
        ['api_error', 503],
        ['ok', 200],
      ]);
    });

    it('gives up on a read after maxAttempts', async () => {
      server.on('tasks.get_all', (_req, res) => reply(res, 500, 1, 'Internal server error'));
      const err = await rejection(client({ retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 } }).tasks.getAll());
      expect(err).toMatchObject({ name: 'internal_error' });
      expect(server.count('tasks.get_all')).toBe(3);
    });

    it('retries a read while the connection is refused, until the server is up', async () => {
      const port = await freePort();
      await server.stop();
      server = new ScriptedServer();
      server.on('queues.get_all', (_req, res) => ok(res, { queues: [{ id: 'q1', name: 'default' }] }));
      const events: ClearmlCallEvent[] = [];
      const c = client({
        apiHost: `http://127.0.0.1:${port}`,
        retry: { maxAttempts: 10, baseDelayMs: 40, maxDelayMs: 80 },
        onCall: (e) => events.push(e),
      });
      const pending = c.queues.getAll({ name: '^default$' });
      await sleep(150);
      await server.start(port);

      await expect(pending).resolves.toEqual({ queues: [{ id: 'q1', name: 'default' }] });
      expect(events[0]).toMatchObject({ endpoint: 'auth.login', outcome: 'network_error' });
      expect(events.at(-1)).toMatchObject({ endpoint: 'queues.get_all', outcome: 'ok' });
      expect(server.count('queues.get_all')).toBe(1);
    });

    it('does not retry a write that timed out: exactly one request reached the server', async () => {
      server.on('tasks.enqueue', (_req, res) => server.hold(res));
      const c = client({ timeoutMs: 200 });
      await c.tasks.getById('warm-up');

      const err = await rejection(c.tasks.enqueue({ task: 't1', queue: 'q1' }));
      expect(err).toBeInstanceOf(ClearmlTimeoutError);
      await sleep(300);
      expect(server.count('tasks.enqueue')).toBe(1);
    });

    it('does not retry a write whose connection was reset after sending', async () => {
      server.on('tasks.clone', (_req, res) => res.socket?.destroy());
      const c = client();
      const err = await rejection(c.tasks.clone({ task: 't1', new_task_name: 'copy' }));
      expect(err).toBeInstanceOf(ClearmlNetworkError);
      expect(err).toMatchObject({ kind: 'reset', endpoint: 'tasks.clone' });
      await sleep(200);
      expect(server.count('tasks.clone')).toBe(1);
    });

    it('does retry a read whose connection was reset', async () => {
      server.once('tasks.get_by_id', (_req, res) => res.socket?.destroy());
      await expect(client().tasks.getById('t1')).resolves.toMatchObject({ id: 't1' });
      expect(server.count('tasks.get_by_id')).toBe(2);
    });

    it('does not retry a write on a 502 or a 500 (the server may have applied it)', async () => {
      server.once('tasks.edit', (_req, res) => res.writeHead(502).end('bad gateway'));
      server.once('tasks.stop', (_req, res) => reply(res, 500, 1, 'Internal server error'));
      const c = client();
      await expect(c.tasks.edit({ task: 't1', force: true })).rejects.toMatchObject({ name: 'bad_gateway' });
      await expect(c.tasks.stop({ task: 't1' })).rejects.toMatchObject({ name: 'internal_error' });
      expect(server.count('tasks.edit')).toBe(1);
      expect(server.count('tasks.stop')).toBe(1);
    });

    it('retries a write on 503', async () => {
      server
        .once('tasks.enqueue', (_req, res) => reply(res, 503, 0, 'Service unavailable (maintenance)'))
        .on('tasks.enqueue', (_req, res) => ok(res, { updated: 1, queued: 1, fields: { status: 'queued', 'execution.queue': 'q1' } }));
      const result = await client().tasks.enqueue({ task: 't1', queue: 'q1', status_reason: 'by gateway' });
      expect(result).toMatchObject({ updated: 1, queued: 1 });
      expect(server.of('tasks.enqueue').map((r) => r.body)).toEqual([
        { task: 't1', queue: 'q1', status_reason: 'by gateway' },
        { task: 't1', queue: 'q1', status_reason: 'by gateway' },
      ]);
    });

    it('retries a write when the connection is refused (the request never left)', async () => {
      server.on('tasks.clone', (_req, res) => ok(res, { id: 'new-task' }));
      const c = client({ retry: { maxAttempts: 10, baseDelayMs: 40, maxDelayMs: 80 } });
      await c.tasks.getById('warm-up'); // token cached: the next failure is the clone itself
      const port = server.port;
      await server.stop();
      await sleep(50);

      const pending = c.tasks.clone({ task: 't1' });
      await sleep(150);
      await server.start(port);
      await expect(pending).resolves.toEqual({ id: 'new-task' });
      expect(server.count('tasks.clone')).toBe(1);
    });
  });

  describe('transport', () => {
    it('honours the timeout', async () => {
      server.on('tasks.get_all', (_req, res) => server.hold(res));
      const events: ClearmlCallEvent[] = [];
      const c = client({ timeoutMs: 250, retry: { maxAttempts: 1 }, onCall: (e) => events.push(e) });
      await c.tasks.getById('warm-up');
      const started = Date.now();
      const err = await rejection(c.tasks.getAll());
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ClearmlTimeoutError);
      expect(elapsed).toBeGreaterThanOrEqual(240);
      expect(elapsed).toBeLessThan(1_000);
      expect(events.at(-1)).toMatchObject({ endpoint: 'tasks.get_all', outcome: 'timeout' });
      expect(events.at(-1)!.httpStatus).toBeUndefined();
    });

    it('prefixes every path with the API version and keeps a base path', async () => {
      server.on('server.info', (_req, res) => ok(res, { version: '2.0.0', api_version: '2.31' }));
      const c = client({ apiHost: `${server.url}/api/`, apiVersion: '2.23' });
      await expect(c.server.info()).resolves.toMatchObject({ api_version: '2.31' });
      expect(server.requests.map((r) => r.path)).toEqual(['/api/v2.23/auth.login', '/api/v2.23/server.info']);
    });

    it('uses no prefix without an API version', async () => {
      await client().tasks.getById('t1');
      expect(server.requests.map((r) => r.path)).toEqual(['/auth.login', '/tasks.get_by_id']);
    });

    it('fails fast, without retrying, once closed', async () => {
      const c = client();
      await c.tasks.getById('t1');
      await c.close();
      const err = await rejection(c.tasks.getById('t2'));
      expect(err).toMatchObject({ name: 'ClearmlNetworkError', kind: 'client_closed' });
      expect(server.count('tasks.get_by_id')).toBe(1);
    });

    it('rejects a malformed API version', () => {
      expect(() => client({ apiVersion: 'v2' })).toThrow(TypeError);
    });
  });

  describe('paging', () => {
    it('iterates all pages in order and stops on a short page', async () => {
      const all = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
      server.on('tasks.get_all', (req, res) => {
        const page = req.body['page'] as number;
        const size = req.body['page_size'] as number;
        ok(res, { tasks: all.slice(page * size, (page + 1) * size) });
      });
      const seen: string[] = [];
      for await (const task of client().tasks.iterateAll({ status: ['failed'] }, { pageSize: 2 })) seen.push(task.id);

      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(server.of('tasks.get_all').map((r) => r.body)).toEqual([
        { status: ['failed'], order_by: ['id'], page: 0, page_size: 2 },
        { status: ['failed'], order_by: ['id'], page: 1, page_size: 2 },
        { status: ['failed'], order_by: ['id'], page: 2, page_size: 2 },
      ]);
    });

    it('caps the page size at the server maximum of 500', async () => {
      server.on('tasks.get_all', (_req, res) => ok(res, { tasks: [] }));
      const iterator = client().tasks.iterateAll({ order_by: ['-last_update'] }, { pageSize: 1000 });
      expect((await iterator.next()).done).toBe(true);
      expect(server.of('tasks.get_all')[0]!.body).toMatchObject({ page_size: 500, order_by: ['-last_update'] });
    });
  });

  describe('secrets', () => {
    it('never logs keys or tokens, nor exposes them on the client', async () => {
      const logged: unknown[] = [];
      const record =
        (level: string) =>
        (obj: Record<string, unknown>, msg: string): void => {
          logged.push({ level, obj, msg });
        };
      const logger: ClearmlLogger = {
        debug: record('debug'),
        info: record('info'),
        warn: record('warn'),
        error: record('error'),
      };
      const events: ClearmlCallEvent[] = [];
      server
        .once('tasks.get_by_id', (_req, res) => reply(res, 401, 30, 'Invalid token'))
        .once('tasks.get_all', (_req, res) => reply(res, 503, 0, 'Service unavailable'))
        .on('tasks.get_all', (_req, res) => ok(res, { tasks: [] }))
        .on('tasks.stop', (_req, res) => reply(res, 400, 110, 'Invalid task status'));
      const c = client({ logger, onCall: (e) => events.push(e) });

      await c.tasks.getById('t1');
      await c.tasks.getAll();
      const err = await rejection(c.tasks.stop({ task: 't1' }));

      expect(server.tokens.length).toBeGreaterThanOrEqual(2);
      expect(logged.length).toBeGreaterThan(5);
      const levels = new Set(logged.map((l) => (l as { level: string }).level));
      expect(levels).toEqual(new Set(['debug', 'info', 'warn']));
      const exposed = [
        JSON.stringify(logged),
        JSON.stringify(events),
        JSON.stringify(err),
        inspect(err, { depth: 5 }),
        String((err as Error).stack),
        JSON.stringify(c),
        inspect(c, { depth: 5, showHidden: true }),
      ].join('\n');
      for (const secret of [ACCESS_KEY, SECRET_KEY, BASIC.slice('Basic '.length), ...server.tokens]) {
        expect(exposed).not.toContain(secret);
      }
    });

    it('accepts a pino logger', async () => {
      const c = client({ logger: pino({ level: 'silent' }) });
      await expect(c.tasks.getById('t1')).resolves.toMatchObject({ id: 't1' });
    });
  });
});
