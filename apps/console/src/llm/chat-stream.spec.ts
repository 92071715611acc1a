import { authorizedFetch, createApiClient } from '../api/client';
import { createDataProvider } from '../data/data-provider';
import { ChatFailure, chatEvents, runChat, type ChatProgress, type SendChat } from './chat-stream';
import { controlledBody } from '../testing/streams';

/** A chunk as vLLM writes it (chat.completion.chunk, exclude_unset). */
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
const usage = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'llama', choices: [], usage: { prompt_tokens: 9, total_tokens: 12, completion_tokens: 3 } })}\n\n`;
const DONE = 'data: [DONE]\n\n';

async function* events(...data: string[]) {
  for (const d of data) yield { data: d, event: undefined, id: undefined };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('chat completion events', () => {
  it('gives the text of each chunk, the finish reason and the usage, and ends at [DONE]', async () => {
    const parsed = await collect(
      chatEvents(
        events(
          chunk({ role: 'assistant', content: '' }).slice(6, -2),
          chunk({ content: 'You' }).slice(6, -2),
          chunk({ content: ' said' }).slice(6, -2),
          chunk({ content: ':' }, 'stop').slice(6, -2),
          usage.slice(6, -2),
          '[DONE]',
          // Anything after [DONE] is not read.
          'not json',
        ),
      ),
    );
    expect(parsed).toEqual([
      { type: 'content', text: 'You' },
      { type: 'content', text: ' said' },
      { type: 'content', text: ':' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { prompt_tokens: 9, total_tokens: 12, completion_tokens: 3 } },
    ]);
  });

  it('reports an error event in OpenAI’s shape in the middle of the answer', async () => {
    const error = { error: { message: 'the engine failed mid-generation', type: 'InternalServerError', param: null, code: 500 } };
    const parsed = await collect(chatEvents(events(chunk({ content: 'You' }).slice(6, -2), JSON.stringify(error), '[DONE]')));
    expect(parsed).toEqual([
      { type: 'content', text: 'You' },
      { type: 'error', error: { message: 'the engine failed mid-generation', type: 'InternalServerError', code: '500', param: null } },
    ]);
  });

  it('says the answer was cut off when the stream ends before [DONE], and refuses an event that is not JSON', async () => {
    await expect(collect(chatEvents(events(chunk({ content: 'You' }).slice(6, -2))))).rejects.toThrow(/cut off/);
    await expect(collect(chatEvents(events('<html>')))).rejects.toThrow(ChatFailure);
  });
});

describe('a streamed chat call', () => {
  const request = { model: 'llama', messages: [{ role: 'user' as const, content: 'Hello' }] };
  const clock = () => {
    let t = 0;
    return () => (t += 10);
  };

  it('reports each piece as it is read, then the end', async () => {
    const b = controlledBody();
    const seen: ChatProgress[] = [];
    const send: SendChat = async () => ({ body: b.body, requestId: 'req-1' });
    const done = runChat(send, request, new AbortController().signal, (p) => seen.push(p), clock());
    b.push(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'You' }));
    await new Promise((r) => setTimeout(r, 10));
    // The first token is reported while the answer is still coming.
    expect(seen.map((p) => p.type)).toEqual(['answering', 'content']);
    b.push(chunk({ content: ' said' }, 'stop') + usage + DONE);
    b.close();
    await done;
    expect(seen).toEqual([
      { type: 'answering', requestId: 'req-1', at: 10 },
      { type: 'content', text: 'You', at: 20 },
      { type: 'content', text: ' said', at: 30 },
      { type: 'finish', reason: 'stop', at: 40 },
      { type: 'usage', usage: { prompt_tokens: 9, total_tokens: 12, completion_tokens: 3 }, at: 50 },
      { type: 'end', at: 60 },
    ]);
  });

  it('stops when aborted, cancelling the stream (the connection closes, the gateway stops the model)', async () => {
    const b = controlledBody();
    const controller = new AbortController();
    const seen: ChatProgress[] = [];
    // As fetch does: an abort errors the body being read.
    controller.signal.addEventListener('abort', () => b.fail(new DOMException('aborted', 'AbortError')));
    const send: SendChat = async () => ({ body: b.body, requestId: null });
    const done = runChat(send, request, controller.signal, (p) => seen.push(p), clock());
    b.push(chunk({ content: 'You' }));
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await done;
    expect(seen.map((p) => p.type)).toEqual(['answering', 'content', 'stopped']);
  });

  it('fails with the refusal when the call is refused, and with the cut when the stream breaks', async () => {
    const refused: ChatProgress[] = [];
    const failure = new ChatFailure({
      message: 'The model `x` does not exist.',
      status: 404,
      type: 'not_found_error',
      code: 'model_not_found',
    });
    await runChat(
      async () => {
        throw failure;
      },
      request,
      new AbortController().signal,
      (p) => refused.push(p),
      clock(),
    );
    expect(refused).toEqual([{ type: 'failed', error: failure.error, at: 10 }]);

    const b = controlledBody();
    const cut: ChatProgress[] = [];
    const done = runChat(
      async () => ({ body: b.body, requestId: null }),
      request,
      new AbortController().signal,
      (p) => cut.push(p),
      clock(),
    );
    b.push(chunk({ content: 'You' }));
    b.fail(new TypeError('network error'));
    await done;
    expect(cut.at(-1)).toMatchObject({ type: 'failed', error: { message: 'The answer could not be read (network error)' } });
  });
});

describe('the data provider’s chat call', () => {
  function gateway(answer: (req: Request) => Response) {
    const requests: { url: string; auth: string | null; body: unknown }[] = [];
    const fetchImpl = (async (req: Request) => {
      const text = await req.clone().text();
      requests.push({ url: req.url, auth: req.headers.get('authorization'), body: text ? JSON.parse(text) : undefined });
      return answer(req);
    }) as unknown as typeof fetch;
    const tokens = { accessToken: async () => 'tok', renew: async () => undefined };
    const provider = createDataProvider(
      createApiClient('http://gw.test', tokens, fetchImpl),
      authorizedFetch(tokens, fetchImpl),
      'http://gw.test',
    );
    return { provider, requests };
  }

  it('asks for a stream with its usage, with the user’s token, and gives the event stream', async () => {
    const { provider, requests } = gateway(
      () => new Response(chunk({ content: 'Hi' }) + DONE, { headers: { 'content-type': 'text/event-stream', 'x-request-id': 'r-7' } }),
    );
    const { body, requestId } = await provider.openaiChat(
      { model: 'llama', messages: [{ role: 'user', content: 'Hello' }] },
      new AbortController().signal,
    );
    expect(requestId).toBe('r-7');
    expect(requests).toEqual([
      {
        url: 'http://gw.test/openai/v1/chat/completions',
        auth: 'Bearer tok',
        body: { model: 'llama', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } },
      },
    ]);
    expect(await new Response(body).text()).toBe(chunk({ content: 'Hi' }) + DONE);
  });

  it('turns a refusal in OpenAI’s error shape into a failure with its status, type, code and request id', async () => {
    const { provider } = gateway(
      () =>
        new Response(
          JSON.stringify({
            error: { message: 'The model `gpt` does not exist.', type: 'not_found_error', param: 'model', code: 'model_not_found' },
          }),
          { status: 404, headers: { 'content-type': 'application/json', 'x-request-id': 'r-8' } },
        ),
    );
    const refused = provider.openaiChat({ model: 'gpt', messages: [{ role: 'user', content: 'Hello' }] }, new AbortController().signal);
    await expect(refused).rejects.toBeInstanceOf(ChatFailure);
    await expect(refused).rejects.toMatchObject({
      error: {
        message: 'The model `gpt` does not exist.',
        status: 404,
        type: 'not_found_error',
        code: 'model_not_found',
        param: 'model',
        requestId: 'r-8',
      },
    });
  });

  it('lists the LLM endpoints the user may chat with', async () => {
    const model = {
      id: 'llama',
      object: 'model',
      created: 1,
      owned_by: 'rootadmin',
      machine: 'gpu-1',
      machine_id: 'ab'.repeat(32),
      endpoint: 'llama',
    };
    const { provider } = gateway(
      () => new Response(JSON.stringify({ object: 'list', data: [model] }), { headers: { 'content-type': 'application/json' } }),
    );
    await expect(provider.openaiModels()).resolves.toEqual([model]);
  });
});
