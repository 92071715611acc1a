import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An LLM served behind an OpenAI-compatible API, as vLLM's server answers (and clearml-serving
 * 1.3.5's vLLM engine, which hands the request to vLLM's serving classes under `/serve/openai`):
 *
 * - `POST /v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `GET /v1/models`;
 * - JSON only (`validate_json_request`: anything else is 415); `model` must be a served model,
 *   else 404 `{"error": {"message": "The model `x` does not exist.", "type": "NotFoundError", "param": null, "code": 404}}`;
 * - streams as vLLM writes them: `data: <chunk JSON>\n\n` per piece, the first chunk carrying
 *   the role with empty content, the last token's chunk the `finish_reason`, then (with
 *   `stream_options.include_usage`) a chunk with `"choices":[]` and `usage`, then `data: [DONE]\n\n`;
 *   chunks are serialised with `exclude_unset`, so no `usage` key on the others;
 * - a failure during generation is an event `data: {"error": {...}}\n\n` followed by `data: [DONE]\n\n`;
 * - embeddings as floats or, with `encoding_format: "base64"` (what OpenAI's SDKs ask for), base64
 *   of little-endian float32.
 *
 * The clearml-serving flavour differs where its router does: 404 for an unknown endpoint and
 * validation errors come as FastAPI's `{"detail": ...}` (422), and `GET .../v1/models` too must
 * carry a JSON body.
 *
 * The answer is deterministic: the last message's text is echoed back word by word ("You said:
 * ..."), one token per word. Per-token delay and mid-stream failures are injectable, and every
 * request is recorded with whether the client aborted it before its end.
 */
export type OpenaiFlavour = 'vllm' | 'clearml-serving';

export interface LlmBehaviour {
  /** Before the first token. */
  firstTokenDelayMs: number;
  /** Between tokens. */
  tokenDelayMs: number;
  /** Fail generation after this many tokens: `reset` drops the connection, `event` sends vLLM's error event. */
  fail: { afterTokens: number; kind: 'reset' | 'event'; times?: number } | null;
}

export interface LlmRequestRecord {
  id: string;
  flavour: OpenaiFlavour;
  path: string;
  model: string | null;
  stream: boolean;
  include_usage: boolean;
  status: number;
  tokens_sent: number;
  /** The answer was written to its end. */
  completed: boolean;
  /** The client closed the connection before the answer's end (what vLLM sees as a disconnect and aborts). */
  aborted: boolean;
  /** The request body as received. */
  body: unknown;
}

const EMBEDDING_DIMENSIONS = 8;
const MAX_MODEL_LEN = 4096;

export class OpenaiLlm {
  private readonly served = new Map<string, { created: number }>();
  readonly records: LlmRequestRecord[] = [];
  behaviour: LlmBehaviour = { firstTokenDelayMs: 0, tokenDelayMs: 0, fail: null };
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(models: string[] = []) {
    for (const m of models) this.addModel(m);
  }

  addModel(name: string): void {
    this.served.set(name, { created: Math.floor(Date.now() / 1000) });
  }

  models(): string[] {
    return [...this.served.keys()];
  }

  setBehaviour(behaviour: Partial<LlmBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...behaviour };
  }

  reset(): void {
    this.records.length = 0;
    this.behaviour = { firstTokenDelayMs: 0, tokenDelayMs: 0, fail: null };
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** `path` is what follows the flavour's prefix: `/v1/chat/completions`... */
  handle(flavour: OpenaiFlavour, path: string, req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const record: LlmRequestRecord = {
      id: randomUUID(),
      flavour,
      path,
      model: null,
      stream: false,
      include_usage: false,
      status: 0,
      tokens_sent: 0,
      completed: false,
      aborted: false,
      body: null,
    };
    this.records.push(record);
    if (this.records.length > 10_000) this.records.shift();
    res.once('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const reply = (status: number, body: unknown) => {
      record.status = status;
      record.completed = true;
      json(res, status, body);
    };
    const routes: Record<string, string> = {
      '/v1/chat/completions': 'POST',
      '/v1/completions': 'POST',
      '/v1/embeddings': 'POST',
      '/v1/models': 'GET',
    };
    const method = routes[path];
    if (!method) return reply(404, { detail: 'Not Found' });
    if (flavour === 'clearml-serving' ? req.method !== 'GET' && req.method !== 'POST' : req.method !== method) {
      res.setHeader('allow', method);
      return reply(405, { detail: 'Method Not Allowed' });
    }
    if (path === '/v1/models' && flavour === 'vllm') return reply(200, this.modelList());
    // validate_json_request, a route dependency of both servers: it runs before the body is read.
    const type = (req.headers['content-type'] ?? '').toLowerCase().split(';', 1)[0]!.trim();
    if (type !== 'application/json') {
      return reply(415, { detail: "Unsupported Media Type: Only 'application/json' is allowed" });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8'));
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return flavour === 'vllm'
        ? reply(400, errorBody('JSON decode error', 'BadRequestError', 400))
        : reply(422, { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} }] });
    }
    record.body = body;
    record.model = typeof body.model === 'string' ? body.model : null;
    record.stream = body.stream === true;
    const options = body.stream_options as { include_usage?: unknown } | null | undefined;
    record.include_usage = options?.include_usage === true;
    if (path === '/v1/models') return reply(200, this.modelList()); // clearml-serving: any JSON body will do here
    const missing = path === '/v1/chat/completions' ? 'messages' : path === '/v1/completions' ? 'prompt' : 'input';
    if (body[missing] === undefined || record.model === null) {
      const field = record.model === null ? 'model' : missing;
      return flavour === 'vllm'
        ? reply(400, errorBody(`[{'type': 'missing', 'loc': ('body', '${field}'), 'msg': 'Field required'}]`, 'BadRequestError', 400))
        : reply(422, { detail: [{ type: 'missing', loc: ['body', field], msg: 'Field required', input: body }] });
    }
    if (!this.served.has(record.model)) {
      return flavour === 'vllm'
        ? reply(404, errorBody(`The model \`${record.model}\` does not exist.`, 'NotFoundError', 404))
        : reply(404, { detail: `Error processing request, endpoint was not found: ${record.model}` });
    }
    if (path === '/v1/embeddings') return reply(200, this.embeddings(record.model, body));
    this.generate(path === '/v1/chat/completions' ? 'chat' : 'completion', record, body, res);
  }

  private modelList() {
    return {
      object: 'list',
      data: [...this.served].map(([id, { created }]) => ({
        id,
        object: 'model',
        created,
        owned_by: 'vllm',
        root: id,
        parent: null,
        max_model_len: MAX_MODEL_LEN,
        permission: [
          {
            id: `modelperm-${hex(id).slice(0, 32)}`,
            object: 'model_permission',
            created,
            allow_create_engine: false,
            allow_sampling: true,
            allow_logprobs: true,
            allow_search_indices: false,
            allow_view: true,
            allow_fine_tuning: false,
            organization: '*',
            group: null,
            is_blocking: false,
          },
        ],
      })),
    };
  }

  private embeddings(model: string, body: Record<string, unknown>) {
    const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
    const base64 = body.encoding_format === 'base64';
    let promptTokens = 0;
    const data = inputs.map((input, index) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      promptTokens += Array.isArray(input) && typeof input[0] === 'number' ? input.length : words(text).length + 1;
      const vector = embed(text);
      return {
        index,
        object: 'embedding',
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      };
    });
    return {
      id: `embd-${hex(randomUUID()).slice(0, 32)}`,
      object: 'list',
      created: now(),
      model,
      data,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
    };
  }

  private generate(kind: 'chat' | 'completion', record: LlmRequestRecord, body: Record<string, unknown>, res: ServerResponse): void {
    const model = record.model!;
    const prompt = kind === 'chat' ? lastMessageText(body.messages) : String(Array.isArray(body.prompt) ? body.prompt[0] : body.prompt);
    const promptTokens = kind === 'chat' ? promptTokenCount(body.messages) : words(prompt).length + 1;
    const maxTokens =
      typeof body.max_tokens === 'number'
        ? body.max_tokens
        : typeof body.max_completion_tokens === 'number'
          ? body.max_completion_tokens
          : 256;
    const all = tokensOf(`You said: ${prompt}`);
    const tokens = all.slice(0, Math.max(0, maxTokens));
    const finish = tokens.length < all.length ? 'length' : 'stop';
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${hex(randomUUID()).slice(0, 32)}`;
    const created = now();
    const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens + tokens.length, completion_tokens: tokens.length };
    const fail = this.behaviour.fail;
    if (fail && fail.times !== undefined && --fail.times <= 0) this.behaviour.fail = null;

    if (!record.stream) {
      const text = tokens.join('');
      const after = (fn: () => void) => this.after(this.behaviour.firstTokenDelayMs + this.behaviour.tokenDelayMs * tokens.length, fn);
      return after(() => {
        if (res.destroyed) return;
        if (fail) {
          if (fail.kind === 'reset') return void res.socket?.resetAndDestroy();
          record.status = 500;
          record.completed = true;
          return json(res, 500, errorBody('the engine failed', 'InternalServerError', 500));
        }
        record.status = 200;
        record.tokens_sent = tokens.length;
        record.completed = true;
        json(
          res,
          200,
          kind === 'chat'
            ? {
                id,
                object: 'chat.completion',
                created,
                model,
                choices: [
                  {
                    index: 0,
                    message: { role: 'assistant', reasoning_content: null, content: text, tool_calls: [] },
                    logprobs: null,
                    finish_reason: finish,
                    stop_reason: null,
                  },
                ],
                usage: { ...usage, prompt_tokens_details: null },
                prompt_logprobs: null,
                kv_transfer_params: null,
              }
            : {
                id,
                object: 'text_completion',
                created,
                model,
                choices: [{ index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null, prompt_logprobs: null }],
                usage: { ...usage, prompt_tokens_details: null },
                kv_transfer_params: null,
              },
        );
      });
    }

    // Starlette's StreamingResponse: the status line and headers go before the first piece
    // (uvicorn writes them at once), while the model is still on its first token.
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.flushHeaders();
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
    const chunk = (token: string, finishReason: string | null) =>
      event({
        id,
        object,
        created,
        model,
        choices: [
          kind === 'chat'
            ? {
                index: 0,
                delta: { content: token },
                logprobs: null,
                finish_reason: finishReason,
                ...(finishReason ? { stop_reason: null } : {}),
              }
            : { index: 0, text: token, logprobs: null, finish_reason: finishReason, stop_reason: null },
        ],
      });
    const pieces: string[] = [];
    if (kind === 'chat') {
      pieces.push(
        event({
          id,
          object,
          created,
          model,
          choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
        }),
      );
    }
    let sent = 0;
    const write = (data: string, next: () => void) => {
      if (res.destroyed) return;
      if (res.write(data)) next();
      else res.once('drain', next);
    };
    const step = (i: number): void => {
      if (res.destroyed) return;
      if (fail && sent >= fail.afterTokens) {
        if (fail.kind === 'reset') return void res.socket?.resetAndDestroy();
        write(event(errorBody('the engine failed mid-generation', 'InternalServerError', 500)), () => {
          record.completed = true;
          res.end('data: [DONE]\n\n');
        });
        return;
      }
      if (i >= tokens.length) {
        const tail = (record.include_usage ? event({ id, object, created, model, choices: [], usage }) : '') + 'data: [DONE]\n\n';
        record.completed = true;
        res.end(tail);
        return;
      }
      const data = (i === 0 && pieces.length ? pieces[0]! : '') + chunk(tokens[i]!, i === tokens.length - 1 ? finish : null);
      write(data, () => {
        sent++;
        record.tokens_sent = sent;
        if (this.behaviour.tokenDelayMs > 0) this.after(this.behaviour.tokenDelayMs, () => step(i + 1));
        else step(i + 1);
      });
    };
    this.after(this.behaviour.firstTokenDelayMs, () => {
      if (tokens.length === 0 && pieces.length) write(pieces[0]!, () => step(0));
      else step(0);
    });
  }

  private after(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(message: string, type: string, code: number) {
  return { error: { message, type, param: null, code } };
}

const now = () => Math.floor(Date.now() / 1000);
const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** One token per word, the space before it included, as BPE tokenizers split text. */
export function tokensOf(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function lastMessageText(messages: unknown): string {
  const list = Array.isArray(messages) ? messages : [];
  const last = list[list.length - 1] as { content?: unknown } | undefined;
  return contentText(last?.content);
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join(' ');
  return '';
}

/** The chat template's cost, roughly: the words of every message plus four per message. */
function promptTokenCount(messages: unknown): number {
  const list = Array.isArray(messages) ? messages : [];
  return list.reduce((n: number, m) => n + 4 + words(contentText((m as { content?: unknown })?.content)).length, 0) + 2;
}

/** A unit vector derived from the text's hash: equal texts embed equally. */
function embed(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  const v = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => digest.readInt16LE(i * 2) / 32768);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.fround(x / norm));
}
