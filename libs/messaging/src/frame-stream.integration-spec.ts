import { createInbox, type Msg } from '@nats-io/nats-core';
import { decodeStreamFrame, encodeStreamFrame, encodeStreamJson, STREAM_FRAME, StreamError, StreamHead } from '@cleargate/contracts';
import { StreamCallOptions, StreamClient, StreamListener, StreamRequest, serveStreams } from './frame-stream';
import { askingHeartbeats, isHeartbeat } from './heartbeats';
import { natsFixture, silent, sleep, until } from './test/nats-fixture';

const options: StreamCallOptions = { window: 8, acceptTimeoutMs: 2000, idleGraceMs: 300 };

/** Collects what a caller hears. */
function collector() {
  const heard = { head: null as StreamHead | null, data: [] as string[], end: false, error: null as StreamError | null };
  const listener: StreamListener = {
    onHead: (h) => void (heard.head = h),
    onData: (p) => void heard.data.push(Buffer.from(p).toString()),
    onEnd: () => void (heard.end = true),
    onError: (e) => void (heard.error = e),
  };
  return { heard, listener };
}

describe('streamed answers over NATS', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;

  beforeAll(async () => {
    fx = await natsFixture();
  });
  afterAll(() => fx.drop());

  /** Each test's servers answer a subject of its own. */
  let SUBJECT = '';
  let tests = 0;
  beforeEach(() => {
    SUBJECT = `test.stream${++tests}.v1`;
  });

  /** A server on its own connection (a router replica) running `handler` for each request. */
  async function server(handler: (r: StreamRequest) => void, stallMs = 5000) {
    const nats = await fx.another('server');
    const s = serveStreams(nats, SUBJECT, 'servers', () => options.window, handler, { stallMs }, silent);
    await nats.connection.flush();
    return { nats, server: s };
  }

  it('delivers every frame in order, head first, end last, however many the answer has', async () => {
    const { server: s } = await server((r) => {
      r.accept(1000);
      r.head({ status: 200, content_type: 'text/event-stream', events: true });
      let i = 0;
      // Writes as fast as credit allows, like an upstream read loop.
      const pump = () => {
        while (i < 2000) if (!r.write(Buffer.from(`${i++},`))) return;
        r.end({ usage: { prompt_tokens: 1 } });
      };
      r.onDrain(pump);
      pump();
    });
    const client = new StreamClient(fx.nats.connection);
    const { heard, listener } = collector();
    client.open(fx.nats.subject(SUBJECT), Buffer.from('go'), listener, options);
    await until(() => heard.end || heard.error !== null, 10_000);
    expect(heard.error).toBeNull();
    expect(heard.head).toEqual({ status: 200, content_type: 'text/event-stream', events: true });
    expect(heard.data.join('')).toBe(Array.from({ length: 2000 }, (_, i) => `${i},`).join(''));
    expect(client.size).toBe(0);
    expect(s.size).toBe(0);
    client.close();
  });

  it('holds the server to the credit window while the caller is paused, and lets it go on after resume', async () => {
    const writes: boolean[] = [];
    let request: StreamRequest | undefined;
    let drained = 0;
    await server((r) => {
      request = r;
      r.accept(5000);
      r.head({ status: 200 });
      const pump = () => {
        while (writes.length < 40) {
          const ok = r.write(Buffer.from('x'));
          writes.push(ok);
          if (!ok) return;
        }
        r.end();
      };
      r.onDrain(() => {
        drained++;
        pump();
      });
      pump();
    });
    const client = new StreamClient(fx.nats.connection);
    const { heard } = collector();
    let received = 0;
    const call = client.open(
      fx.nats.subject(SUBJECT),
      Buffer.from('go'),
      {
        onHead: () => undefined,
        onData: () => {
          received++;
          call.pause(); // a client that reads nothing more
        },
        onEnd: () => void (heard.end = true),
        onError: (e) => void (heard.error = e),
      },
      options,
    );
    await until(() => writes.includes(false));
    await sleep(200);
    // The head and 7 data frames fill the window of 8: the write of the last one answers false.
    expect(writes.filter(Boolean)).toHaveLength(options.window - 2);
    expect(received).toBe(options.window - 1);
    expect(drained).toBe(0);
    expect(request!.frames).toBe(options.window);
    // Paused, the caller does not count silence against the server.
    await sleep(options.idleGraceMs + 100);
    expect(heard.error).toBeNull();
    call.resume();
    const resumed = setInterval(() => call.resume(), 5); // keep reading from now on
    await until(() => heard.end, 5000);
    clearInterval(resumed);
    expect(writes).toHaveLength(40);
    expect(drained).toBeGreaterThan(0);
    client.close();
  });

  it('tells the server when the caller cancels, before or after the answer started', async () => {
    const cancels: string[] = [];
    let accept: (() => void) | undefined;
    await server((r) => {
      r.onCancel((reason) => cancels.push(`${Buffer.from(r.data).toString()}:${reason}`));
      if (Buffer.from(r.data).toString() === 'late') {
        accept = () => r.accept(5000); // the caller cancels before this
        return;
      }
      r.accept(5000);
      r.head({ status: 200 });
      r.write(Buffer.from('first'));
    });
    const client = new StreamClient(fx.nats.connection);
    const started = collector();
    const call = client.open(fx.nats.subject(SUBJECT), Buffer.from('started'), started.listener, options);
    await until(() => started.heard.data.length === 1);
    call.cancel();
    await until(() => cancels.includes('started:cancelled'));

    const late = collector();
    const early = client.open(fx.nats.subject(SUBJECT), Buffer.from('late'), late.listener, options);
    await until(() => accept !== undefined);
    early.cancel();
    accept!();
    await until(() => cancels.includes('late:cancelled'));
    expect(late.heard.error).toBeNull(); // a cancelled call hears nothing more
    client.close();
  });

  it('abandons a stream whose caller takes nothing for the stall timeout (a caller that is gone)', async () => {
    const cancels: string[] = [];
    await server((r) => {
      r.onCancel((reason) => cancels.push(reason));
      r.accept(5000);
      r.head({ status: 200 });
      for (let i = 0; i < 20; i++) r.write(Buffer.from('x'));
    }, 300);
    const gone = await fx.another('gone');
    // A caller's connection that dies without a word: no ack, no cancel.
    new StreamClient(gone.connection).open(gone.subject(SUBJECT), Buffer.from('go'), collector().listener, options);
    await gone.connection.flush();
    await gone.connection.close();
    await until(() => cancels.length === 1, 3000);
    expect(cancels).toEqual(['stalled']);
  });

  it('ends the stream with an error within the idle timeout and its grace when the server dies mid-answer', async () => {
    const { nats } = await server((r) => {
      r.accept(400);
      r.head({ status: 200, events: true });
      r.write(Buffer.from('data: {}\n\n'));
    });
    const client = new StreamClient(fx.nats.connection);
    const { heard, listener } = collector();
    client.open(fx.nats.subject(SUBJECT), Buffer.from('go'), listener, options);
    await until(() => heard.data.length === 1);
    const killed = Date.now();
    await nats.connection.close(); // the router process is gone
    await until(() => heard.error !== null, 3000);
    const waited = Date.now() - killed;
    expect(heard.error).toMatchObject({ status: 504, error: { code: 'upstream_timeout' } });
    expect(waited).toBeGreaterThanOrEqual(400 + options.idleGraceMs - 50);
    expect(waited).toBeLessThan(400 + options.idleGraceMs + 500);
    client.close();
  });

  it('fails at once with no server, and after the accept timeout with a server that never answers', async () => {
    const client = new StreamClient(fx.nats.connection);
    const none = collector();
    client.open(fx.nats.subject('test.nobody.v1'), Buffer.from('go'), none.listener, options);
    await until(() => none.heard.error !== null, 1000);
    expect(none.heard.error).toMatchObject({
      status: 503,
      error: { code: 'unavailable', message: expect.stringContaining('no responders') },
    });

    const mute = await fx.another('mute');
    mute.connection.subscribe(mute.subject('test.mute.v1'), { callback: () => undefined });
    await mute.connection.flush();
    const silentServer = collector();
    client.open(fx.nats.subject('test.mute.v1'), Buffer.from('go'), silentServer.listener, { ...options, acceptTimeoutMs: 200 });
    await until(() => silentServer.heard.error !== null, 2000);
    expect(silentServer.heard.error).toMatchObject({ status: 503, error: { message: expect.stringContaining('within 200 ms') } });
    client.close();
  });

  it('ends the stream when a frame is missing from the sequence (dropped by a slow consumer or a reconnect)', async () => {
    const raw = await fx.another('raw');
    raw.connection.subscribe(raw.subject(SUBJECT), {
      callback: (_e, msg) => {
        raw.connection.publish(msg.reply!, encodeStreamJson(STREAM_FRAME.accept, 0, { control: 'test.nowhere', idle_ms: 5000 }));
        raw.connection.publish(msg.reply!, encodeStreamJson(STREAM_FRAME.head, 1, { status: 200 }));
        raw.connection.publish(msg.reply!, encodeStreamFrame(STREAM_FRAME.data, 3, Buffer.from('after a gap')));
      },
    });
    await raw.connection.flush();
    const client = new StreamClient(fx.nats.connection);
    const { heard, listener } = collector();
    client.open(fx.nats.subject(SUBJECT), Buffer.from('go'), listener, options);
    await until(() => heard.error !== null);
    expect(heard.error).toMatchObject({ status: 502, error: { message: 'stream frame 2 was lost (got 3)' } });
    expect(heard.data).toEqual([]);
    client.close();
  });

  describe('with heartbeats', () => {
    it('knows a server gone mid-answer three missed heartbeats later, long before its idle timeout', async () => {
      const { nats } = await server((r) => {
        r.accept(60_000); // a model that may think for a minute
        r.head({ status: 200, events: true });
        r.write(Buffer.from('data: {}\n\n'));
      });
      const client = new StreamClient(fx.nats.connection);
      const { heard, listener } = collector();
      client.open(fx.nats.subject(SUBJECT), Buffer.from('go'), listener, { ...options, heartbeatMs: 100 });
      await until(() => heard.data.length === 1);
      // Silent but alive: the beats keep the stream open well past three intervals.
      await sleep(700);
      expect(heard.error).toBeNull();
      const killed = Date.now();
      await nats.connection.close(); // the router process is gone
      await until(() => heard.error !== null, 3000);
      expect(heard.error).toMatchObject({
        status: 503,
        error: { code: 'unavailable', message: expect.stringContaining('stopped answering') },
      });
      expect(Date.now() - killed).toBeLessThan(1500);
      client.close();
    });

    it('sends them only into silences, on the caller’s inbox, outside the frame sequence', async () => {
      await server((r) => {
        r.accept(5000);
        r.head({ status: 200 });
        // A frame every 20 ms for 100 ms (no beat needed; within the window, as this caller acks
        // nothing), then a second of silence, then the end.
        let n = 0;
        const t = setInterval(() => {
          if (++n <= 5) return void r.write(Buffer.from(String(n)));
          clearInterval(t);
          setTimeout(() => r.end(), 1000);
        }, 20);
      });
      const inbox = createInbox();
      const got: ('beat' | number)[] = [];
      const sub = fx.nats.connection.subscribe(inbox, {
        callback: (_err, msg: Msg) => {
          if (isHeartbeat(msg)) got.push('beat');
          else got.push(decodeStreamFrame(msg.data).kind);
        },
      });
      fx.nats.connection.publish(fx.nats.subject(SUBJECT), Buffer.from('go'), { reply: inbox, headers: askingHeartbeats(400) });
      await until(() => got.includes(STREAM_FRAME.end), 3000);
      sub.unsubscribe();
      const kinds = got.filter((k) => k !== 'beat');
      expect(kinds).toEqual([STREAM_FRAME.accept, STREAM_FRAME.head, ...Array(5).fill(STREAM_FRAME.data), STREAM_FRAME.end]);
      const lastData = got.lastIndexOf(STREAM_FRAME.data);
      // No beat while frames came; about two in the second of silence (after 400 and 800 ms).
      expect(got.slice(0, lastData).filter((k) => k === 'beat')).toEqual([]);
      expect(got.slice(lastData).filter((k) => k === 'beat').length).toBeGreaterThanOrEqual(1);
      expect(got.slice(lastData).filter((k) => k === 'beat').length).toBeLessThanOrEqual(4);
    });

    it('waits out the idle timeout for a server that agreed to none (an earlier release), and sends none unasked', async () => {
      await server((r) => {
        r.accept(400);
        r.head({ status: 200 });
      });
      const client = new StreamClient(fx.nats.connection);
      // A server of an earlier release: its accept has no heartbeat_ms, whatever the caller asked.
      const old = await fx.another('old');
      const oldSubject = `${SUBJECT}.old`;
      old.connection.subscribe(old.subject(oldSubject), {
        callback: (_err, msg) => {
          msg.respond(encodeStreamJson(STREAM_FRAME.accept, 0, { control: `${createInbox()}.1`, idle_ms: 400 }));
        },
      });
      await old.connection.flush();
      const fromOld = collector();
      const started = Date.now();
      client.open(old.subject(oldSubject), Buffer.from('go'), fromOld.listener, { ...options, heartbeatMs: 50 });
      await until(() => fromOld.heard.error !== null, 3000);
      expect(fromOld.heard.error).toMatchObject({ status: 504, error: { code: 'upstream_timeout' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400 + options.idleGraceMs - 50);
      // Unasked, the server sends no beat: the stream times out at its idle deadline as before.
      const unasked = collector();
      client.open(fx.nats.subject(SUBJECT), Buffer.from('go'), unasked.listener, options);
      await until(() => unasked.heard.error !== null, 3000);
      expect(unasked.heard.error).toMatchObject({ status: 504, error: { code: 'upstream_timeout' } });
      client.close();
      // And on the wire: an accept without heartbeat_ms, the head, then nothing through a silence
      // of half a second (a caller that did not ask would ignore a beat, so look at the inbox itself).
      const inbox = createInbox();
      const got: (number | 'beat')[] = [];
      const accepts: Record<string, unknown>[] = [];
      const sub = fx.nats.connection.subscribe(inbox, {
        callback: (_err, msg: Msg) => {
          if (isHeartbeat(msg)) return void got.push('beat');
          const frame = decodeStreamFrame(msg.data);
          got.push(frame.kind);
          if (frame.kind === STREAM_FRAME.accept) accepts.push(JSON.parse(Buffer.from(frame.payload).toString()));
        },
      });
      fx.nats.connection.publish(fx.nats.subject(SUBJECT), Buffer.from('go'), { reply: inbox });
      await sleep(500);
      sub.unsubscribe();
      expect(got).toEqual([STREAM_FRAME.accept, STREAM_FRAME.head]);
      expect(accepts[0]).not.toHaveProperty('heartbeat_ms');
    });
  });
});
