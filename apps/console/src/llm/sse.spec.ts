import { controlledBody } from '../testing/streams';
import { MAX_EVENT_CHARS, serverSentEvents, type ServerSentEvent } from './sse';

const bodyOf = (...pieces: (string | Uint8Array<ArrayBuffer>)[]) => {
  const b = controlledBody();
  for (const p of pieces) b.push(p);
  b.close();
  return b.body;
};

async function all(body: ReadableStream<Uint8Array<ArrayBuffer>>): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const e of serverSentEvents(body)) events.push(e);
  return events;
}

describe('the server-sent events reader', () => {
  it('reads events whatever the reads cut: inside a line, between CR and LF, inside a UTF-8 character', async () => {
    const text = 'data: {"a":"caffè"}\r\n\r\ndata: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    // Every byte its own read: the worst a network can do.
    const pieces = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(await all(bodyOf(...pieces))).toEqual([
      { data: '{"a":"caffè"}', event: undefined, id: undefined },
      { data: '[DONE]', event: undefined, id: undefined },
    ]);
  });

  it('joins multi-line data, skips comments, keeps event names, and drops a half event left at the end', async () => {
    const events = await all(bodyOf(': keep-alive\n\n', 'event: error\ndata: line 1\ndata: line 2\n\n', 'data: no blank line after me'));
    expect(events).toEqual([{ event: 'error', data: 'line 1\nline 2', id: undefined }]);
  });

  it('gives each event as soon as its blank line arrives, before the body ends', async () => {
    const b = controlledBody();
    const events = serverSentEvents(b.body);
    b.push('data: one\n');
    const first = events.next();
    // Not an event yet: its blank line has not come.
    const pending = await Promise.race([first.then(() => 'read'), new Promise((r) => setTimeout(() => r('waiting'), 20))]);
    expect(pending).toBe('waiting');
    b.push('\ndata: tw');
    await expect(first).resolves.toEqual({ done: false, value: { data: 'one', event: undefined, id: undefined } });
    b.push('o\n\n');
    await expect(events.next()).resolves.toMatchObject({ value: { data: 'two' } });
    b.close();
    await expect(events.next()).resolves.toEqual({ done: true, value: undefined });
    expect(b.state.cancelled).toBe(false);
  });

  it('cancels the body (closing the connection) when the reader stops early', async () => {
    const b = controlledBody();
    b.push('data: one\n\ndata: two\n\n');
    for await (const e of serverSentEvents(b.body)) {
      expect(e.data).toBe('one');
      break;
    }
    expect(b.state.cancelled).toBe(true);
  });

  it('passes on a failure of the body (an aborted fetch)', async () => {
    const b = controlledBody();
    b.push('data: one\n\n');
    const events = serverSentEvents(b.body);
    await expect(events.next()).resolves.toMatchObject({ value: { data: 'one' } });
    const abort = new DOMException('The user aborted a request.', 'AbortError');
    b.fail(abort);
    await expect(events.next()).rejects.toBe(abort);
  });

  it('refuses an event that grows past the limit instead of holding it all', async () => {
    const b = controlledBody();
    const events = all(b.body);
    const piece = `data: ${'x'.repeat(64 * 1024)}`;
    b.push(piece);
    for (let sent = piece.length; sent <= MAX_EVENT_CHARS; sent += 64 * 1024) b.push('x'.repeat(64 * 1024));
    await expect(events).rejects.toThrow(/buffer/i);
  });
});
