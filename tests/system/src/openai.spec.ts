import OpenAI, { APIError } from 'openai';
import { api, waitFor } from '@cleargate/testing';
import { OndemandStack, startOndemandStack } from './support/ondemand-stack';

jest.setTimeout(90_000);

/**
 * The official `openai` npm package pointed at ClearGate (`baseURL` = `<gateway>/openai/v1`,
 * `apiKey` = a Snap4City token), through the deployed services, against the serving peer's
 * vLLM stand-in in both flavours: vLLM's own server (`/v1/...`) and clearml-serving's
 * (`/serve/openai/v1/...`).
 */
let stack: OndemandStack;
let admin: string;
let user: string;
let client: OpenAI;
let machineIds: { vllm: string; cml: string };

type CallRecord = {
  endpoint: string;
  outcome: string;
  status_code: number;
  route: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  correlation_id: string;
};

async function callLog(endpoint: string, count: number): Promise<CallRecord[]> {
  return waitFor(async () => {
    const r = await api(stack.gatewayUrl, `/v1/logs/ondemand?endpoint=${encodeURIComponent(endpoint)}&limit=100`, { token: admin });
    return (r.json.items as CallRecord[]).length >= count ? (r.json.items as CallRecord[]) : null;
  });
}

const lastRequest = () => stack.serving.llm.records[stack.serving.llm.records.length - 1]!;

/** The SDK's error of a call that must fail. */
async function failure(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    return err as APIError;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  stack = await startOndemandStack();
  stack.serving.llm.addModel('llama');
  stack.serving.llm.addModel('qwen');
  stack.serving.llm.addModel('embedder');
  stack.serving.llm.addModel('secret');
  admin = await stack.oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
  user = await stack.oidc.mint({ username: 'observer', roles: ['Observer'] });
  const machine = async (name: string, base_url: string) => {
    const r = await api(stack.gatewayUrl, '/v1/machines', { token: admin, body: { name, base_url, protocol: 'openai' } });
    expect(r.status).toBe(201);
    return r.json as { machine_id: string };
  };
  // vLLM's own server, and clearml-serving's vLLM engine under /serve/openai, on one peer.
  const vllm = await machine('vllm-1', stack.serving.url);
  const cml = await machine('cml-1', `${stack.serving.url}/serve/openai`);
  machineIds = { vllm: vllm.machine_id, cml: cml.machine_id };
  const endpoint = async (m: { machine_id: string }, name: string, extra: Record<string, unknown> = {}) => {
    const r = await api(stack.gatewayUrl, '/v1/endpoints', { token: admin, body: { machine_id: m.machine_id, name, ...extra } });
    expect(r.status).toBe(201);
  };
  await endpoint(vllm, 'llama', { timeout_ms: 1500 });
  await endpoint(vllm, 'embedder');
  await endpoint(vllm, 'secret', { visibility: 'private' });
  await endpoint(cml, 'llama');
  await endpoint(cml, 'qwen', { timeout_ms: 1500 });
  client = new OpenAI({ baseURL: `${stack.gatewayUrl}/openai/v1`, apiKey: user, maxRetries: 0 });
  // The router learns of the endpoints from the registry's change events.
  await waitFor(async () => (await client.models.list()).data.length === 4);
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => stack.serving.llm.reset());

describe('the OpenAI-compatible API with the official SDK', () => {
  it('lists the models the caller may use, a name on two machines qualified by the machine', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['cml-1/llama', 'embedder', 'qwen', 'vllm-1/llama']);
    expect(models.data.find((m) => m.id === 'qwen')).toMatchObject({ object: 'model', owned_by: 'rootadmin', created: expect.any(Number) });
    // Where each model lives: the machine's name and the public id on-demand callers know it by.
    expect(models.data.find((m) => m.id === 'vllm-1/llama')).toMatchObject({
      machine: 'vllm-1',
      machine_id: machineIds.vllm,
      endpoint: 'llama',
    });
    expect(models.data.find((m) => m.id === 'qwen')).toMatchObject({ machine: 'cml-1', machine_id: machineIds.cml });
    const asAdmin = new OpenAI({ baseURL: `${stack.gatewayUrl}/openai/v1`, apiKey: admin, maxRetries: 0 });
    expect((await asAdmin.models.list()).data.map((m) => m.id)).toContain('secret');
  });

  it('retrieves one model the caller may use, by the id the list gives; 404 model_not_found for any other', async () => {
    const listed = (await client.models.list()).data.find((m) => m.id === 'qwen');
    expect(await client.models.retrieve('qwen')).toEqual(listed);
    // The SDK encodes the slash of a qualified id; a path with it unencoded names the same model.
    expect(await client.models.retrieve('vllm-1/llama')).toMatchObject({ id: 'vllm-1/llama', machine: 'vllm-1', endpoint: 'llama' });
    const raw = await fetch(`${stack.gatewayUrl}/openai/v1/models/vllm-1/llama`, { headers: { authorization: `Bearer ${user}` } });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ id: 'vllm-1/llama', object: 'model' });

    for (const model of ['gpt-4o', 'secret', 'llama']) {
      // unknown, private to its owner, and a name on two machines (a model of the list is one id)
      const missing = await failure(client.models.retrieve(model));
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
      expect(missing.error).toEqual({
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'not_found_error',
        param: null,
        code: 'model_not_found',
      });
    }
    const asAdmin = new OpenAI({ baseURL: `${stack.gatewayUrl}/openai/v1`, apiKey: admin, maxRetries: 0 });
    expect(await asAdmin.models.retrieve('secret')).toMatchObject({ id: 'secret' });
    const anonymous = await fetch(`${stack.gatewayUrl}/openai/v1/models/qwen`);
    expect(anonymous.status).toBe(401);
    const badEncoding = await fetch(`${stack.gatewayUrl}/openai/v1/models/%E0%A4%A`, { headers: { authorization: `Bearer ${user}` } });
    expect(badEncoding.status).toBe(400);
    expect(await badEncoding.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_argument' } });
    expect(stack.serving.llm.records).toHaveLength(0); // the list is ClearGate's: no machine is asked
  });

  it('answers a chat completion, the model name rewritten to the endpoint, and logs its tokens', async () => {
    const answer = await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'Hello there' }] });
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0]!.message.content).toBe('You said: Hello there');
    expect(answer.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 4 });
    // clearml-serving's flavour: the machine got the endpoint's own name.
    expect(lastRequest()).toMatchObject({ flavour: 'clearml-serving', path: '/v1/chat/completions', model: 'qwen', completed: true });
    const qualified = await client.chat.completions.create({ model: 'vllm-1/llama', messages: [{ role: 'user', content: 'hi' }] });
    expect(qualified.choices[0]!.message.content).toBe('You said: hi');
    expect(lastRequest()).toMatchObject({ flavour: 'vllm', model: 'llama' });
    const [record] = await callLog('qwen', 1);
    expect(record).toMatchObject({ route: 'openai', outcome: 'ok', status_code: 200, prompt_tokens: 8, completion_tokens: 4 });
  });

  it('streams a chat completion token by token as the model writes them, ended by [DONE]', async () => {
    stack.serving.llm.setBehaviour({ tokenDelayMs: 60 });
    const words = 'one two three four five six';
    const stream = await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: words }], stream: true });
    const arrivals: { text: string; at: number }[] = [];
    const started = performance.now();
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.choices).toHaveLength(1); // no usage-only chunk: the caller did not ask for it
      arrivals.push({ text: chunk.choices[0]!.delta.content ?? '', at: performance.now() - started });
    }
    expect(arrivals.map((a) => a.text).join('')).toBe(`You said: ${words}`);
    expect(arrivals.length).toBe(9); // the role chunk and eight tokens
    // Each token came when the model wrote it, not all at the end: the gaps follow the model's pace.
    const gaps = arrivals.slice(2).map((a, i) => a.at - arrivals[i + 1]!.at);
    expect(gaps.filter((g) => g >= 30).length).toBeGreaterThanOrEqual(5);
    // The machine was asked for usage anyway, and the call log has it.
    expect(lastRequest()).toMatchObject({ stream: true, include_usage: true, completed: true });
    const [record] = await callLog('qwen', 2);
    expect(record).toMatchObject({ outcome: 'ok', prompt_tokens: 12, completion_tokens: 8 });
  });

  it("sends the answer's headers as the model starts it, before its first token", async () => {
    // A model slow to its first token: the client knows the answer started long before.
    stack.serving.llm.setBehaviour({ firstTokenDelayMs: 1000 });
    const res = await fetch(`${stack.gatewayUrl}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'slow start' }], stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(lastRequest().tokens_sent).toBe(0); // the headers came while the model had written nothing
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.pop()).toBe('data: [DONE]');
    const content = events.map((e) => (JSON.parse(e.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]!.delta.content);
    expect(content.join('')).toBe('You said: slow start');
  });

  it('keeps the usage chunk when the caller asks for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'qwen',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 });
  });

  it('streams legacy completions and embeds text (base64, as the SDK asks by default, and floats)', async () => {
    const stream = await client.completions.create({ model: 'qwen', prompt: 'a b', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('You said: a b');
    const embedded = await client.embeddings.create({ model: 'embedder', input: ['a city', 'a city', 'a tram'] });
    expect(embedded.data).toHaveLength(3);
    expect(embedded.data[0]!.embedding).toHaveLength(8);
    expect(embedded.data[0]!.embedding).toEqual(embedded.data[1]!.embedding);
    expect(embedded.data[0]!.embedding).not.toEqual(embedded.data[2]!.embedding);
    const floats = await client.embeddings.create({ model: 'embedder', input: 'a city', encoding_format: 'float' });
    expect(floats.data[0]!.embedding.map((x) => Math.fround(x))).toEqual(embedded.data[0]!.embedding);
    expect(floats.usage).toMatchObject({ prompt_tokens: 3 });
    const records = await callLog('embedder', 2);
    expect(records[0]).toMatchObject({ prompt_tokens: 3, completion_tokens: 0 });
  });

  it("answers errors in OpenAI's shape: unknown, private and ambiguous models, no token, a bad body", async () => {
    const unknown = await failure(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.status).toBe(404);
    expect(unknown.error).toEqual({
      message: 'The model `gpt-4o` does not exist or you do not have access to it.',
      type: 'not_found_error',
      param: null,
      code: 'model_not_found',
    });
    // An endpoint shared with others only is as unknown as one that does not exist.
    const secret = await failure(client.chat.completions.create({ model: 'secret', messages: [{ role: 'user', content: 'x' }] }));
    expect(secret.status).toBe(404);
    const ambiguous = await failure(client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'x' }] }));
    expect(ambiguous).toBeInstanceOf(OpenAI.BadRequestError);
    expect(ambiguous.error).toMatchObject({ code: 'model_ambiguous', param: 'model', message: expect.stringContaining('`cml-1/llama`') });

    const anonymous = await fetch(`${stack.gatewayUrl}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: { message: expect.any(String), type: 'authentication_error', param: null, code: 'unauthenticated' },
    });
    const badToken = new OpenAI({ baseURL: `${stack.gatewayUrl}/openai/v1`, apiKey: 'not-a-token', maxRetries: 0 });
    expect(await failure(badToken.models.list())).toBeInstanceOf(OpenAI.AuthenticationError);

    const noMessages = await failure(client.chat.completions.create({ model: 'qwen' } as never));
    expect(noMessages.status).toBe(400);
    expect(noMessages.error).toMatchObject({ type: 'invalid_request_error', param: 'messages', code: 'invalid_argument' });
    const text = await fetch(`${stack.gatewayUrl}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    expect(stack.serving.llm.records).toHaveLength(0); // nothing refused here reached the machine
  });

  it("applies the caller's own limits and suspension: 429 as OpenAI's rate_limit_error, 403 while suspended", async () => {
    const ask = () => client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'limited' }] });
    const refusal = () =>
      waitFor(async () => {
        try {
          await ask();
          return null;
        } catch (err) {
          return err as APIError;
        }
      });
    const answered = (message: string) =>
      waitFor(
        async () =>
          (await ask()
            .then(() => true)
            .catch(() => false)) || null,
        { message },
      );

    const rule = await api(stack.gatewayUrl, '/v1/limits', {
      method: 'PUT',
      token: admin,
      body: { scope: 'user', subject: 'observer', limits: { calls_per_second: 0.2, burst: 1 } },
    });
    expect(rule.status).toBe(200);
    try {
      // The gateway reads the new policy from the registry's announcement; until then calls pass.
      const refused = await refusal();
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect(refused.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
      expect(Number(refused.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await api(stack.gatewayUrl, `/v1/limits/${rule.json.id}`, { method: 'DELETE', token: admin });
    }
    await answered('the limit lifted');

    // A daily token quota: the call that reaches it passes; once the call log has counted its
    // tokens, the next is refused until UTC midnight.
    const quota = await api(stack.gatewayUrl, '/v1/limits', {
      method: 'PUT',
      token: admin,
      body: { scope: 'user', subject: 'observer', limits: { tokens_per_day: 5 } },
    });
    expect(quota.status).toBe(200);
    try {
      const spent = await waitFor(
        async () => {
          try {
            await ask();
            return null;
          } catch (err) {
            return err as APIError;
          }
        },
        { timeoutMs: 20_000, intervalMs: 500, message: 'the token quota reached' },
      );
      expect(spent).toBeInstanceOf(OpenAI.RateLimitError);
      expect(spent.message).toMatch(/LLM tokens today, your limit is 5 per day/);
      expect(Number(spent.headers?.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(spent.headers?.get('retry-after'))).toBeLessThanOrEqual(86_400);
    } finally {
      await api(stack.gatewayUrl, `/v1/limits/${quota.json.id}`, { method: 'DELETE', token: admin });
    }
    await answered('the quota lifted');

    const suspended = await api(stack.gatewayUrl, '/v1/admin/suspensions/observer', {
      method: 'PUT',
      token: admin,
      body: { reason: 'LLM abuse' },
    });
    expect(suspended.status).toBe(200);
    try {
      const forbidden = await refusal();
      expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(forbidden.message).toContain('LLM abuse');
    } finally {
      await api(stack.gatewayUrl, '/v1/admin/suspensions/observer?reason=cleared', { method: 'DELETE', token: admin });
    }
    await answered('the suspension lifted');
  });

  it('stops the machine when the client aborts mid-stream, and logs the call as cancelled', async () => {
    stack.serving.llm.setBehaviour({ tokenDelayMs: 50 });
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const stream = await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: words }], stream: true });
    let seen = 0;
    for await (const _chunk of stream) if (++seen === 4) break; // the SDK aborts the HTTP request
    const request = await waitFor(() => (stack.serving.llm.records[0]?.aborted ? stack.serving.llm.records[0] : null));
    expect(request.completed).toBe(false);
    expect(request.tokens_sent).toBeLessThan(20);
    const record = await waitFor(async () => (await callLog('qwen', 1)).find((r) => r.outcome === 'cancelled') ?? null);
    expect(record).toMatchObject({ outcome: 'cancelled', status_code: 200, error: 'the caller went away' });
  });

  it('ends the stream with an error event when the machine fails mid-stream, and the call log says so', async () => {
    for (const kind of ['reset', 'event'] as const) {
      // Paced, so the tokens before the failure are read before a reset discards what is unread.
      stack.serving.llm.setBehaviour({ tokenDelayMs: 30, fail: { afterTokens: 3, kind, times: 1 } });
      const stream = await client.chat.completions.create({
        model: 'qwen',
        messages: [{ role: 'user', content: 'a b c d e f' }],
        stream: true,
      });
      const got: string[] = [];
      let error: unknown;
      try {
        for await (const chunk of stream) got.push(chunk.choices[0]?.delta.content ?? '');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).message).toMatch(kind === 'reset' ? /mid-answer/ : /mid-generation/);
      expect(got.join('')).toBe('You said: a');
    }
    const records = await waitFor(async () => {
      const r = (await callLog('qwen', 1)).filter((x) => x.outcome === 'upstream_error');
      return r.length >= 2 ? r : null;
    });
    expect(records.map((r) => r.error)).toEqual([expect.stringContaining('mid-generation'), expect.stringContaining('mid-answer')]);
    expect(records[0]).toMatchObject({ status_code: 200 });
  });

  /** Streams from `model`, kills the router at the second chunk; what the SDK raised and how long after the kill. */
  async function routerKilledMidStream(model: string): Promise<{ error: unknown; waited: number }> {
    stack.serving.llm.setBehaviour({ tokenDelayMs: 300 });
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: Array.from({ length: 40 }, () => 'x').join(' ') }],
      stream: true,
    });
    let seen = 0;
    let error: unknown;
    let killedAt = 0;
    try {
      for await (const _chunk of stream) {
        if (++seen === 2) {
          killedAt = performance.now();
          await stack.router.kill('SIGKILL');
        }
      }
    } catch (err) {
      error = err;
    }
    const waited = performance.now() - killedAt;
    await stack.router.start();
    await waitFor(async () => (await client.models.list()).data.length === 4);
    return { error, waited };
  }

  it('ends a stream with an error event within the idle timeout when the router dies mid-stream', async () => {
    // llama on vllm-1 has a 1.5 s timeout; the gateway waits that plus OPENAI_IDLE_GRACE_MS (2 s by
    // default), sooner than three missed heartbeats (2 s each).
    const { error, waited } = await routerKilledMidStream('vllm-1/llama');
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toMatch(/nothing came for 3500 ms/);
    expect(waited).toBeLessThan(1500 + 2000 + 1000);
  });

  it('ends a stream with an error event three missed heartbeats after the router dies, long before a long timeout', async () => {
    // cml-1/llama has the default timeout (30 s); the router sends a heartbeat after 2 s without a
    // frame (ONDEMAND_HEARTBEAT_MS), and the gateway gives up after three missed.
    const { error, waited } = await routerKilledMidStream('cml-1/llama');
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toMatch(/stopped answering \(no sign of life for 6000 ms\)/);
    expect(waited).toBeGreaterThan(5000);
    expect(waited).toBeLessThan(6000 + 1500);
  });

  it('exports token counts and time to first token per machine and endpoint', async () => {
    await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'metrics' }] });
    const metrics = await fetch(`http://127.0.0.1:${stack.router.opsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^cleargate_ondemand_router_llm_tokens_total\{machine="cml-1",endpoint="qwen",kind="completion"\} \d+$/m);
    expect(metrics).toMatch(/^cleargate_ondemand_router_llm_time_to_first_token_seconds_count\{machine="cml-1",endpoint="qwen"\} \d+$/m);
    expect(metrics).toMatch(/^cleargate_ondemand_router_requests_total\{machine="cml-1",endpoint="qwen",outcome="ok"\} \d+$/m);
  });
});
