import { Agent, request } from 'undici';
import { startServingPeer, type ServingPeer } from './index';

describe('serving peer: KServe v2 / Triton HTTP and metrics', () => {
  let peer: ServingPeer;
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  beforeAll(async () => {
    peer = await startServingPeer({ name: 'kserve-spec' });
  });
  afterAll(async () => {
    await agent.close();
    await peer.close();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await request(`${peer.url}${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      dispatcher: agent,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }

  const pixels = (seed: number) => Array.from({ length: 28 * 28 }, (_, i) => ((i * 31 + seed) % 256) / 255);
  const mnistRequest = (seed: number, extra: Record<string, unknown> = {}) => ({
    inputs: [{ name: 'INPUT__0', shape: [1, 28, 28], datatype: 'FP32', data: pixels(seed) }],
    ...extra,
  });

  async function metric(name: string, labels: string): Promise<number> {
    const text = (await call('GET', '/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    if (!line) throw new Error(`no series ${name}{${labels}} in\n${text}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  it('describes the server and reports health with empty 200 bodies', async () => {
    const meta = await call('GET', '/v2');
    expect(meta.status).toBe(200);
    expect(meta.json()).toMatchObject({ name: 'triton', version: expect.any(String), extensions: expect.any(Array) });
    for (const path of ['/v2/health/live', '/v2/health/ready']) {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('0');
      expect(res.text).toBe('');
    }
  });

  it('serves model metadata, readiness and the clearml-serving MNIST tensor signature', async () => {
    const meta = await call('GET', '/v2/models/test_model_pytorch');
    expect(meta.json()).toEqual({
      name: 'test_model_pytorch',
      versions: ['1'],
      platform: 'pytorch_libtorch',
      inputs: [{ name: 'INPUT__0', datatype: 'FP32', shape: [1, 28, 28] }],
      outputs: [{ name: 'OUTPUT__0', datatype: 'FP32', shape: [-1, 10] }],
    });
    expect((await call('GET', '/v2/models/test_model_pytorch/versions/1')).status).toBe(200);
    expect((await call('GET', '/v2/models/test_model_pytorch/ready')).status).toBe(200);
    const notReady = await call('GET', '/v2/models/nope/ready');
    expect(notReady.status).toBe(400);
    expect(notReady.json()).toEqual({ error: 'Model version not ready' });
  });

  it("answers unknown models and versions with Triton's NOT_FOUND errors", async () => {
    const unknown = await call('GET', '/v2/models/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: "Request for unknown model: 'nope' is not found" });
    const version = await call('POST', '/v2/models/test_model_pytorch/versions/3/infer', mnistRequest(1));
    expect(version.status).toBe(404);
    expect(version.json()).toEqual({ error: "Request for unknown model: 'test_model_pytorch' version 3 is not found" });
    const infer = await call('POST', '/v2/models/nope/infer', mnistRequest(1));
    expect(infer.json()).toEqual({ error: "Request for unknown model: 'nope' is not found" });
  });

  it('infers: FP32 [1,10] log-probabilities, deterministic, with the request id echoed', async () => {
    const a = await call('POST', '/v2/models/test_model_pytorch/infer', mnistRequest(3, { id: 'req-7' }));
    expect(a.status).toBe(200);
    const body = a.json() as {
      id: string;
      model_name: string;
      model_version: string;
      outputs: Array<Record<string, unknown>>;
    };
    expect(body).toMatchObject({ id: 'req-7', model_name: 'test_model_pytorch', model_version: '1' });
    expect(body.outputs).toHaveLength(1);
    expect(body.outputs[0]).toMatchObject({ name: 'OUTPUT__0', datatype: 'FP32', shape: [1, 10] });
    const data = body.outputs[0]!['data'] as number[];
    expect(data).toHaveLength(10);
    expect(data.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
    const again = await call('POST', '/v2/models/test_model_pytorch/versions/1/infer', mnistRequest(3));
    expect((again.json() as typeof body).outputs[0]!['data']).toEqual(data);
    expect(again.json()).not.toHaveProperty('id');
  });

  it('accepts nested data, variable dimensions and BYTES tensors', async () => {
    const sk = await call('POST', '/v2/models/test_model_sklearn/infer', {
      inputs: [
        {
          name: 'INPUT__0',
          shape: [3, 2],
          datatype: 'FP32',
          data: [
            [1, 2],
            [5, 1],
            [0, 0],
          ],
        },
      ],
    });
    expect(sk.status).toBe(200);
    expect((sk.json().outputs as unknown[])[0]).toEqual({
      name: 'OUTPUT__0',
      datatype: 'INT64',
      shape: [3],
      data: [0, 1, 1],
    });
    const echo = await call('POST', '/v2/models/echo/infer', {
      inputs: [{ name: 'INPUT0', shape: [2], datatype: 'BYTES', data: ['hello', 'world'] }],
    });
    expect((echo.json().outputs as unknown[])[0]).toEqual({
      name: 'OUTPUT0',
      datatype: 'BYTES',
      shape: [2],
      data: ['hello', 'world'],
    });
  });

  it("validates inputs with Triton's messages and status codes", async () => {
    const infer = (body: unknown) => call('POST', '/v2/models/test_model_pytorch/infer', body);
    const cases: Array<[unknown, number, string]> = [
      [
        { inputs: [{ name: 'INPUT__0', shape: [28, 28], datatype: 'FP32', data: pixels(1) }] },
        400,
        "[request id: <id_unknown>] unexpected shape for input 'INPUT__0' for model 'test_model_pytorch'. Expected [1,28,28], got [28,28]. ",
      ],
      [
        {
          id: 'x1',
          inputs: [{ name: 'INPUT__0', shape: [1, 28, 28], datatype: 'INT32', data: pixels(1).map(() => 1) }],
        },
        400,
        "[request id: x1] inference input 'INPUT__0' data-type is 'INT32', but model 'test_model_pytorch' expects 'FP32'",
      ],
      [
        { inputs: [{ name: 'IMAGE', shape: [1, 28, 28], datatype: 'FP32', data: pixels(1) }] },
        400,
        "unexpected inference input 'IMAGE' for model 'test_model_pytorch'",
      ],
      [
        { inputs: [] },
        400,
        "[request id: <id_unknown>] expected 1 inputs but got 0 inputs for model 'test_model_pytorch'. Got input(s) [], but missing required input(s) ['INPUT__0']. Please provide all required input(s).",
      ],
      [
        { inputs: [{ name: 'INPUT__0', shape: [1, 28, 28], datatype: 'FP32' }] },
        400,
        "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But no field is set",
      ],
      [{ ...mnistRequest(1), outputs: [{ name: 'PROBS' }] }, 400, "unexpected inference output 'PROBS' for model 'test_model_pytorch'"],
      // TritonJson errors are INTERNAL, which current Triton maps to 500
      ['{"inputs": [', 500, 'failed to parse the request JSON buffer: Invalid value. at 12'],
      [{ input: [] }, 500, "Unable to parse 'inputs': attempt to access non-existing object member 'inputs'"],
      [
        { inputs: [{ name: 'INPUT__0', shape: [1, 28, 28], datatype: 'FP32', data: [1, 2, 3] }] },
        500,
        "Unable to parse 'data': Shape does not match true shape of 'data' field",
      ],
      [
        { inputs: [{ name: 'INPUT__0', shape: [1, 28, 28], datatype: 'FP32', data: pixels(1).map(String) }] },
        500,
        "Unable to parse 'data': attempt to access JSON non-number as double",
      ],
    ];
    for (const [body, status, error] of cases) {
      const res = await infer(body);
      expect({ status: res.status, body: res.json() }).toEqual({ status, body: { error } });
    }
    const wrongMethod = await call('GET', '/v2/models/test_model_pytorch/infer');
    expect(wrongMethod.status).toBe(405);
  });

  it('exposes Triton metrics whose counters follow both protocols and whose GPU gauges follow load', async () => {
    const labels = 'model="test_model_pytorch",version="1"';
    const before = await metric('nv_inference_request_success', labels);
    const execBefore = await metric('nv_inference_exec_count', labels);
    const durBefore = await metric('nv_inference_request_duration_us', labels);
    await call('POST', '/v2/models/test_model_pytorch/infer', mnistRequest(9));
    await call('POST', '/serve/test_model_pytorch', { url: 'https://example.org/3.png' });
    await call('POST', '/v2/models/test_model_pytorch/infer', { inputs: [] }); // rejected before execution
    expect(await metric('nv_inference_request_success', labels)).toBe(before + 2);
    expect(await metric('nv_inference_exec_count', labels)).toBe(execBefore + 2);
    expect(await metric('nv_inference_request_duration_us', labels)).toBeGreaterThan(durBefore);
    expect(await metric('nv_inference_request_failure', 'model="test_model_pytorch",reason="BACKEND",version="1"')).toBe(0);

    peer.addModel('broken', {
      triton: {
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'X', datatype: 'FP32', dims: [1] }],
        outputs: [{ name: 'Y', datatype: 'FP32', dims: [1] }],
        infer: () => {
          throw new Error('onnx runtime error 1: CUDA failure 2: out of memory');
        },
      },
    });
    const failed = await call('POST', '/v2/models/broken/infer', {
      inputs: [{ name: 'X', shape: [1], datatype: 'FP32', data: [1] }],
    });
    expect(failed.status).toBe(500);
    expect(failed.json()).toEqual({ error: 'onnx runtime error 1: CUDA failure 2: out of memory' });
    expect(await metric('nv_inference_request_failure', 'model="broken",reason="BACKEND",version="1"')).toBe(1);
    expect(await metric('nv_inference_request_success', 'model="broken",version="1"')).toBe(0);

    const text = (await call('GET', '/metrics')).text;
    for (const family of [
      '# HELP nv_inference_request_success Number of successful inference requests, all batch sizes',
      '# TYPE nv_inference_queue_duration_us counter',
      '# TYPE nv_inference_compute_infer_duration_us counter',
      '# TYPE nv_inference_pending_request_count gauge',
      '# HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)',
      '# TYPE nv_energy_consumption counter',
      '# HELP nv_gpu_power_limit GPU power management limit in watts',
    ]) {
      expect(text).toContain(family);
    }
    expect(text).toMatch(/^nv_gpu_memory_total_bytes\{gpu_uuid="GPU-[0-9a-f-]{36}"\} \d+$/m);

    const gpu = /gpu_uuid="[^"]+"/.exec(text)![0];
    const idle = await metric('nv_gpu_utilization', gpu);
    const energy0 = await metric('nv_energy_consumption', gpu);
    peer.setFault('test_model_sklearn', { kind: 'delay', ms: 150 });
    const sk = { inputs: [{ name: 'INPUT__0', shape: [1, 2], datatype: 'FP32', data: [1, 1] }] };
    await Promise.all([1, 2, 3, 4].map(() => call('POST', '/v2/models/test_model_sklearn/infer', sk)));
    peer.clearFaults();
    const busy = await metric('nv_gpu_utilization', gpu);
    expect(busy).toBeGreaterThan(idle);
    expect(busy).toBeGreaterThan(0.2);
    expect(busy).toBeLessThan(1);
    expect(await metric('nv_gpu_power_usage', gpu)).toBeGreaterThan(30);
    expect(await metric('nv_energy_consumption', gpu)).toBeGreaterThan(energy0);
    expect(await metric('nv_inference_compute_infer_duration_us', 'model="test_model_sklearn",version="1"')).toBeGreaterThanOrEqual(
      4 * 150_000,
    );
  });

  it('counts a hanging request as pending until its client gives up', async () => {
    const labels = 'model="echo",version="1"';
    peer.setFault('echo', { kind: 'hang', times: 1 });
    const ac = new AbortController();
    const pending = request(`${peer.url}/v2/models/echo/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1], datatype: 'BYTES', data: ['x'] }] }),
      signal: ac.signal,
      dispatcher: agent,
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(await metric('nv_inference_pending_request_count', labels)).toBe(1);
    ac.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 20));
    expect(await metric('nv_inference_pending_request_count', labels)).toBe(0);
  });

  it('serves per-model statistics and the repository index', async () => {
    const stats = await call('GET', '/v2/models/test_model_sklearn/stats');
    const s = (stats.json().model_stats as Array<Record<string, unknown>>)[0]!;
    expect(s).toMatchObject({ name: 'test_model_sklearn', version: '1' });
    expect((s['inference_stats'] as { success: { count: number } }).success.count).toBeGreaterThan(0);
    const index = await call('POST', '/v2/repository/index');
    expect(index.json()).toEqual(expect.arrayContaining([{ name: 'test_model_pytorch', version: '1', state: 'READY' }]));
  });
});
