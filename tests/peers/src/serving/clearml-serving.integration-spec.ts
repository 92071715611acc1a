import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { PythonError, startServingPeer, type ServingPeer } from './index';

/** The 28×28 MNIST-like digit the README sends. */
const SAMPLE = readFileSync(join(__dirname, '..', '..', '..', '..', 'samples', '5.png'));
const TRUNCATED_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01]);

describe('serving peer: clearml-serving routes', () => {
  let peer: ServingPeer;
  const agent = new Agent({ keepAliveTimeout: 1_000 });

  beforeAll(async () => {
    peer = await startServingPeer({ name: 'clearml-spec' });
  });
  afterAll(async () => {
    await agent.close();
    await peer.close();
  });

  async function post(path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
    const res = await request(`${peer.url}${path}`, { method: 'POST', body, headers, dispatcher: agent });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }
  const postJson = (path: string, value: unknown) => post(path, JSON.stringify(value), { 'content-type': 'application/json' });

  it('answers the sklearn example deterministically, as {"y": [label]}', async () => {
    const a = await postJson('/serve/test_model_sklearn', { x0: 1, x1: 2 });
    const b = await postJson('/serve/test_model_sklearn', { x0: 1, x1: 2 });
    const c = await postJson('/serve/test_model_sklearn', { x0: 5, x1: 1 });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json');
    expect(a.json()).toEqual(b.json());
    expect(a.json()).toEqual({ y: [0] });
    expect(c.json()).toEqual({ y: [1] });
  });

  it('reports sklearn input errors as 1.3.5 does: 422 with the Python exception', async () => {
    const missing = await postJson('/serve/test_model_sklearn', { x0: 1 });
    expect(missing.status).toBe(422);
    expect(missing.json()).toEqual({
      detail: "Error [<class 'ValueError'>] processing request: Input X contains NaN.",
    });
    const text = await postJson('/serve/test_model_sklearn', { x0: 'a', x1: 2 });
    expect(text.json().detail).toBe("Error [<class 'ValueError'>] processing request: could not convert string to float: 'a'");
  });

  it('classifies an MNIST image given as raw image bytes, and answers a {"url"} it does not download', async () => {
    const url = 'https://raw.githubusercontent.com/allegroai/clearml-serving/main/examples/pytorch/5.jpg';
    const byUrl = await postJson('/serve/test_model_pytorch', { url });
    expect(byUrl.status).toBe(200);
    const digit = byUrl.json().digit as number;
    expect(Number.isInteger(digit) && digit >= 0 && digit <= 9).toBe(true);
    expect((await postJson('/serve/test_model_pytorch', { url })).json()).toEqual({ digit });

    const byBytes = await post('/serve/test_model_pytorch', SAMPLE, { 'content-type': 'image/png' });
    expect(byBytes.status).toBe(200);
    expect(byBytes.json()).toEqual({ digit: 5 });
  });

  it('rejects what the MNIST preprocess cannot use, with its real exceptions', async () => {
    const noUrl = await postJson('/serve/test_model_pytorch', { image: 'x' });
    expect(noUrl.status).toBe(422);
    expect(noUrl.json().detail).toBe(
      "Error [<class 'UnboundLocalError'>] processing request: cannot access local variable 'image' where it is not associated with a value",
    );
    const notImage = await post('/serve/test_model_pytorch', Buffer.from('hello'), {
      'content-type': 'application/octet-stream',
    });
    expect(notImage.status).toBe(422);
    expect(notImage.json().detail).toBe("Error [<class 'RuntimeError'>] processing request: Image could not be decoded");
    // a JPEG that ends after its first header: PIL opens it lazily, convert("RGB") fails
    const truncated = await post('/serve/test_model_pytorch', TRUNCATED_JPEG, { 'content-type': 'image/jpeg' });
    expect(truncated.status).toBe(422);
    expect(truncated.json().detail).toBe("Error [<class 'RuntimeError'>] processing request: Image could not be decoded");
  });

  it('echoes JSON dicts, counts binary bodies and accepts gzip-encoded bodies', async () => {
    expect((await postJson('/serve/echo', { a: [1, 2], b: 'x' })).json()).toEqual({ echo: { a: [1, 2], b: 'x' } });
    expect((await post('/serve/echo', Buffer.alloc(1234, 7), { 'content-type': 'image/png' })).json()).toEqual({
      echo_bytes: 1234,
    });
    const gz = await post('/serve/echo', gzipSync(JSON.stringify({ zipped: true })), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(gz.json()).toEqual({ echo: { zipped: true } });
  });

  it('parses the body the way FastAPI does for Union[bytes, Dict]', async () => {
    // no content type: FastAPI still tries JSON
    expect((await post('/serve/echo', '{"k":1}')).json()).toEqual({ echo: { k: 1 } });
    // a non-JSON content type keeps the raw bytes even when they are JSON text
    expect((await post('/serve/echo', '{"k":1}', { 'content-type': 'text/plain' })).json()).toEqual({ echo_bytes: 7 });
    const malformed = await post('/serve/echo', '{"k":', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(422);
    const detail = malformed.json().detail as Array<Record<string, unknown>>;
    expect(detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
    expect((detail[0]!['loc'] as unknown[])[0]).toBe('body');
    const list = await postJson('/serve/echo', [1, 2]);
    expect(list.status).toBe(422);
    expect((list.json().detail as Array<{ type: string }>).map((d) => d.type)).toEqual(['bytes_type', 'dict_type']);
  });

  it('serves the three route shapes and the ?version= query like the FastAPI router', async () => {
    peer.addModel('echo/2', () => ({ version: 2 }));
    try {
      expect((await postJson('/serve/echo/', { v: 1 })).json()).toEqual({ echo: { v: 1 } });
      expect((await postJson('/serve/echo/2', {})).json()).toEqual({ version: 2 });
      expect((await postJson('/serve/echo?version=2', {})).json()).toEqual({ version: 2 });
      expect((await postJson('/serve/echo/?version=2', {})).json()).toEqual({ version: 2 });
    } finally {
      peer.removeModel('echo/2');
    }
    const gone = await postJson('/serve/echo/2', {});
    expect(gone.status).toBe(404);
  });

  it('answers unknown endpoints, unknown paths and wrong methods as clearml-serving does', async () => {
    const unknown = await postJson('/serve/nope', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({
      detail: "Error processing request, endpoint was not found: Model inference endpoint 'nope' not found",
    });
    const versioned = await postJson('/serve/test_model_sklearn/7', {});
    expect(versioned.json().detail).toContain("'test_model_sklearn/7'");
    expect((await postJson('/serve/a/b/c', {})).json()).toEqual({ detail: 'Not Found' });
    const get = await request(`${peer.url}/serve/echo`, { dispatcher: agent });
    expect(get.statusCode).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect(await get.body.json()).toEqual({ detail: 'Method Not Allowed' });
  });

  it('runs models registered in-process, mapping their exceptions like clearml-serving', async () => {
    peer.addModel('custom', (body) => {
      if (body.kind !== 'json') throw new PythonError('TypeError', 'expected a dict');
      return { sum: (body.value['a'] as number) + (body.value['b'] as number) };
    });
    try {
      expect((await postJson('/serve/custom', { a: 2, b: 3 })).json()).toEqual({ sum: 5 });
      const bad = await post('/serve/custom', Buffer.from([1]), { 'content-type': 'application/octet-stream' });
      expect(bad.status).toBe(422);
      expect(bad.json().detail).toBe("Error [<class 'TypeError'>] processing request: expected a dict");
    } finally {
      peer.removeModel('custom');
    }
  });
});
