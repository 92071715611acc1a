import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { closeServer, listen } from '../process';
import {
  exceptionDetail,
  normalizeEndpointUrl,
  notFoundDetail,
  parseServeBody,
  tritonModelName,
  type FastApiError,
} from './clearml-serving';
import { FaultTable, type Fault } from './faults';
import { TritonError, modelConfig, modelMetadata, normalizeInferRequest, parseInferRequest, resolveVersion } from './kserve';
import { TritonMetrics, type RequestTiming } from './metrics';
import { OpenaiLlm, type LlmBehaviour, type OpenaiFlavour } from './openai';
import { PythonError, builtInModels, type ModelDefinition, type ServeBody, type ServeHandler, type Tensor } from './models';

export interface ServingPeerOptions {
  /** 0 or absent = an ephemeral port, kept across stop()/start() */
  port?: number;
  host?: string;
  /** machine name, used for the simulated GPU id and in logs */
  name?: string;
  /** LLMs served behind the OpenAI-compatible routes (`/v1/...` and `/serve/openai/v1/...`) */
  llms?: string[];
  /** How long a connection may sit idle after an answer before the peer closes it (uvicorn's `timeout_keep_alive`, 5 s) */
  keepAliveMs?: number;
}

export type ServingProtocol = 'clearml-serving' | 'kserve-v2';

export interface ServingPeerStats {
  /** every request except the peer's own `/__peer/*` control routes */
  total: number;
  /** requests received and not yet answered (including hanging ones) */
  inFlight: number;
  /** TCP connections accepted (a client's keep-alive reuses one) */
  connections: number;
  byProtocol: Record<ServingProtocol | 'metrics' | 'other', number>;
  /** per clearml-serving endpoint url or Triton model name, including unknown ones */
  byEndpoint: Record<string, Record<ServingProtocol, number>>;
}

type RouteKind =
  | 'serve'
  | 'v2-server'
  | 'v2-health'
  | 'v2-model'
  | 'v2-repository-index'
  | 'metrics'
  | 'fastapi-not-found'
  | 'fastapi-method'
  | 'triton-not-found'
  | 'openai';

interface Route {
  kind: RouteKind;
  protocol: ServingProtocol | 'metrics' | 'other';
  /** serve: normalised endpoint url; v2-model: model name */
  endpoint?: string;
  version?: string;
  action?: string;
  /** openai: which server's routes, and the path below the flavour's prefix */
  flavour?: OpenaiFlavour;
  openaiPath?: string;
}

const JSON_TYPE = 'application/json';
const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([0-9]+))?(?:\/(infer|ready|config|stats))?$/;

function send(res: ServerResponse, status: number, contentType: string | undefined, body: string | Buffer): void {
  if (res.destroyed) return;
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(body) };
  if (contentType) headers['content-type'] = contentType;
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(body) ?? 'null');
}

function us(fromMs: number, toMs: number): number {
  return Math.max(0, (toMs - fromMs) * 1000);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const ControlFault = z.discriminatedUnion('kind', [
  z.object({
    endpoint: z.string().min(1),
    kind: z.literal('delay'),
    ms: z.number().nonnegative(),
    times: z.number().int().positive().optional(),
  }),
  z.object({
    endpoint: z.string().min(1),
    kind: z.literal('status'),
    status: z.number().int().min(200).max(599),
    body: z.unknown().optional(),
    times: z.number().int().positive().optional(),
  }),
  z.object({ endpoint: z.string().min(1), kind: z.literal('hang'), times: z.number().int().positive().optional() }),
  z.object({ endpoint: z.string().min(1), kind: z.literal('reset'), times: z.number().int().positive().optional() }),
]);

const LlmControl = z.object({
  models: z.array(z.string().min(1)).optional(),
  behaviour: z
    .object({
      firstTokenDelayMs: z.number().nonnegative().optional(),
      tokenDelayMs: z.number().nonnegative().optional(),
      fail: z
        .object({
          afterTokens: z.number().int().nonnegative(),
          kind: z.enum(['reset', 'event']),
          times: z.number().int().positive().optional(),
        })
        .nullable()
        .optional(),
    })
    .optional(),
});

/**
 * A GPU serving machine as ClearGate sees it: clearml-serving's inference container
 * (`POST /serve/...`), Triton's KServe v2 HTTP API (`/v2/...`) and Triton's Prometheus metrics
 * (`/metrics`) on one port, with fault injection for the router's resilience tests.
 */
export class ServingPeer {
  readonly name: string;
  readonly host: string;
  private boundPort: number;
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly models = new Map<string, ModelDefinition>();
  private readonly faults = new FaultTable();
  private readonly metrics: TritonMetrics;
  private listening = false;
  private closed = false;
  private counters = this.emptyStats();
  /** The LLM stand-in behind the OpenAI-compatible routes (see openai.ts). */
  readonly llm: OpenaiLlm;

  constructor(options: ServingPeerOptions = {}) {
    this.llm = new OpenaiLlm(options.llms ?? []);
    this.name = options.name ?? 'serving-peer';
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.metrics = new TritonMetrics(this.name);
    for (const [name, def] of builtInModels()) this.addModel(name, def);
    this.server = createServer((req, res) => this.onRequest(req, res));
    // Keep-alive as uvicorn (clearml-serving) does it: the connection is closed once it has sat
    // idle for `timeout_keep_alive` after an answer, and no `Keep-Alive: timeout=` header tells
    // the client so (Node's own keep-alive timer would send one, which undici honours: a client
    // would never meet the close that real machines make). requestTimeout 0 so that a hanging
    // request really never ends.
    const keepAliveMs = options.keepAliveMs ?? 5_000;
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.on('connection', () => this.counters.connections++);
    const idleCloses = new WeakMap<Socket, NodeJS.Timeout>();
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      clearTimeout(idleCloses.get(socket));
      res.once('finish', () => {
        clearTimeout(idleCloses.get(socket));
        idleCloses.set(socket, setTimeout(() => socket.end(), keepAliveMs).unref());
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const h = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '::1' : this.host;
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.boundPort}`;
  }

  /** Listen (again) on the same port. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('serving peer is closed');
    if (this.listening) return;
    this.boundPort = await listen(this.server, this.boundPort, this.host);
    this.listening = true;
  }

  /** The machine dies: the listening socket closes and open connections are destroyed; state is kept. */
  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.llm.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await closeServer(this.server);
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }

  setFault(endpoint: string, fault: Fault | null): void {
    this.faults.set(endpoint, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Register a clearml-serving endpoint (`name` may be `<endpoint>/<version>`) and/or a Triton model. */
  addModel(name: string, model: ServeHandler | ModelDefinition): void {
    const def: ModelDefinition = typeof model === 'function' ? { serve: model } : model;
    if (def.triton && name.includes('/')) throw new Error(`a Triton model name cannot contain '/': ${name}`);
    this.models.set(name, def);
    const id = this.metricsId(name, def);
    if (def.triton) for (const v of def.triton.versions ?? ['1']) this.metrics.register(name, v);
    else this.metrics.register(id.model, id.version);
  }

  removeModel(name: string): boolean {
    return this.models.delete(name);
  }

  stats(): ServingPeerStats {
    const byEndpoint: ServingPeerStats['byEndpoint'] = {};
    for (const [k, v] of Object.entries(this.counters.byEndpoint)) byEndpoint[k] = { ...v };
    return {
      total: this.counters.total,
      inFlight: this.counters.inFlight,
      connections: this.counters.connections,
      byProtocol: { ...this.counters.byProtocol },
      byEndpoint,
    };
  }

  resetStats(): void {
    const inFlight = this.counters.inFlight;
    this.counters = this.emptyStats();
    this.counters.inFlight = inFlight;
  }

  /** The Prometheus text served on `/metrics`. */
  renderMetrics(): string {
    return this.metrics.render();
  }

  private emptyStats(): ServingPeerStats {
    return {
      total: 0,
      inFlight: 0,
      connections: 0,
      byProtocol: { 'clearml-serving': 0, 'kserve-v2': 0, metrics: 0, other: 0 },
      byEndpoint: {},
    };
  }

  /** Triton model name and version that a clearml-serving endpoint's traffic is counted under. */
  private metricsId(name: string, def: ModelDefinition | undefined): { model: string; version: string } {
    if (def?.triton) {
      const versions = def.triton.versions ?? ['1'];
      return { model: name, version: versions.reduce((a, b) => (Number(b) > Number(a) ? b : a)) };
    }
    return { model: tritonModelName(name), version: '1' };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const t0 = performance.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = q === -1 ? '' : rawUrl.slice(q + 1);
    if (path.startsWith('/__peer/')) {
      readBody(req, (body) => this.control(req, res, path, query, body));
      return;
    }
    const route = this.route(req.method ?? 'GET', path, query);
    const c = this.counters;
    c.total++;
    c.byProtocol[route.protocol]++;
    if (route.endpoint !== undefined && (route.protocol === 'clearml-serving' || route.protocol === 'kserve-v2')) {
      const e = (c.byEndpoint[route.endpoint] ??= { 'clearml-serving': 0, 'kserve-v2': 0 });
      e[route.protocol]++;
    }
    c.inFlight++;
    res.once('close', () => this.counters.inFlight--);
    const fault = this.faults.take(route.endpoint);
    readBody(req, (body) => {
      if (fault) this.applyFault(fault, route, req, res, body, t0);
      else this.dispatch(route, req, res, body, t0, 0);
    });
  }

  private route(method: string, path: string, query: string): Route {
    // clearml-serving 1.3.5's vLLM routes (`/serve/openai/{endpoint_type:path}`), before its /serve/{endpoint}
    if (path.startsWith('/serve/openai/')) {
      return { kind: 'openai', protocol: 'other', flavour: 'clearml-serving', openaiPath: path.slice('/serve/openai'.length) };
    }
    if (path.startsWith('/v1/')) return { kind: 'openai', protocol: 'other', flavour: 'vllm', openaiPath: path };
    if (path.startsWith('/serve/')) {
      const parts = path.slice(7).split('/');
      if (parts.length > 2 || parts[0] === '') return { kind: 'fastapi-not-found', protocol: 'clearml-serving' };
      let version = parts.length === 2 && parts[1] !== '' ? decode(parts[1]!) : undefined;
      if (version === undefined && query) version = new URLSearchParams(query).get('version') ?? undefined;
      const endpoint = normalizeEndpointUrl(decode(parts[0]!), version);
      if (method !== 'POST') return { kind: 'fastapi-method', protocol: 'clearml-serving', endpoint };
      return { kind: 'serve', protocol: 'clearml-serving', endpoint };
    }
    if (path === '/v2' || path.startsWith('/v2/')) {
      if (path === '/v2') return { kind: 'v2-server', protocol: 'kserve-v2' };
      if (path === '/v2/health/live' || path === '/v2/health/ready') {
        return { kind: 'v2-health', protocol: 'kserve-v2', action: path.slice(11) };
      }
      if (path === '/v2/repository/index') return { kind: 'v2-repository-index', protocol: 'kserve-v2' };
      const m = MODEL_ROUTE.exec(path);
      if (m) return { kind: 'v2-model', protocol: 'kserve-v2', endpoint: m[1]!, version: m[2], action: m[3] ?? 'metadata' };
      return { kind: 'triton-not-found', protocol: 'kserve-v2' };
    }
    if (path === '/metrics') return { kind: 'metrics', protocol: 'metrics' };
    return { kind: 'fastapi-not-found', protocol: 'other' };
  }

  private applyFault(fault: Fault, route: Route, req: IncomingMessage, res: ServerResponse, body: Buffer, t0: number): void {
    switch (fault.kind) {
      case 'delay': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.dispatch(route, req, res, body, t0, fault.ms);
        }, fault.ms);
        this.timers.add(timer);
        return;
      }
      case 'status': {
        const id = this.modelOf(route);
        if (id && fault.status >= 500) {
          this.metrics.begin(id.model, id.version);
          const t = us(t0, performance.now());
          this.metrics.end(id.model, id.version, 'BACKEND', {
            queueUs: 0,
            inputUs: 0,
            inferUs: 0,
            outputUs: 0,
            requestUs: t,
            batch: 1,
          });
        }
        if (fault.body === undefined) {
          const reason = STATUS_CODES[fault.status] ?? 'Error';
          if (route.protocol === 'kserve-v2') sendJson(res, fault.status, { error: reason });
          else if (route.protocol === 'metrics') send(res, fault.status, 'text/plain; charset=utf-8', reason);
          else sendJson(res, fault.status, { detail: reason });
        } else if (typeof fault.body === 'string') {
          send(res, fault.status, 'text/plain; charset=utf-8', fault.body);
        } else {
          sendJson(res, fault.status, fault.body);
        }
        return;
      }
      case 'hang': {
        // accepted and queued, never answered: it shows as a pending request until the client gives up
        const id = this.modelOf(route);
        if (id) {
          this.metrics.begin(id.model, id.version);
          res.once('close', () => this.metrics.end(id.model, id.version, undefined, undefined));
        }
        return;
      }
      case 'reset':
        // RST instead of FIN, so the client sees ECONNRESET like a crashed machine's kernel sends
        req.socket.resetAndDestroy();
        return;
    }
  }

  /** The metrics series a route's inference traffic belongs to, when it targets a known model. */
  private modelOf(route: Route): { model: string; version: string } | undefined {
    if (route.kind === 'serve' && route.endpoint !== undefined) {
      const def = this.models.get(route.endpoint);
      return def?.serve ? this.metricsId(route.endpoint, def) : undefined;
    }
    if (route.kind === 'v2-model' && route.action === 'infer' && route.endpoint !== undefined) {
      const def = this.models.get(route.endpoint)?.triton;
      if (!def) return undefined;
      try {
        return { model: route.endpoint, version: resolveVersion(route.endpoint, def, route.version) };
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  private dispatch(route: Route, req: IncomingMessage, res: ServerResponse, body: Buffer, t0: number, delayMs: number): void {
    switch (route.kind) {
      case 'openai':
        this.llm.handle(route.flavour!, route.openaiPath!, req, res, body);
        return;
      case 'serve':
        void this.serve(route.endpoint!, req, res, body, t0, delayMs);
        return;
      case 'v2-model':
        this.v2Model(route, req, res, body, t0, delayMs);
        return;
      case 'v2-server':
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'Method Not Allowed' });
        return sendJson(res, 200, {
          name: 'triton',
          version: '2.59.0',
          extensions: ['model_repository', 'model_configuration', 'statistics'],
        });
      case 'v2-health':
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'Method Not Allowed' });
        return send(res, 200, undefined, '');
      case 'v2-repository-index': {
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'Method Not Allowed' });
        const index: unknown[] = [];
        for (const [name, def] of this.models) {
          for (const version of def.triton?.versions ?? (def.triton ? ['1'] : [])) index.push({ name, version, state: 'READY' });
        }
        return sendJson(res, 200, index);
      }
      case 'metrics':
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'Method Not Allowed' });
        return send(res, 200, 'text/plain; charset=utf-8', this.metrics.render());
      case 'fastapi-method':
        res.setHeader('allow', 'POST');
        return sendJson(res, 405, { detail: 'Method Not Allowed' });
      case 'triton-not-found':
        return sendJson(res, 404, { error: 'Not Found' });
      case 'fastapi-not-found':
        return sendJson(res, 404, { detail: 'Not Found' });
    }
  }

  private async serve(
    endpoint: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    t0: number,
    delayMs: number,
  ): Promise<void> {
    const def = this.models.get(endpoint);
    if (!def?.serve) return sendJson(res, 404, { detail: notFoundDetail(endpoint) });
    const tIn = performance.now();
    if (req.headersDistinct['content-encoding']?.includes('gzip')) {
      try {
        raw = gunzipSync(raw);
      } catch {
        // gzip.decompress raises inside the route class, outside FastAPI's handlers: Starlette's plain 500
        return send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error');
      }
    }
    const parsed = parseServeBody(raw, req.headers['content-type']);
    if ('status' in parsed) return sendJson(res, (parsed as FastApiError).status, { detail: (parsed as FastApiError).detail });
    const id = this.metricsId(endpoint, def);
    this.metrics.begin(id.model, id.version);
    const tInfer = performance.now();
    let result: unknown;
    try {
      result = await def.serve(parsed as ServeBody, { endpoint });
    } catch (e) {
      const tErr = performance.now();
      if (e instanceof PythonError) {
        // raised by preprocess, before the engine ran: not an inference as far as the engine counts
        this.metrics.end(id.model, id.version, undefined, undefined);
        return sendJson(res, 422, { detail: exceptionDetail(e.pythonType, e.message) });
      }
      this.metrics.end(id.model, id.version, 'BACKEND', timing(t0, tIn, tInfer, tErr, tErr, delayMs));
      return sendJson(res, 422, { detail: exceptionDetail('Exception', (e as Error)?.message ?? String(e)) });
    }
    const tOut = performance.now();
    const payload = JSON.stringify(result) ?? 'null';
    const tEnd = performance.now();
    this.metrics.end(id.model, id.version, 'success', timing(t0, tIn, tInfer, tOut, tEnd, delayMs));
    send(res, 200, JSON_TYPE, payload);
  }

  private v2Model(route: Route, req: IncomingMessage, res: ServerResponse, body: Buffer, t0: number, delayMs: number): void {
    const name = route.endpoint!;
    const def = this.models.get(name)?.triton;
    const action = route.action!;
    const expected = action === 'infer' ? 'POST' : 'GET';
    if (req.method !== expected) return sendJson(res, 405, { error: 'Method Not Allowed' });
    if (action === 'ready') {
      let ready = false;
      try {
        resolveVersion(name, def, route.version);
        ready = true;
      } catch {
        ready = false;
      }
      return ready ? send(res, 200, undefined, '') : sendJson(res, 400, { error: 'Model version not ready' });
    }
    let version: string;
    try {
      version = resolveVersion(name, def, route.version);
    } catch (e) {
      return sendJson(res, (e as TritonError).status, { error: (e as Error).message });
    }
    if (action === 'metadata') return sendJson(res, 200, modelMetadata(name, def!));
    if (action === 'config') return sendJson(res, 200, modelConfig(name, def!));
    if (action === 'stats') return sendJson(res, 200, { model_stats: [this.metrics.modelStats(name, version)] });
    void this.infer(name, version, def!, res, body, t0, delayMs);
  }

  private async infer(
    name: string,
    version: string,
    def: NonNullable<ModelDefinition['triton']>,
    res: ServerResponse,
    body: Buffer,
    t0: number,
    delayMs: number,
  ): Promise<void> {
    const tIn = performance.now();
    let inputs: ReadonlyMap<string, Tensor>;
    let request: ReturnType<typeof parseInferRequest>;
    try {
      request = parseInferRequest(body);
      inputs = normalizeInferRequest(name, def, request);
    } catch (e) {
      if (e instanceof TritonError) return sendJson(res, e.status, { error: e.message });
      throw e;
    }
    this.metrics.begin(name, version);
    const tInfer = performance.now();
    let outputs: Tensor[];
    try {
      outputs = await def.infer(inputs);
    } catch (e) {
      const tErr = performance.now();
      this.metrics.end(name, version, 'BACKEND', timing(t0, tIn, tInfer, tErr, tErr, delayMs));
      return sendJson(res, 500, { error: (e as Error)?.message ?? String(e) });
    }
    const tOut = performance.now();
    const wanted = request.requestedOutputs;
    const selected = wanted ? outputs.filter((o) => wanted.includes(o.name)) : outputs;
    const response: Record<string, unknown> = {};
    if (request.id) response['id'] = request.id;
    response['model_name'] = name;
    response['model_version'] = version;
    response['outputs'] = selected.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape, data: o.data }));
    const payload = JSON.stringify(response);
    const tEnd = performance.now();
    const batch = (def.maxBatchSize ?? 0) > 0 ? (request.inputs[0]?.shape[0] ?? 1) : 1;
    this.metrics.end(name, version, 'success', { ...timing(t0, tIn, tInfer, tOut, tEnd, delayMs), batch });
    send(res, 200, JSON_TYPE, payload);
  }

  private control(req: IncomingMessage, res: ServerResponse, path: string, query: string, body: Buffer): void {
    const method = req.method ?? 'GET';
    if (path === '/__peer/faults') {
      if (method === 'GET') return sendJson(res, 200, this.faults.list());
      if (method === 'DELETE') {
        const endpoint = query ? new URLSearchParams(query).get('endpoint') : null;
        if (endpoint) this.faults.set(endpoint, null);
        else this.faults.clear();
        return send(res, 204, undefined, '');
      }
      if (method === 'POST') {
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          return sendJson(res, 400, { error: 'body must be JSON: {endpoint, kind, ...}' });
        }
        const parsed = ControlFault.safeParse(json);
        if (!parsed.success) return sendJson(res, 400, { error: z.prettifyError(parsed.error) });
        const { endpoint, ...fault } = parsed.data;
        this.faults.set(endpoint, fault as Fault);
        return send(res, 204, undefined, '');
      }
    }
    if (path === '/__peer/llm') {
      // GET: models, behaviour and every request recorded; DELETE: forget the records and the behaviour
      if (method === 'GET')
        return sendJson(res, 200, { models: this.llm.models(), behaviour: this.llm.behaviour, requests: this.llm.records });
      if (method === 'DELETE') {
        this.llm.reset();
        return send(res, 204, undefined, '');
      }
      if (method === 'PATCH' || method === 'POST') {
        let json: { models?: unknown; behaviour?: unknown };
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          return sendJson(res, 400, { error: 'body must be JSON: {models?: string[], behaviour?: {...}}' });
        }
        const parsed = LlmControl.safeParse(json);
        if (!parsed.success) return sendJson(res, 400, { error: z.prettifyError(parsed.error) });
        for (const m of parsed.data.models ?? []) this.llm.addModel(m);
        if (parsed.data.behaviour) this.llm.setBehaviour(parsed.data.behaviour as Partial<LlmBehaviour>);
        return send(res, 204, undefined, '');
      }
    }
    if (path === '/__peer/stats') {
      if (method === 'GET') return sendJson(res, 200, this.stats());
      if (method === 'DELETE') {
        this.resetStats();
        return send(res, 204, undefined, '');
      }
    }
    return sendJson(res, 404, { error: `no control route ${method} ${path}` });
  }
}

function timing(t0: number, tIn: number, tInfer: number, tOut: number, tEnd: number, delayMs: number): RequestTiming {
  const inputUs = us(tIn, tInfer);
  return {
    queueUs: Math.max(0, us(t0, tIn) - delayMs * 1000),
    inputUs,
    inferUs: us(tInfer, tOut) + delayMs * 1000,
    outputUs: us(tOut, tEnd),
    requestUs: us(t0, tEnd),
    batch: 1,
  };
}

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  let first: Buffer | undefined;
  let rest: Buffer[] | undefined;
  req.on('data', (chunk: Buffer) => {
    if (!first) first = chunk;
    else (rest ??= [first]).push(chunk);
  });
  req.on('end', () => done(rest ? Buffer.concat(rest) : (first ?? Buffer.alloc(0))));
}

export async function startServingPeer(options: ServingPeerOptions = {}): Promise<ServingPeer> {
  const peer = new ServingPeer(options);
  await peer.start();
  return peer;
}
