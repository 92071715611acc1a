import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

export type ServerSentEvent = EventSourceMessage;

/** The longest event kept while it arrives (a model's chunk is a few hundred bytes): past it, the stream is refused. */
export const MAX_EVENT_CHARS = 1024 * 1024;

/**
 * The server-sent events of a response body, each as soon as its blank line arrives. The body
 * comes from fetch (EventSource can only GET, and cannot send the bearer token); the parsing
 * (events split across reads, CRLF, comments, multi-line data, a trailing half event dropped as
 * the standard says) is eventsource-parser's.
 *
 * Leaving the loop early (a `break`, a `return`, an exception in it) cancels the body, which
 * closes the connection: the gateway then stops the model's work.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<ServerSentEvent> {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: MAX_EVENT_CHARS }))
    .getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
