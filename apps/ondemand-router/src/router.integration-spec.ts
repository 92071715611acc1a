import { createHmac, randomUUID } from 'node:crypto';
import type { Msg } from '@nats-io/nats-core';
import {
  Caller,
  circuitList,
  decodeInvokeFrame,
  encodeInvokeFrame,
  endpointChanged,
  invokeReplyMetaSchema,
  machineChanged,
  ONDEMAND_INVOKE_SUBJECT,
  ondemandCallRecords,
  ondemandCallsRecorded,
  OndemandCallRecord,
  RoutingEndpoint,
  RoutingMachine,
  routingResolve,
  routingSnapshot,
  worstCircuit,
} from '@cleargate/contracts';
import { decodeJson, ensureStreams } from '@cleargate/messaging';
import { createRuntime } from '@cleargate/observability';
import { ServingPeer, startServingPeer } from '@cleargate/peers';
import { connectTestBus, DEV_NATS_URL, dropNamespace, respond, TestBus, createTestNamespace, waitFor } from '@cleargate/testing';
import { loadRouterConfig } from './config';
import { startOndemandRouter } from './main';

const caller: Caller = { subject: 's1', username: 'alice', roles: ['Observer'], groups: ['lab'], admin: false };
const publicId = (id: string) => createHmac('sha256', 'k').update(id).digest('hex');

/** The router's UPSTREAM_MAX_RESPONSE_BYTES in these tests. */
const ANSWER_LIMIT = 64 * 1024;

function machine(base: string, name = 'gpu-1', protocol: RoutingMachine['protocol'] = 'clearml-serving'): RoutingMachine {
  const id = randomUUID();
  return { id, machine_id: publicId(id), name, base_url: base, protocol, enabled: true, max_in_flight: null };
}
function endpoint(m: RoutingMachine, name: string, extra: Partial<RoutingEndpoint> = {}): RoutingEndpoint {
  return {
    id: randomUUID(),
    machine_id: m.machine_id,
    name,
    path: null,
    timeout_ms: 2000,
    enabled: true,
    owner: 'bob',
    visibility: 'public',
    shared_with: { users: [], roles: [], groups: [] },
    count_predictions: null,
    max_in_flight: null,
    ...extra,
  };
}

let peer: ServingPeer;
let bus: TestBus;
let namespace: string;
let router: Awaited<ReturnType<typeof startOndemandRouter>>;
let gpu: RoutingMachine;
let kserve: RoutingMachine;
let dead: RoutingMachine;
const endpoints: RoutingEndpoint[] = [];
const records: OndemandCallRecord[] = [];

async function invoke(
  m: { machine_id: string },
  name: string,
  body: unknown,
  who: Caller = caller,
  contentType = 'application/json',
  correlationId?: string,
) {
  const data = body instanceof Uint8Array ? body : new TextEncoder().encode(JSON.stringify(body));
  const frame = encodeInvokeFrame(
    {
      machine_id: m.machine_id,
      endpoint: name,
      caller: JSON.stringify(who),
      route: 'v1',
      content_type: contentType,
      ...(correlationId ? { correlation_id: correlationId } : {}),
    },
    data,
  );
  return send(frame);
}

async function send(frame: Uint8Array) {
  return answerOf(await bus.nats.connection.request(bus.nats.subject(ONDEMAND_INVOKE_SUBJECT), frame, { timeout: 10_000 }));
}

function answerOf(msg: Msg) {
  const { meta, payload } = decodeInvokeFrame(msg.data, invokeReplyMetaSchema);
  const text = new TextDecoder().decode(payload);
  return {
    status: meta.status,
    error: meta.error === true,
    contentType: meta.content_type,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

beforeAll(async () => {
  peer = await startServingPeer();
  namespace = await createTestNamespace();
  bus = await connectTestBus(namespace);
  await ensureStreams(bus.nats, ['events', 'calllogs']);
  gpu = machine(peer.url);
  kserve = machine(peer.url, 'triton-1', 'kserve-v2');
  dead = machine('http://127.0.0.1:9', 'dead-1');
  endpoints.push(
    endpoint(gpu, 'test_model_pytorch'),
    endpoint(gpu, 'echo', { visibility: 'shared', shared_with: { users: [], roles: [], groups: ['lab'] } }),
    endpoint(gpu, 'private_model', { visibility: 'private' }),
    endpoint(gpu, 'slow', { path: '/serve/echo', timeout_ms: 300 }),
    endpoint(kserve, 'test_model_pytorch'),
    endpoint(dead, 'x'),
  );
  respond(bus.nats, routingSnapshot, () => ({ machines: [gpu, kserve, dead], endpoints }));
  respond(bus.nats, routingResolve, ({ machine_id, endpoint: name }) => {
    const m = [gpu, kserve, dead].find((x) => x.machine_id === machine_id) ?? null;
    return { machine: m, endpoint: endpoints.find((e) => e.machine_id === machine_id && e.name === name) ?? null };
  });
  bus.nats.connection.subscribe(bus.nats.subject(ondemandCallsRecorded.subject), {
    callback: (_e, msg) => void records.push(...ondemandCallRecords(ondemandCallsRecorded.payload.parse(decodeJson(msg.data)).columns)),
  });
  router = await startOndemandRouter(
    loadRouterConfig({
      NATS_URL: DEV_NATS_URL,
      NATS_ANONYMOUS: 'true',
      NATS_NAMESPACE: namespace,
      OPS_PORT: '0',
      CALLLOG_FLUSH_MS: '10',
      UPSTREAM_MAX_RESPONSE_BYTES: String(ANSWER_LIMIT),
      BREAKER_FAILURES: '3',
      BREAKER_HALF_OPEN_AFTER_MS: '400',
      // the serving peer listens on loopback, which the outbound address policy refuses by default
      EGRESS_ALLOWED_CIDRS: '127.0.0.0/8',
      LOG_LEVEL: 'warn',
    }),
    createRuntime('ondemand-router', 'silent'),
  );
});

afterAll(async () => {
  await router?.close();
  await bus?.close();
  await peer?.close();
  await dropNamespace(namespace);
});

beforeEach(() => peer.clearFaults());

describe('routing', () => {
  it('forwards to clearml-serving and relays the model answer', async () => {
    const answer = await invoke(gpu, 'test_model_pytorch', { url: 'https://example.org/5.jpg' });
    expect(answer).toMatchObject({ status: 200, error: false, body: { digit: expect.any(Number) } });
    expect(answer.contentType).toMatch(/application\/json/);
  });

  it('forwards KServe v2 inference requests to /v2/models/{name}/infer', async () => {
    const input = { inputs: [{ name: 'INPUT__0', shape: [1, 28, 28], datatype: 'FP32', data: new Array(784).fill(0.5) }] };
    const answer = await invoke(kserve, 'test_model_pytorch', input);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model_name: 'test_model_pytorch', outputs: [expect.objectContaining({ name: 'OUTPUT__0' })] });
  });

  it('passes binary bodies through untouched', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => i % 256);
    const answer = await invoke(gpu, 'echo', bytes, caller, 'application/octet-stream');
    expect(answer).toMatchObject({ status: 200, body: { echo_bytes: 1000 } });
  });

  it('answers 400 for a malformed invocation frame or meta, and 401 for a caller that is not valid', async () => {
    const envelope = { status: 400, error: true, body: { code: 'invalid_argument' } };
    expect(await send(new Uint8Array([0, 0]))).toMatchObject(envelope);
    expect(await send(new Uint8Array([0, 0, 0, 200, 123]))).toMatchObject(envelope);
    expect(await send(encodeInvokeFrame({ status: 200 }, new Uint8Array()))).toMatchObject(envelope);
    expect(await invoke({ machine_id: 'not-hex' }, 'echo', {})).toMatchObject(envelope);
    const noCaller = encodeInvokeFrame(
      { machine_id: gpu.machine_id, endpoint: 'echo', caller: '{"username":1}', route: 'v1' },
      new Uint8Array(),
    );
    expect(await send(noCaller)).toMatchObject({ status: 401, error: true, body: { code: 'unauthenticated' } });
  });

  it('answers 404 for an unknown machine or endpoint and 403 when the endpoint is not shared with the caller', async () => {
    expect(await invoke({ machine_id: 'e'.repeat(64) }, 'test_model_pytorch', {})).toMatchObject({
      status: 404,
      error: true,
      body: { code: 'not_found' },
    });
    expect(await invoke(gpu, 'nope', {})).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await invoke(gpu, 'private_model', {})).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await invoke(gpu, 'echo', {}, { ...caller, groups: [] })).status).toBe(403);
    expect((await invoke(gpu, 'private_model', {}, { ...caller, username: 'bob' })).status).not.toBe(403);
  });

  it('passes upstream 4xx through with its body and turns 5xx into 502', async () => {
    expect(await invoke(gpu, 'test_model_pytorch', { no_url: true })).toMatchObject({
      status: 422,
      error: false,
      body: { detail: expect.anything() },
    });
    peer.setFault('test_model_pytorch', { kind: 'status', status: 500, body: { detail: 'boom' } });
    const answer = await invoke(gpu, 'test_model_pytorch', { url: 'x' });
    expect(answer).toMatchObject({
      status: 502,
      error: true,
      body: { code: 'upstream_error', details: { upstream_status: 500, upstream_body: '{"detail":"boom"}' } },
    });
  });

  it('relays no more than a short excerpt of a 5xx answer', async () => {
    peer.setFault('test_model_pytorch', { kind: 'status', status: 503, body: { detail: `line1\nsecret internals ${'x'.repeat(5000)}` } });
    const answer = await invoke(gpu, 'test_model_pytorch', { url: 'x' });
    const details = (answer.body as { details: { upstream_status: number; upstream_body: string } }).details;
    expect(details.upstream_status).toBe(503);
    expect(details.upstream_body).toHaveLength(200);
    expect(details.upstream_body.startsWith('{"detail":"line1')).toBe(true);
    expect(JSON.stringify(answer.body).length).toBeLessThan(500);
  });

  it('answers 504 within the endpoint timeout when the machine hangs', async () => {
    peer.setFault('echo', { kind: 'hang' });
    const started = Date.now();
    const answer = await invoke(gpu, 'slow', { x: 1 });
    const elapsed = Date.now() - started;
    expect(answer).toMatchObject({ status: 504, body: { code: 'upstream_timeout' } });
    // The endpoint's 300 ms, not the half-second ticks of undici's own timers.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(700);
  });

  it('answers 502 for an answer over UPSTREAM_MAX_RESPONSE_BYTES, and relays one just under it', async () => {
    // {"text":"…"} is the text plus 11 bytes of JSON.
    peer.setFault('echo', { kind: 'status', status: 200, body: { text: 'x'.repeat(ANSWER_LIMIT - 11) }, times: 1 });
    const under = await invoke(gpu, 'echo', { x: 1 });
    expect(under.status).toBe(200);
    expect((under.body as { text: string }).text).toHaveLength(ANSWER_LIMIT - 11);
    peer.setFault('echo', { kind: 'status', status: 200, body: { text: 'x'.repeat(ANSWER_LIMIT) }, times: 1 });
    const over = await invoke(gpu, 'echo', { x: 1 });
    expect(over).toMatchObject({ status: 502, error: true, body: { code: 'upstream_error' } });
    expect((over.body as { message: string }).message).toContain(`exceeds ${ANSWER_LIMIT} bytes`);
  });

  it('answers 502 when the connection is reset', async () => {
    peer.setFault('test_model_pytorch', { kind: 'reset' });
    expect((await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status).toBe(502);
  });
});

describe('circuit breaker', () => {
  // A success resets the consecutive-failure count left by the timeout and reset tests.
  beforeEach(async () => expect((await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status).toBe(200));

  it('answers 503 for a dead machine, opens the circuit, and closes it again once the machine is back', async () => {
    await peer.stop();
    try {
      for (let i = 0; i < 3; i++)
        expect(await invoke(gpu, 'test_model_pytorch', { url: 'x' })).toMatchObject({ status: 503, body: { code: 'unavailable' } });
      expect(await invoke(gpu, 'test_model_pytorch', { url: 'x' })).toMatchObject({ status: 503, body: { code: 'circuit_open' } });
    } finally {
      await peer.start();
    }
    // Still open right after recovery; after the half-open delay one trial closes it.
    await new Promise((r) => setTimeout(r, 450));
    expect((await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status).toBe(200);
    expect((await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status).toBe(200);
  });

  it('keeps one machine’s open circuit from affecting another', async () => {
    for (let i = 0; i < 4; i++) await invoke(dead, 'x', {});
    expect((await invoke(dead, 'x', {})).body).toMatchObject({ code: 'circuit_open' });
    expect((await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status).toBe(200);
  });

  it('tells every circuit it has on request, each replica answering for its own breakers', async () => {
    for (let i = 0; i < 4; i++) await invoke(dead, 'x', {});
    const unknown = 'f'.repeat(64);
    const answers = await bus.rpc.gather(circuitList, { machine_ids: [dead.machine_id, gpu.machine_id, unknown] });
    expect(answers).toHaveLength(1);
    const circuits = new Map(answers[0]!.circuits.map((c) => [c.machine_id, c]));
    expect(circuits.get(dead.machine_id)).toMatchObject({ state: 'open', since: expect.any(String) });
    expect(Date.now() - Date.parse(circuits.get(dead.machine_id)!.since!)).toBeLessThan(60_000);
    expect(circuits.get(gpu.machine_id)?.state).toBe('closed');
    // A machine this router never called has no circuit yet.
    expect(circuits.has(unknown)).toBe(false);
    expect(worstCircuit(['closed', 'open', 'half_open'])).toBe('open');
    expect(worstCircuit(['closed', 'half_open'])).toBe('half_open');
  });
});

describe('registry changes', () => {
  it('applies endpoint and machine change events without a restart', async () => {
    const added = endpoint(gpu, 'added_later', { path: '/serve/echo' });
    await bus.publisher.publish(endpointChanged, {
      change: 'created',
      id: added.id,
      machine_id: gpu.machine_id,
      name: added.name,
      endpoint: added,
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await invoke(gpu, 'added_later', { a: 1 })).status === 200);

    await bus.publisher.publish(endpointChanged, {
      change: 'updated',
      id: added.id,
      machine_id: gpu.machine_id,
      name: added.name,
      endpoint: { ...added, enabled: false },
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await invoke(gpu, 'added_later', { a: 1 })).status === 404);

    const moved = { ...gpu, base_url: 'http://127.0.0.1:9' };
    await bus.publisher.publish(machineChanged, {
      change: 'updated',
      id: gpu.id,
      machine_id: gpu.machine_id,
      machine: moved,
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status === 503);
    await bus.publisher.publish(machineChanged, {
      change: 'updated',
      id: gpu.id,
      machine_id: gpu.machine_id,
      machine: gpu,
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await invoke(gpu, 'test_model_pytorch', { url: 'x' })).status === 200, { timeoutMs: 5000 });
  });
});

describe('call logs', () => {
  it('publishes one record per call with outcome, sizes and durations', async () => {
    const id = randomUUID();
    await invoke(gpu, 'test_model_pytorch', { url: id }, caller, 'application/json', `req-${id}`);
    await invoke(gpu, 'nope', {}, caller, 'application/json', `nope-${id}`);
    // Found by their own ids: records of earlier tests' calls may still be on their way.
    const of = (correlationId: string) => records.filter((r) => r.correlation_id === correlationId);
    const [ok, missing] = await waitFor(() =>
      of(`req-${id}`).length && of(`nope-${id}`).length ? [of(`req-${id}`)[0], of(`nope-${id}`)[0]] : null,
    );
    expect(ok).toMatchObject({
      caller: 'alice',
      machine_id: gpu.machine_id,
      machine_name: 'gpu-1',
      endpoint: 'test_model_pytorch',
      route: 'v1',
      correlation_id: `req-${id}`,
      status_code: 200,
      outcome: 'ok',
      request_bytes: JSON.stringify({ url: id }).length,
      response_excerpt: expect.stringContaining('digit'),
    });
    expect(ok!.upstream_ms).toBeGreaterThan(0);
    expect(ok!.duration_ms).toBeGreaterThanOrEqual(ok!.upstream_ms!);
    expect(missing).toMatchObject({
      outcome: 'not_found',
      status_code: 404,
      machine_name: 'gpu-1',
      upstream_ms: null,
      response_excerpt: null,
    });
    await new Promise((r) => setTimeout(r, 50)); // a second record of either call would be here by now
    expect([of(`req-${id}`).length, of(`nope-${id}`).length]).toEqual([1, 1]);
  });

  it('exports request, latency, in-flight and circuit metrics with bounded labels', async () => {
    const text = await fetch(`http://127.0.0.1:${router.opsPort}/metrics`).then((r) => r.text());
    expect(text).toMatch(/cleargate_ondemand_router_requests_total\{machine="gpu-1",endpoint="test_model_pytorch",outcome="ok"\} \d+/);
    expect(text).toMatch(
      /cleargate_ondemand_router_requests_total\{machine="\(unresolved\)",endpoint="\(unresolved\)",outcome="not_found"\}/,
    );
    expect(text).toContain('cleargate_ondemand_router_upstream_duration_seconds_bucket');
    expect(text).toContain('cleargate_ondemand_router_request_duration_seconds_bucket');
    expect(text).toContain('cleargate_ondemand_router_in_flight_requests 0');
    expect(text).toMatch(/cleargate_ondemand_router_circuit_state\{machine="dead-1"\} 1/);
    expect(text).toMatch(/cleargate_ondemand_router_upstream_connections\{machine="gpu-1",state="idle"\}/);
    expect(text).not.toContain(gpu.machine_id);
  });
});
