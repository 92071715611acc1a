import { JsonTail, SseRelay } from './sse-relay';

const chunk = (content: string) =>
  `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${content}"},"logprobs":null,"finish_reason":null}]}\n\n`;
const usageChunk =
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"total_tokens":12,"completion_tokens":3}}\n\n';
const done = 'data: [DONE]\n\n';

function relay(relay: SseRelay, parts: string[]): string {
  let out = '';
  for (const p of parts) out += relay.push(Buffer.from(p)).toString();
  return out + relay.flush().toString();
}

describe('SseRelay', () => {
  it('passes token chunks through untouched, byte for byte, and counts the usage chunk it keeps', () => {
    const r = new SseRelay(false);
    const input = [chunk('Hel'), chunk('lo'), usageChunk, done];
    expect(relay(r, input)).toBe(input.join(''));
    expect(r.usage).toEqual({ prompt_tokens: 9, completion_tokens: 3 });
    expect(r.done).toBe(true);
    expect(r.error).toBeNull();
  });

  it('strips the usage-only chunk the caller did not ask for, and still counts it', () => {
    const r = new SseRelay(true);
    expect(relay(r, [chunk('a'), usageChunk + done])).toBe(chunk('a') + done);
    expect(r.usage).toEqual({ prompt_tokens: 9, completion_tokens: 3 });
  });

  it('holds back an event split across reads until its blank line arrives', () => {
    const r = new SseRelay(true);
    const whole = chunk('x') + usageChunk + done;
    const parts = [whole.slice(0, 10), whole.slice(10, 200), whole.slice(200, 201), whole.slice(201)];
    const sent = parts.map((p) => r.push(Buffer.from(p)).toString());
    expect(sent[0]).toBe('');
    expect(sent.join('') + r.flush().toString()).toBe(chunk('x') + done);
    // Every piece released ends at an event's blank line.
    for (const s of sent) if (s) expect(s.endsWith('\n\n')).toBe(true);
  });

  it('keeps continuous usage stats (usage on chunks with choices) and takes the last', () => {
    const r = new SseRelay(true);
    const withUsage = (n: number) =>
      `data: {"choices":[{"index":0,"delta":{"content":"t"}}],"usage":{"prompt_tokens":4,"completion_tokens":${n},"total_tokens":${4 + n}}}\n\n`;
    expect(relay(r, [withUsage(1), withUsage(2), done])).toBe(withUsage(1) + withUsage(2) + done);
    expect(r.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2 });
  });

  it('notes an error event and passes it on', () => {
    const r = new SseRelay(false);
    const error = 'data: {"error": {"message": "engine died", "type": "InternalServerError", "param": null, "code": 500}}\n\n';
    expect(relay(r, [chunk('a'), error, done])).toBe(chunk('a') + error + done);
    expect(r.error).toBe('engine died');
  });

  it('reads CRLF-separated events and multi-line data', () => {
    const r = new SseRelay(true);
    const crlf = 'data: {"choices":[],\r\ndata: "usage":{"prompt_tokens":1,"completion_tokens":2}}\r\n\r\n';
    expect(relay(r, [crlf, 'data: [DONE]\r\n\r\n'])).toBe('data: [DONE]\r\n\r\n');
    expect(r.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2 });
  });

  it('does not mistake the word usage inside a token for the usage field', () => {
    const r = new SseRelay(true);
    const tricky = chunk('the \\"usage\\" of words');
    expect(relay(r, [tricky])).toBe(tricky);
    expect(r.usage).toBeNull();
  });
});

describe('JsonTail', () => {
  it('finds usage at the end of a long answer from its last bytes only', () => {
    const tail = new JsonTail(4096);
    const vector = Array.from({ length: 5000 }, (_, i) => (i / 7).toFixed(6)).join(',');
    const answer = `{"id":"embd-1","object":"list","created":1,"model":"e","data":[{"index":0,"object":"embedding","embedding":[${vector}]}],"usage":{"prompt_tokens":7,"total_tokens":7,"completion_tokens":0,"prompt_tokens_details":null}}`;
    const bytes = Buffer.from(answer);
    for (let i = 0; i < bytes.length; i += 1000) tail.push(bytes.subarray(i, i + 1000));
    expect(tail.usage()).toEqual({ prompt_tokens: 7, completion_tokens: 0 });
  });

  it('reads nested usage details and strings with braces', () => {
    const tail = new JsonTail();
    tail.push(
      Buffer.from(
        '{"choices":[{"message":{"content":"a } b"}}],"usage":{"prompt_tokens":3,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":1}},"x":"}"}',
      ),
    );
    expect(tail.usage()).toEqual({ prompt_tokens: 3, completion_tokens: 5 });
  });

  it('answers null without a usage object', () => {
    const tail = new JsonTail();
    tail.push(Buffer.from('{"usage":null}'));
    expect(tail.usage()).toBeNull();
  });
});
