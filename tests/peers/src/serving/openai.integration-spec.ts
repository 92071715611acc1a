import { request } from 'node:http';
import { ServingPeer, startServingPeer } from './server';

let peer: ServingPeer;

beforeAll(async () => {
  peer = await startServingPeer({ llms: ['llama', 'e5'] });
});
afterAll(() => peer.close());
beforeEach(() => peer.llm.reset());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const post = (path: string, body: unknown, type = 'application/json') =>
  fetch(peer.url + path, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe("the serving peer's vLLM stand-in", () => {
  it("streams vLLM's chunks: role first, one event per token, finish_reason on the last, usage only when asked, then [DONE]", async () => {
    const res = await post('/v1/chat/completions', {
      model: 'llama',
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(chunks[0]).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion.chunk',
      created: expect.any(Number),
      model: 'llama',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    expect(chunks.slice(1, -1).map((c) => c.choices[0].delta.content)).toEqual(['You', ' said:', ' hi', ' there']);
    expect(chunks.slice(1, -2).every((c) => !('usage' in c) && c.choices[0].finish_reason === null)).toBe(true);
    expect(chunks.at(-2).choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: null });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 } });
    const plain = await (
      await post('/v1/chat/completions', { model: 'llama', messages: [{ role: 'user', content: 'x' }], stream: true })
    ).text();
    expect(plain).not.toContain('"usage"');
  });

  it('answers JSON only (415), 404 for an unknown model in each flavour, and 400/422 for a missing field', async () => {
    expect((await post('/v1/chat/completions', 'x', 'text/plain')).status).toBe(415);
    const cml = await post('/serve/openai/v1/chat/completions', 'x', 'text/plain');
    expect(cml.status).toBe(415);
    expect(await cml.json()).toEqual({ detail: "Unsupported Media Type: Only 'application/json' is allowed" });
    const unknown = await post('/v1/chat/completions', { model: 'gpt', messages: [] });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { message: 'The model `gpt` does not exist.', type: 'NotFoundError', param: null, code: 404 },
    });
    const cmlUnknown = await post('/serve/openai/v1/chat/completions', { model: 'gpt', messages: [] });
    expect(cmlUnknown.status).toBe(404);
    expect(((await cmlUnknown.json()) as Json).detail).toMatch(/endpoint was not found/);
    expect((await post('/v1/completions', { model: 'llama' })).status).toBe(400);
    expect((await post('/serve/openai/v1/completions', { model: 'llama' })).status).toBe(422);
    // clearml-serving's GET models wants a JSON body too; vLLM's does not.
    expect((await fetch(`${peer.url}/v1/models`)).status).toBe(200);
    expect((await fetch(`${peer.url}/serve/openai/v1/models`)).status).toBe(415);
  });

  it('embeds as floats or base64 float32, equal texts equally', async () => {
    const floats: Json = await (await post('/v1/embeddings', { model: 'e5', input: ['a', 'a'] })).json();
    expect(floats.data[0].embedding).toHaveLength(8);
    expect(floats.data[0].embedding).toEqual(floats.data[1].embedding);
    const b64: Json = await (await post('/v1/embeddings', { model: 'e5', input: 'a', encoding_format: 'base64' })).json();
    const bytes = Buffer.from(b64.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 8))).toEqual(floats.data[0].embedding);
  });

  it('paces tokens, fails mid-stream on demand, and records a client that went away', async () => {
    peer.llm.setBehaviour({ fail: { afterTokens: 2, kind: 'event' } });
    const failed = await (
      await post('/v1/chat/completions', { model: 'llama', messages: [{ role: 'user', content: 'a b c' }], stream: true })
    ).text();
    expect(failed).toMatch(
      /data: \{"error":\{"message":"the engine failed mid-generation","type":"InternalServerError","param":null,"code":500\}\}\n\ndata: \[DONE\]\n\n$/,
    );

    peer.llm.setBehaviour({ fail: null, tokenDelayMs: 40 });
    await new Promise<void>((resolve) => {
      const req = request(`${peer.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy(); // the client leaves after its first piece
          resolve();
        });
      });
      req.end(JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'one two three four five six seven' }], stream: true }));
    });
    // The peer sees the close when it next writes (40 ms on).
    for (let i = 0; i < 100 && !peer.llm.records.at(-1)!.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    const record = peer.llm.records.at(-1)!;
    expect(record).toMatchObject({ aborted: true, completed: false, stream: true });
    expect(record.tokens_sent).toBeLessThan(4);
  });
});
