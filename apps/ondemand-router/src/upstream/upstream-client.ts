import { LRUCache } from 'lru-cache';
import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { BrokenCircuitError, circuitBreaker, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import { Dispatcher, errors as undiciErrors, Pool } from 'undici';
import { CircuitState as ContractCircuitState, RoutingEndpoint, RoutingMachine } from '@cleargate/contracts';
import { AddressPolicy, AddressRefused } from '@cleargate/egress';
import { InjectLogger, Logger, Metrics } from '@cleargate/observability';
import { ROUTER_CONFIG, RouterConfig } from '../config';

export interface UpstreamRequest {
  machine: RoutingMachine;
  endpoint: RoutingEndpoint;
  body: Uint8Array;
  contentType: string | undefined;
  accept: string | undefined;
  correlationId: string;
}

export interface UpstreamResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  upstreamMs: number;
}

/** A request whose answer is relayed as it comes (the OpenAI routes), with the machine's pace set by the reader. */
export interface UpstreamStreamRequest {
  machine: RoutingMachine;
  /** Below the machine's base URL. */
  path: string;
  body: Uint8Array;
  correlationId: string;
  /** The longest wait for the answer to start and for each next piece of it (not counted while paused). */
  idleTimeoutMs: number;
}

/** Where a streamed answer goes. onData answering false pauses the upstream until resume(). */
export interface UpstreamStreamSink {
  /** The answer started; `stream` is the same handle stream() resolves with, given here first. */
  onStart(status: number, contentType: string | undefined, stream: UpstreamStream): void;
  onData(chunk: Buffer): boolean;
  onEnd(): void;
  /** The answer failed after it started (a reset, an idle timeout); before that, stream() rejects. */
  onError(err: UpstreamFailure): void;
}

export interface UpstreamStream {
  resume(): void;
  abort(): void;
}

/** Replaces the router's own AddressPolicy (from EGRESS_ALLOWED_CIDRS), e.g. with one whose resolver a test controls. */
export const ADDRESS_POLICY = Symbol('ADDRESS_POLICY');

/**
 * Why an upstream call produced no usable answer. `kind` decides the HTTP status the caller
 * sees: refused/unreachable and an open circuit → 503, timeout → 504, a broken connection, an
 * oversized answer or an address the outbound policy refuses → 502.
 */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: 'refused' | 'timeout' | 'reset' | 'circuit_open' | 'too_large' | 'address_refused',
    message: string,
    readonly upstreamMs: number | null = null,
  ) {
    super(message);
    this.name = 'UpstreamFailure';
  }
}

interface Upstream {
  pool: Pool;
  breaker: CircuitBreakerPolicy;
  machineName: string;
  /** When the circuit last changed state; null while it has stayed closed. */
  since: Date | null;
  /** A base URL with a literal address the policy refuses (names are checked per connection). */
  refused: AddressRefused | null;
}

/** The path part of each machine's base URL, parsed once. */
const basePaths = new LRUCache<string, string>({ max: 10_000 });

/** The upstream path for an endpoint: its own `path`, else the protocol's default route. */
export function upstreamPath(machine: RoutingMachine, endpoint: RoutingEndpoint): string {
  const base = basePath(machine);
  if (endpoint.path) return base + endpoint.path.replace('{endpoint}', endpoint.name);
  if (machine.protocol === 'kserve-v2') {
    // KServe v2 addresses a version as /v2/models/{model}/versions/{v}/infer.
    const [model, version] = endpoint.name.split('/', 2);
    return `${base}/v2/models/${encodeURIComponent(model!)}${version ? `/versions/${encodeURIComponent(version)}` : ''}/infer`;
  }
  return `${base}/serve/${endpoint.name.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * One keep-alive undici pool and one circuit breaker per serving machine. Only transport
 * failures (refused, reset, timeouts) trip the breaker: a model answering 500 to a bad input
 * says nothing about the machine's health.
 */
@Injectable()
export class UpstreamClient implements OnModuleDestroy {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly transitions;
  private readonly policy: AddressPolicy;

  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
    @Optional() @Inject(ADDRESS_POLICY) policy?: AddressPolicy,
  ) {
    this.policy = policy ?? new AddressPolicy(config.EGRESS_ALLOWED_CIDRS);
    const upstreams = this.upstreams;
    metrics.gauge('circuit_state', 'Circuit breaker state per serving machine: 0 closed, 1 open, 2 half-open', ['machine'], function () {
      this.reset();
      for (const u of upstreams.values()) this.set({ machine: u.machineName }, circuitValue(u.breaker.state));
    });
    this.transitions = metrics.counter('circuit_transitions_total', 'Circuit breaker state changes per serving machine', [
      'machine',
      'state',
    ]);
    metrics.gauge('upstream_connections', 'Open connections to serving machines, by state', ['machine', 'state'], function () {
      this.reset();
      for (const u of upstreams.values()) {
        const s = u.pool.stats;
        this.set({ machine: u.machineName, state: 'busy' }, s.connected - s.free);
        this.set({ machine: u.machineName, state: 'idle' }, s.free);
      }
    });
    metrics.gauge('upstream_queued_requests', 'Requests waiting for a free connection to a serving machine', ['machine'], function () {
      this.reset();
      for (const u of upstreams.values()) this.set({ machine: u.machineName }, u.pool.stats.pending);
    });
  }

  async invoke(req: UpstreamRequest): Promise<UpstreamResponse> {
    const upstream = this.upstream(req.machine);
    if (upstream.refused) throw this.addressRefused(req.machine.name, upstream.refused);
    try {
      return await upstream.breaker.execute(() => this.send(upstream, req));
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        throw new UpstreamFailure('circuit_open', `the circuit to ${req.machine.name} is open after repeated failures`);
      }
      if (err instanceof UpstreamFailure && err.kind === 'address_refused') throw this.addressRefused(req.machine.name, err.cause);
      throw err;
    }
  }

  /**
   * A POST whose answer is handed to `sink` piece by piece. Resolves once the answer started
   * (status and headers), rejects if it never did; transport failures before that count for the
   * machine's circuit, as for invoke().
   */
  async stream(req: UpstreamStreamRequest, sink: UpstreamStreamSink): Promise<UpstreamStream> {
    const upstream = this.upstream(req.machine);
    if (upstream.refused) throw this.addressRefused(req.machine.name, upstream.refused);
    try {
      return await upstream.breaker.execute(() => this.sendStream(upstream, req, sink));
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        throw new UpstreamFailure('circuit_open', `the circuit to ${req.machine.name} is open after repeated failures`);
      }
      throw err;
    }
  }

  /** The circuit of each of these machines this router has called (the others have none yet). */
  circuits(machineIds: string[]): { machine_id: string; state: ContractCircuitState; since: string | null }[] {
    return machineIds.flatMap((machineId) => {
      const u = this.upstreams.get(machineId);
      if (!u) return [];
      const state = stateName(u.breaker.state);
      return [{ machine_id: machineId, state: state === 'isolated' ? 'open' : state, since: u.since?.toISOString() ?? null }];
    });
  }

  /**
   * The caller learns that the address is refused, not which address: that is the operator's
   * business (logged), and a name's internal addresses are nobody else's.
   */
  private addressRefused(machine: string, cause: unknown): UpstreamFailure {
    this.logger.warn({ machine, reason: (cause as Error)?.message }, 'connection refused by the outbound address policy');
    return new UpstreamFailure(
      'address_refused',
      `the serving machine ${machine} is at an address the outbound address policy does not allow`,
    );
  }

  /** A machine's address changed or it was deleted: drop its pool and breaker. */
  forget(machine: RoutingMachine): void {
    const u = this.upstreams.get(machine.machine_id);
    if (!u) return;
    this.upstreams.delete(machine.machine_id);
    u.pool.close().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.pool.close().catch(() => undefined)));
    this.upstreams.clear();
  }

  private upstream(machine: RoutingMachine): Upstream {
    let u = this.upstreams.get(machine.machine_id);
    if (u && u.machineName === machine.name) return u;
    if (u) this.forget(machine);
    const url = new URL(machine.base_url);
    const pool = new Pool(url.origin, {
      connections: this.config.UPSTREAM_CONNECTIONS,
      pipelining: 1,
      // HTTP/1.1 also over TLS, where undici 8 would offer HTTP/2: the pool is sized in connections,
      // one call each, as clearml-serving's and Triton's servers take them.
      allowH2: false,
      keepAliveTimeout: this.config.UPSTREAM_KEEPALIVE_MS,
      // Every new connection's name is resolved through the policy: no byte goes to a refused address.
      connect: { timeout: this.config.UPSTREAM_CONNECT_TIMEOUT_MS, lookup: this.policy.lookup },
    });
    const breaker = circuitBreaker(
      // A refused address or an oversized answer says nothing about the machine's health.
      handleWhen((err) => err instanceof UpstreamFailure && err.kind !== 'too_large' && err.kind !== 'address_refused'),
      { halfOpenAfter: this.config.BREAKER_HALF_OPEN_AFTER_MS, breaker: new ConsecutiveBreaker(this.config.BREAKER_FAILURES) },
    );
    breaker.onStateChange((state) => {
      u!.since = new Date();
      const name = stateName(state);
      this.transitions.inc({ machine: machine.name, state: name });
      this.logger.warn({ machine: machine.name, circuit: name }, 'circuit state changed');
    });
    u = { pool, breaker, machineName: machine.name, since: null, refused: this.policy.refusal(url.hostname) };
    this.upstreams.set(machine.machine_id, u);
    return u;
  }

  /**
   * One POST through the machine's pool. The answer is collected straight from undici's
   * dispatch callbacks, without a body stream per call, and cut off with a 502 once it passes
   * UPSTREAM_MAX_RESPONSE_BYTES. The endpoint's timeout is one deadline for the whole answer,
   * kept with a timer of our own: undici's header and body timeouts tick in half seconds, so a
   * 300 ms timeout would fire after up to a second.
   */
  private send(upstream: Upstream, req: UpstreamRequest): Promise<UpstreamResponse> {
    const timeout = req.endpoint.timeout_ms;
    const limit = this.config.UPSTREAM_MAX_RESPONSE_BYTES;
    const machine = req.machine.name;
    const headers: Record<string, string> = { 'x-request-id': req.correlationId };
    if (req.contentType) headers['content-type'] = req.contentType;
    if (req.accept) headers.accept = req.accept;
    const started = performance.now();
    return new Promise<UpstreamResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let failure: UpstreamFailure | undefined;
      let status = 0;
      let contentType: string | undefined;
      let first: Buffer | undefined;
      let chunks: Buffer[] | undefined;
      let size = 0;
      const fail = (err: UpstreamFailure) => {
        if (failure) return;
        failure = err;
        clearTimeout(deadline);
        controller?.abort(err);
        reject(err);
      };
      const deadline = setTimeout(
        () => fail(new UpstreamFailure('timeout', `${machine} did not answer within ${timeout} ms`, performance.now() - started)),
        timeout,
      );
      upstream.pool.dispatch(
        // Zero turns undici's own timeouts off: the deadline above covers the whole answer.
        { path: upstreamPath(req.machine, req.endpoint), method: 'POST', headers, body: req.body, headersTimeout: 0, bodyTimeout: 0 },
        {
          onRequestStart(c) {
            controller = c;
            if (failure) c.abort(failure); // the deadline passed while the call waited for a connection
          },
          onResponseStart(_c, statusCode, responseHeaders) {
            status = statusCode;
            const type = responseHeaders['content-type'];
            contentType = Array.isArray(type) ? type[0] : type;
          },
          onResponseData(_c, chunk) {
            size += chunk.length;
            if (size > limit) fail(new UpstreamFailure('too_large', `the answer exceeds ${limit} bytes`));
            else if (first === undefined) first = chunk;
            else (chunks ??= [first]).push(chunk);
          },
          onResponseEnd() {
            if (failure) return;
            clearTimeout(deadline);
            const body = chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0));
            resolve({ status, contentType, body, upstreamMs: performance.now() - started });
          },
          onResponseError(_c, err) {
            fail(toFailure(err, machine, timeout, performance.now() - started));
          },
        },
      );
    });
  }

  private sendStream(upstream: Upstream, req: UpstreamStreamRequest, sink: UpstreamStreamSink): Promise<UpstreamStream> {
    const machine = req.machine.name;
    const idle = req.idleTimeoutMs;
    const started = performance.now();
    return new Promise<UpstreamStream>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let begun = false;
      let over = false;
      let paused = false;
      const end = (err?: UpstreamFailure) => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        if (err) controller?.abort(err);
        if (!err) sink.onEnd();
        else if (begun) sink.onError(err);
        else reject(err);
      };
      const timer = setTimeout(() => {
        if (paused) return; // the reader holds the answer back; the relay's stall timeout covers that
        end(
          new UpstreamFailure(
            'timeout',
            begun ? `${machine} sent nothing for ${idle} ms` : `${machine} did not answer within ${idle} ms`,
            performance.now() - started,
          ),
        );
      }, idle);
      const handle: UpstreamStream = {
        resume: () => {
          if (over || !paused) return;
          paused = false;
          timer.refresh();
          controller?.resume();
        },
        abort: () => {
          if (over) return;
          over = true;
          clearTimeout(timer);
          controller?.abort(new UpstreamFailure('reset', 'the caller went away'));
        },
      };
      upstream.pool.dispatch(
        {
          path: basePath(req.machine) + req.path,
          method: 'POST',
          headers: { 'x-request-id': req.correlationId, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: req.body,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        {
          onRequestStart(c) {
            controller = c;
            if (over) c.abort(new UpstreamFailure('timeout', `${machine} did not answer within ${idle} ms`));
          },
          onResponseStart(_c, statusCode, headers) {
            if (over) return;
            const type = headers['content-type'];
            begun = true;
            timer.refresh();
            resolve(handle);
            sink.onStart(statusCode, Array.isArray(type) ? type[0] : type, handle);
          },
          onResponseData(c, chunk) {
            if (over) return;
            timer.refresh();
            if (!sink.onData(chunk) && !over) {
              paused = true;
              c.pause();
            }
          },
          onResponseEnd() {
            end();
          },
          onResponseError(_c, err) {
            if (over) return;
            const failure = toFailure(err, machine, idle, performance.now() - started);
            end(
              begun
                ? new UpstreamFailure(failure.kind === 'timeout' ? 'timeout' : 'reset', `${failure.message} mid-answer`, failure.upstreamMs)
                : failure,
            );
          },
        },
      );
    });
  }
}

/** The path part of a machine's base URL (no trailing slash). */
export function basePath(machine: RoutingMachine): string {
  let path = basePaths.get(machine.base_url);
  if (path === undefined) {
    path = new URL(machine.base_url).pathname.replace(/\/+$/, '');
    basePaths.set(machine.base_url, path);
  }
  return path;
}

function toFailure(err: unknown, machine: string, timeoutMs: number, elapsed: number): UpstreamFailure {
  if (err instanceof UpstreamFailure) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'EADDRNOTALLOWED') {
    const failure = new UpstreamFailure('address_refused', `${machine}: ${e.message}`, elapsed);
    failure.cause = err instanceof AddressRefused ? err : e.cause;
    return failure;
  }
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    err instanceof undiciErrors.RequestAbortedError
  ) {
    return new UpstreamFailure('timeout', `${machine} did not answer within ${timeoutMs} ms`, elapsed);
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EHOSTUNREACH' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'EAI_AGAIN'
  ) {
    return new UpstreamFailure('refused', `${machine} is unreachable (${code})`, elapsed);
  }
  return new UpstreamFailure('reset', `the connection to ${machine} failed (${code ?? e.message ?? 'unknown error'})`, elapsed);
}

function stateName(state: CircuitState): ContractCircuitState | 'isolated' {
  return state === CircuitState.Open
    ? 'open'
    : state === CircuitState.HalfOpen
      ? 'half_open'
      : state === CircuitState.Isolated
        ? 'isolated'
        : 'closed';
}

function circuitValue(state: CircuitState): number {
  return state === CircuitState.Open || state === CircuitState.Isolated ? 1 : state === CircuitState.HalfOpen ? 2 : 0;
}
