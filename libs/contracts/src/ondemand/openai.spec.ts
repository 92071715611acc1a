import { Caller } from '../common';
import { RoutingEndpoint } from '../registry/endpoints';
import { RoutingMachine } from '../registry/machines';
import { openaiModelIds, OpenaiRoute, resolveOpenaiModel, toOpenaiError, usableOpenaiRoutes } from './openai';
import {
  decodeStreamFrame,
  encodeStreamFrame,
  encodeStreamJson,
  InvalidStreamFrame,
  STREAM_FRAME,
  streamHeadSchema,
  streamPayload,
} from './stream';

const machine = (name: string, protocol: RoutingMachine['protocol'] = 'openai', enabled = true): RoutingMachine => ({
  id: `00000000-0000-4000-8000-${name
    .padStart(12, '0')
    .slice(-12)
    .replace(/[^0-9]/g, '0')}`,
  machine_id: name.padEnd(64, '0'),
  name,
  base_url: 'http://127.0.0.1:1',
  protocol,
  enabled,
  max_in_flight: null,
});
const endpoint = (m: RoutingMachine, name: string, extra: Partial<RoutingEndpoint> = {}): RoutingEndpoint => ({
  id: '00000000-0000-4000-8000-000000000001',
  machine_id: m.machine_id,
  name,
  path: null,
  timeout_ms: 1000,
  max_in_flight: null,
  enabled: true,
  owner: 'bob',
  visibility: 'public',
  shared_with: { users: [], roles: [], groups: [] },
  count_predictions: null,
  ...extra,
});
const alice: Caller = { subject: 'a', username: 'alice', roles: ['Observer'], groups: [], admin: false };

describe('OpenAI model names', () => {
  const a = machine('gpu-a');
  const b = machine('gpu-b');
  const routes: OpenaiRoute[] = [
    { machine: a, endpoint: endpoint(a, 'llama') },
    { machine: b, endpoint: endpoint(b, 'llama') },
    { machine: b, endpoint: endpoint(b, 'qwen') },
    { machine: b, endpoint: endpoint(b, 'mnist/2') },
    { machine: a, endpoint: endpoint(a, 'private', { visibility: 'private' }) },
    { machine: a, endpoint: endpoint(a, 'off', { enabled: false }) },
    { machine: machine('down', 'openai', false), endpoint: endpoint(machine('down'), 'down-model') },
    { machine: machine('triton', 'kserve-v2'), endpoint: endpoint(machine('triton'), 'resnet') },
  ];
  const usable = usableOpenaiRoutes(routes, alice);

  it('lists only enabled endpoints of enabled openai machines the caller may use, qualifying names found twice', () => {
    expect(openaiModelIds(usable).map((m) => m.id)).toEqual(['gpu-a/llama', 'gpu-b/llama', 'mnist/2', 'qwen']);
  });

  it('resolves a unique name, a qualified name, and refuses an ambiguous or unusable one', () => {
    expect(resolveOpenaiModel('qwen', usable)).toEqual({ route: routes[2] });
    expect(resolveOpenaiModel('gpu-a/llama', usable)).toEqual({ route: routes[0] });
    expect(resolveOpenaiModel('mnist/2', usable)).toEqual({ route: routes[3] }); // an endpoint name with a slash wins
    expect(resolveOpenaiModel('llama', usable)).toEqual({ ambiguous: ['gpu-a/llama', 'gpu-b/llama'] });
    for (const name of ['private', 'off', 'down-model', 'resnet', 'gpu-a/qwen'])
      expect(resolveOpenaiModel(name, usable)).toEqual({ missing: true });
  });

  it("maps ClearGate's envelope to OpenAI's error shape", () => {
    expect(
      toOpenaiError(400, {
        code: 'invalid_argument',
        message: 'invalid body',
        details: { issues: [{ path: 'body.messages', message: 'Required' }] },
      }),
    ).toEqual({
      error: { message: 'invalid body', type: 'invalid_request_error', param: 'messages', code: 'invalid_argument' },
    });
    expect(toOpenaiError(404, { code: 'not_found', message: 'x', details: { openai_code: 'model_not_found' } }).error).toMatchObject({
      type: 'not_found_error',
      code: 'model_not_found',
      param: null,
    });
    expect(toOpenaiError(504, { code: 'upstream_timeout', message: 't' }).error.type).toBe('server_error');
  });
});

describe('stream frames', () => {
  it('round-trips kind, sequence number and payload', () => {
    const frame = decodeStreamFrame(encodeStreamFrame(STREAM_FRAME.data, 4_000_000_000, Buffer.from('data: {}\n\n')));
    expect(frame).toMatchObject({ kind: STREAM_FRAME.data, seq: 4_000_000_000 });
    expect(Buffer.from(frame.payload).toString()).toBe('data: {}\n\n');
    const head = decodeStreamFrame(encodeStreamJson(STREAM_FRAME.head, 1, { status: 200, events: true }));
    expect(streamPayload(head, streamHeadSchema)).toEqual({ status: 200, events: true });
  });

  it('refuses short frames, unknown kinds and payloads that break their schema', () => {
    expect(() => decodeStreamFrame(new Uint8Array([3, 0, 0]))).toThrow(InvalidStreamFrame);
    expect(() => decodeStreamFrame(new Uint8Array([99, 0, 0, 0, 0]))).toThrow('unknown kind 99');
    const bad = decodeStreamFrame(encodeStreamJson(STREAM_FRAME.head, 1, { status: 'ok' }));
    expect(() => streamPayload(bad, streamHeadSchema)).toThrow(InvalidStreamFrame);
  });
});
