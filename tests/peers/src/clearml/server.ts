/**
 * HTTP front of the peer, reproducing the API server's request handling
 * (server_init/request_handlers.py, service_repo/service_repo.py, service_repo/apicall.py):
 * any method, JSON body parsed whatever the Content-Type, query-string fallback, /vX.Y/ prefix,
 * envelope with HTTP status = result_code, Basic or Bearer (or cookie) authorization.
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { closeServer, listen } from '../process';
import { AgentPool } from './agents';
import { ServerClock } from './clock';
import { CallContext, EndpointDef, PeerEnv, versionCmp, versionTuple } from './context';
import { AppendLogOptions, FailSpec, PeerControl, PeerFailure, ResetSpec } from './control';
import { ApiError, ERR, apiError } from './errors';
import { JwtError, TokenSigner } from './jwt';
import { OTHER_ENDPOINTS } from './services';
import { Identity, PeerStore, newId, toWire } from './store';
import { TASK_ENDPOINTS, taskToWire } from './tasks-service';
import { ClearmlPeerOptions, Doc, Seed, TaskStatus } from './types';
import { Req } from './validate';
import type { MachineStats } from './worker-stats';

const ENDPOINT_RE = /^\/?(v(\d+\.?\d+)\/)?([a-zA-Z_]\w+\.[a-zA-Z_]\w+)\/?$/;
const COOKIE_NAME = 'clearml_token_basic';

const REGISTRY = new Map<string, EndpointDef[]>();
for (const def of [...TASK_ENDPOINTS, ...OTHER_ENDPOINTS]) {
  const list = REGISTRY.get(def.name) ?? [];
  list.push(def);
  list.sort((a, b) => versionCmp(versionTuple(b.minVersion), versionTuple(a.minVersion)));
  REGISTRY.set(def.name, list);
}
const WRITE_ENDPOINTS = new Set(
  [...REGISTRY.values()]
    .flat()
    .filter((d) => d.write)
    .map((d) => d.name),
);

/** Endpoints implemented by the peer. */
export const ENDPOINT_NAMES = [...REGISTRY.keys()].sort();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A version as the envelope carries it (a float before 2.1), as text: "1.0", "2.23". */
const versionText = (v: string | number): string => (typeof v === 'number' ? v.toFixed(1) : v);

/** Python truthiness of a parsed JSON value. */
const truthy = (v: unknown): boolean =>
  !(
    v === null ||
    v === undefined ||
    v === false ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && !v.length) ||
    (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v as Doc).length)
  );

/** request_handlers._update_call_data: form/query args with "1" -> 1, "1.5" -> 1.5, "true" -> True; dotted keys nest. */
function queryData(params: URLSearchParams): Doc {
  const out: Doc = {};
  const convert = (v: string): unknown => {
    if (/^\d*\.?\d*$/.test(v) && /\d/.test(v)) return v.includes('.') ? Number(v) : parseInt(v, 10);
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
    return v;
  };
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key).map(convert);
    const value = values.length > 1 ? values : values[0];
    const parts = key.split('.');
    let cur = out;
    for (const p of parts.slice(0, -1)) {
      if (!cur[p] || typeof cur[p] !== 'object') cur[p] = {};
      cur = cur[p] as Doc;
    }
    cur[parts[parts.length - 1]] = value;
  }
  return out;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export class ClearmlPeer {
  readonly store: PeerStore;
  readonly control: PeerControl;
  readonly env: PeerEnv;
  readonly host: string;
  port: number;
  private server?: Server;
  private readonly agents?: AgentPool;
  private readonly compress: boolean;
  private closed = false;

  constructor(options: ClearmlPeerOptions = {}) {
    const clock = new ServerClock(options.clockSkewMs ?? 0);
    this.store = new PeerStore(clock);
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.compress = options.compress ?? true;
    const credentials = options.credentials ?? [
      { accessKey: 'cleargate-access', secretKey: 'cleargate-secret', userId: 'cleargate-user', userName: 'ClearGate' },
    ];
    for (const c of credentials) this.store.addCredential(c);
    if (options.seed) this.store.seed(options.seed);
    const signer = new TokenSigner();
    this.env = {
      signer,
      apiVersion: options.apiVersion ?? '2.31',
      serverVersion: options.serverVersion ?? '2.0.0',
      serverBuild: '613',
      serverCommit: 'a7f6c2e',
      serverUid: randomBytes(16).toString('hex'),
      defaultTokenTtlSec: options.tokenTtlSec ?? 2_592_000,
      webHost: options.webHost ?? 'http://localhost:8080',
    };
    if (options.agents !== false) this.agents = new AgentPool(this.store, options.agents ?? {});
    this.control = new PeerControl(this.store, signer, this.agents, options.latencyMs ?? 0, (e) => WRITE_ENDPOINTS.has(e));
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get webHost(): string {
    return this.env.webHost;
  }

  /** Calls received per endpoint (every call whose path names an endpoint, whatever its outcome). */
  calls(): Record<string, number> {
    return this.control.calls();
  }

  /** The most recent answers other than 200 (endpoint, requested version, status, subcode, message), oldest first. */
  failures(): PeerFailure[] {
    return this.control.failures();
  }

  /** Calls received by endpoints that change state (create, clone, edit, edit_hyper_params, enqueue, dequeue, stop, reset). */
  writeCalls(): number {
    return this.control.writeCalls();
  }

  resetCalls(): void {
    this.control.resetCalls();
  }

  /** Start listening (again, on the same port after stop()). */
  async start(): Promise<void> {
    if (this.closed) throw new Error('peer is closed');
    if (this.server) return;
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`Failed processing request ${req.url}: ${(e as Error).message}`);
        }
      });
    });
    server.keepAliveTimeout = 5000;
    this.port = await listen(server, this.port, this.host);
    this.server = server;
    this.agents?.start();
  }

  /** Close the listening socket and destroy every connection; state is kept ("ClearML unreachable"). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeServer(server);
  }

  async close(): Promise<void> {
    this.agents?.stop();
    await this.stop();
    this.closed = true;
  }

  // ---------------------------------------------------------------- request handling

  private send(
    res: ServerResponse,
    req: IncomingMessage,
    status: number,
    body: string,
    headers: Record<string, string | string[]> = {},
  ): void {
    let payload: Buffer = Buffer.from(body, 'utf8');
    const h: Record<string, string | string[] | number> = { ...headers };
    if (this.compress && payload.length >= 500 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      payload = gzipSync(payload, { level: 6 });
      h['content-encoding'] = 'gzip';
      h.vary = 'Accept-Encoding';
    }
    h['content-length'] = payload.length;
    // The Date header comes from the server's clock too (skew included), as a real server's would.
    h.date = new Date(this.store.clock.now()).toUTCString();
    res.writeHead(status, h);
    res.end(payload);
  }

  private envelope(
    call: { id: string; trx: string; name: string; requested: string | number; actual: string | number | null },
    code: number,
    subcode: number,
    msg: string,
    data: unknown,
    errorData: Doc = {},
    stack: string | null = null,
  ): string {
    return JSON.stringify({
      meta: {
        id: call.id,
        trx: call.trx,
        endpoint: { name: call.name, requested_version: call.requested, actual_version: call.actual },
        result_code: code,
        result_subcode: subcode,
        result_msg: msg,
        error_stack: stack,
        error_data: errorData,
      },
      data,
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://peer');
    if (url.pathname.startsWith('/__peer/')) return this.onControl(req, res, url);
    const body = await readBody(req);
    if (req.method === 'OPTIONS') return this.send(res, req, 200, '');
    const encoding = req.headers['content-encoding'];
    if (encoding)
      return this.send(res, req, 415, `Content encoding is not supported (${encoding})`, { 'content-type': 'text/html; charset=utf-8' });

    const id = newId();
    const trxHeader = req.headers['x-clearml-trx'] ?? req.headers['x-trains-trx'];
    const trx = (Array.isArray(trxHeader) ? trxHeader[0] : trxHeader) || id;
    const json = { 'content-type': 'application/json' };
    const m = ENDPOINT_RE.exec(url.pathname);
    if (!m) {
      const call = { id, trx, name: '', requested: 1.0, actual: null };
      return this.send(res, req, 400, this.envelope(call, 400, 0, `Invalid request path ${url.pathname}`, {}), json);
    }
    const name = m[3];
    const requestedStr = m[2] ?? this.env.apiVersion;
    const requested = versionTuple(requestedStr);
    const asWire = (v: string): string | number => (versionCmp(requested, [2, 1]) < 0 ? Number(v) : v);
    const call: { id: string; trx: string; name: string; requested: string | number; actual: string | number | null } = {
      id,
      trx,
      name,
      requested: asWire(m[2] ? `${requested[0]}.${requested[1]}` : requestedStr),
      actual: null,
    };
    this.control.count(name);
    if (this.control.latencyMs > 0) await sleep(this.control.latencyMs);
    if (!this.server) return void req.socket.destroy();

    const fault = this.control.takeFault(name);
    if (fault) return this.sendFault(req, res, call, fault);
    if (this.control.takeReset(name, true)) return this.resetSocket(req);

    const def = (REGISTRY.get(name) ?? []).find((d) => versionCmp(versionTuple(d.minVersion), requested) <= 0);
    let status: number;
    let subcode = 0;
    let msg = 'OK';
    let out: string;
    const cookies: Record<string, string> = {};
    if (!def) {
      status = 404;
      msg = `Unable to find endpoint for name ${name} and version ${requested[0]}.${requested[1]}`;
      out = this.envelope(call, 404, 0, msg, {});
    } else {
      call.actual = asWire(def.minVersion);
      try {
        const data = this.parseData(body, url.searchParams);
        const identity = this.authorize(def, req);
        const ctx: CallContext = {
          store: this.store,
          env: this.env,
          identity: identity as Identity,
          data,
          req: new Req(data),
          version: requested,
          headers: req.headers,
          cookies,
        };
        const result = def.handler(ctx);
        status = 200;
        out = this.envelope(call, 200, 0, 'OK', result);
      } catch (e) {
        if (e instanceof ApiError) {
          status = e.code;
          subcode = e.subcode;
          msg = e.message;
          const stack = e.code === 500 && e.subcode === 0 ? `Traceback (most recent call last):\n${e.stack ?? ''}` : null;
          out = this.envelope(call, e.code, e.subcode, e.message, {}, e.errorData, stack);
        } else {
          status = 500;
          const err = e as Error;
          msg = err.message;
          out = this.envelope(call, 500, 0, err.message, {}, {}, `Traceback (most recent call last):\n${err.stack ?? ''}`);
        }
      }
    }
    if (status !== 200) this.control.recordFailure({ endpoint: name, version: versionText(call.requested), status, subcode, message: msg });
    if (this.control.takeReset(name, false)) return this.resetSocket(req);
    const headers: Record<string, string | string[]> = { ...json };
    const setCookies = Object.entries(cookies).map(([k, v]) => `${k}=${v}; Max-Age=99999999999; HttpOnly; Path=/`);
    if (setCookies.length) headers['set-cookie'] = setCookies;
    this.send(res, req, status, out, headers);
  }

  private resetSocket(req: IncomingMessage): void {
    const socket = req.socket as Socket & { resetAndDestroy?: () => void };
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  private sendFault(
    req: IncomingMessage,
    res: ServerResponse,
    call: { id: string; trx: string; name: string; requested: string | number; actual: string | number | null },
    f: FailSpec,
  ): void {
    const kind = f.body ?? (f.status === 500 || f.status < 500 ? 'envelope' : 'text');
    const text =
      f.message ??
      (f.status === 503 ? 'Service Unavailable' : f.status === 502 ? 'Bad Gateway' : f.status === 504 ? 'Gateway Timeout' : 'Error');
    const msg = f.message ?? (f.status === 500 ? 'General server error' : 'Injected failure');
    const failure = { endpoint: call.name, version: versionText(call.requested), status: f.status, subcode: f.subcode ?? 0 };
    this.control.recordFailure({ ...failure, message: kind === 'empty' ? '' : kind === 'text' ? text : msg });
    if (kind === 'empty') return this.send(res, req, f.status, '');
    if (kind === 'text') {
      return this.send(
        res,
        req,
        f.status,
        `<html><head><title>${f.status} ${text}</title></head><body><center><h1>${f.status} ${text}</h1></center></body></html>\n`,
        {
          'content-type': 'text/html',
        },
      );
    }
    this.send(res, req, f.status, this.envelope(call, f.status, f.subcode ?? 0, msg, {}), { 'content-type': 'application/json' });
  }

  private parseData(body: Buffer, query: URLSearchParams): Doc {
    let json: unknown;
    if (body.length) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new ApiError(400, 0, `Failed to decode JSON object: ${(e as Error).message}`);
      }
    }
    const form = queryData(query);
    const data = truthy(json) ? json : Object.keys(form).length ? form : {};
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ApiError(500, 0, 'Data should be a dict');
    return data as Doc;
  }

  /** validators.validate_auth */
  private authorize(def: EndpointDef, req: IncomingMessage): Identity | undefined {
    const needed = def.authorize !== false;
    let auth = req.headers.authorization;
    if (!auth) {
      const cookie = parseCookies(req.headers.cookie)[COOKIE_NAME];
      if (cookie) auth = `Bearer ${cookie}`;
    }
    if (!auth) {
      if (needed) throw apiError(ERR.noCredentials);
      return undefined;
    }
    const i = auth.indexOf(' ');
    const type = i < 0 ? auth : auth.slice(0, i);
    const data = i < 0 ? '' : auth.slice(i + 1);
    try {
      if (type === 'Bearer') return this.verifyToken(data);
      if (type === 'Basic') return this.checkCredentials(data);
      throw apiError(ERR.badAuthType);
    } catch (e) {
      if (needed) throw e;
      return undefined;
    }
  }

  private verifyToken(token: string): Identity {
    let payload: Record<string, unknown>;
    try {
      payload = this.env.signer.verify(token, Math.floor(this.store.clock.now() / 1000));
    } catch (e) {
      if (e instanceof JwtError) throw apiError(ERR.invalidToken, 'invalid jwt token', { reason: e.message });
      throw e;
    }
    const identity = payload.identity as Identity | undefined;
    if (!identity || typeof identity !== 'object') throw apiError(ERR.invalidToken, 'failed parsing token, token missing identity');
    return identity;
  }

  private checkCredentials(data: string): Identity {
    // base64.b64decode: characters outside the alphabet are discarded, the length must be padded
    const padded = data.replace(/[^A-Za-z0-9+/=]/g, '');
    if (padded.length % 4 !== 0) throw apiError(ERR.badCredentials, 'Incorrect padding');
    const decoded = Buffer.from(padded, 'base64').toString('latin1');
    const i = decoded.indexOf(':');
    const key = i < 0 ? decoded : decoded.slice(0, i);
    const secret = i < 0 ? '' : decoded.slice(i + 1);
    const cred = this.store.credentials.get(key);
    if (!cred || cred.secret !== secret) throw apiError(ERR.invalidCredentials, 'failed to locate provided credentials');
    return this.store.identityFor(cred.userId);
  }

  // ---------------------------------------------------------------- control over HTTP

  private async onControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readBody(req);
    let data: Doc = {};
    try {
      data = body.length ? (JSON.parse(body.toString('utf8')) as Doc) : {};
    } catch {
      return this.send(res, req, 400, JSON.stringify({ error: 'invalid JSON' }), { 'content-type': 'application/json' });
    }
    const reply = (status: number, value: unknown): void =>
      this.send(res, req, status, JSON.stringify(value), { 'content-type': 'application/json' });
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    const c = this.control;
    try {
      let m: RegExpExecArray | null;
      if (path === '/__peer/health') return reply(200, { ok: true, url: this.url });
      if (path === '/__peer/calls' && method === 'GET')
        return reply(200, { calls: c.calls(), writes: c.writeCalls(), failures: c.failures() });
      if (method !== 'POST' && !(method === 'GET' && /^\/__peer\/tasks\/[^/]+(\/log)?$/.test(path))) {
        return reply(405, { error: `use POST for ${path}` });
      }
      if (path === '/__peer/calls/reset') {
        c.resetCalls();
        return reply(200, { ok: true });
      }
      if (path === '/__peer/latency') {
        c.setLatency(Number(data.ms ?? 0));
        return reply(200, { ok: true });
      }
      if (path === '/__peer/clock-skew') {
        c.setClockSkew(Number(data.ms ?? 0));
        return reply(200, { ok: true });
      }
      if (path === '/__peer/fail-next') {
        c.failNext(String(data.endpoint ?? '*'), data as unknown as FailSpec);
        return reply(200, { ok: true });
      }
      if (path === '/__peer/reset-after-next') {
        c.resetAfterNext(String(data.endpoint ?? '*'), data as ResetSpec);
        return reply(200, { ok: true });
      }
      if (path === '/__peer/faults/clear') {
        c.clearFaults();
        return reply(200, { ok: true });
      }
      if (path === '/__peer/revoke-tokens') {
        c.revokeTokens();
        return reply(200, { ok: true });
      }
      if (path === '/__peer/agents/pause') {
        c.pauseAgents();
        return reply(200, { ok: true });
      }
      if (path === '/__peer/agents/resume') {
        c.resumeAgents();
        return reply(200, { ok: true });
      }
      if (path === '/__peer/agents/machine-stats') {
        c.setMachineStats(String(data.worker ?? ''), (data.stats as MachineStats | null | undefined) ?? null);
        return reply(200, { ok: true });
      }
      if (path === '/__peer/seed') {
        this.store.seed(data as Seed);
        return reply(200, { ok: true });
      }
      if (path === '/__peer/outage') {
        const ms = Number(data.ms ?? 1000);
        reply(200, { ok: true, ms });
        res.once('finish', () => {
          void this.stop().then(() => setTimeout(() => void this.start().catch(() => undefined), ms));
        });
        return;
      }
      if ((m = /^\/__peer\/tasks\/([^/]+)\/status$/.exec(path))) {
        return reply(200, {
          task: c.setTaskStatus(m[1], data.status as TaskStatus, data.reason as string | undefined, data.message as string | undefined),
        });
      }
      if ((m = /^\/__peer\/tasks\/([^/]+)\/log$/.exec(path))) {
        if (method === 'GET') return reply(200, { events: this.store.logs.get(m[1]) ?? [] });
        return reply(200, { events: c.appendLog(m[1], data.lines as string[], data as AppendLogOptions) });
      }
      if ((m = /^\/__peer\/tasks\/([^/]+)$/.exec(path))) {
        const task = this.store.tasks.get(m[1]);
        if (!task) return reply(404, { error: 'unknown task' });
        return reply(200, { task: taskToWire(task), queues: this.store.queuesOfTask(task.id).map((q) => q.name) });
      }
      return reply(404, { error: `unknown control route ${path}` });
    } catch (e) {
      return reply(400, { error: (e as Error).message, ...(e instanceof ApiError ? { data: toWire(e.errorData) } : {}) });
    }
  }
}
