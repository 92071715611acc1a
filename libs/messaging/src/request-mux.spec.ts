import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { BEAT, HEARTBEAT_HEADER } from './heartbeats';
import { NatsUnavailableError, NoRespondersError, RequestMux, RequestTimeoutError, ResponderLostError } from './request-mux';

/** The part of a NATS connection the multiplexer uses, recording what it publishes. */
function fakeConnection() {
  const published: { subject: string; data: Uint8Array; reply: string; headers?: MsgHdrs }[] = [];
  let onReply: ((err: Error | null, msg: Msg) => void) | undefined;
  let unsubscribed = false;
  const connection = {
    subscribe: (_subject: string, opts: { callback: (err: Error | null, msg: Msg) => void }) => {
      onReply = opts.callback;
      return { unsubscribe: () => (unsubscribed = true) };
    },
    publish: (subject: string, data: Uint8Array, opts: { reply: string; headers?: MsgHdrs }) => {
      if (subject === 'broken') throw new Error('connection closed');
      published.push({ subject, data, reply: opts.reply, headers: opts.headers });
    },
  } as unknown as NatsConnection;
  const reply = (to: string, data: Uint8Array, headers?: Partial<MsgHdrs>) =>
    onReply!(null, { subject: to, data, headers } as unknown as Msg);
  return { connection, published, reply, unsubscribed: () => unsubscribed };
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Whether `pending` has settled yet, either way. */
function watch(pending: Promise<unknown>): { settled: boolean } {
  const state = { settled: false };
  void pending.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('RequestMux', () => {
  afterEach(() => jest.useRealTimers());

  it('gives each request its own reply subject and answers each with its own reply, in any order', async () => {
    const { connection, published, reply } = fakeConnection();
    const mux = new RequestMux(connection);
    const first = mux.request('svc.a', bytes('1'), { timeoutMs: 1000 });
    const second = mux.request('svc.b', bytes('2'), { timeoutMs: 1000 });
    expect(published.map((p) => p.subject)).toEqual(['svc.a', 'svc.b']);
    expect(published[0]!.reply).not.toBe(published[1]!.reply);
    reply(published[1]!.reply, bytes('two'));
    reply(published[0]!.reply, bytes('one'));
    expect(text(await first)).toBe('one');
    expect(text(await second)).toBe('two');
    mux.close();
  });

  it('wakes for its deadlines only while a request waits', async () => {
    jest.useFakeTimers();
    const { connection, published, reply } = fakeConnection();
    const mux = new RequestMux(connection);
    expect(jest.getTimerCount()).toBe(0);
    const answer = mux.request('svc.a', bytes('1'), { timeoutMs: 1000 });
    expect(jest.getTimerCount()).toBe(1);
    reply(published[0]!.reply, bytes('one'));
    expect(text(await answer)).toBe('one');
    jest.advanceTimersByTime(25); // the next sweep finds nothing and stops
    expect(jest.getTimerCount()).toBe(0);
    mux.close();
  });

  it('ignores a reply that arrives after its request gave up, and one it never asked for', async () => {
    jest.useFakeTimers();
    const { connection, published, reply } = fakeConnection();
    const mux = new RequestMux(connection);
    const late = mux.request('svc.slow', bytes('x'), { timeoutMs: 50 });
    jest.advanceTimersByTime(100);
    await expect(late).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(() => reply(published[0]!.reply, bytes('too late'))).not.toThrow();
    expect(() => reply(`${published[0]!.reply}999`, bytes('stranger'))).not.toThrow();
    mux.close();
  });

  it('times out with the subject and the timeout it waited', async () => {
    jest.useFakeTimers();
    const { connection } = fakeConnection();
    const mux = new RequestMux(connection);
    const pending = mux.request('svc.stuck', bytes('x'), { timeoutMs: 300 });
    jest.advanceTimersByTime(200);
    const state = watch(pending);
    await Promise.resolve();
    expect(state.settled).toBe(false);
    jest.advanceTimersByTime(150);
    await expect(pending).rejects.toMatchObject({ name: 'RequestTimeoutError', subject: 'svc.stuck', timeoutMs: 300 });
    mux.close();
  });

  it('tells "nobody is listening" (the server’s empty 503 reply) from an answer', async () => {
    const { connection, published, reply } = fakeConnection();
    const mux = new RequestMux(connection);
    const pending = mux.request('svc.none', bytes('x'), { timeoutMs: 1000 });
    reply(published[0]!.reply, new Uint8Array(0), { code: 503 });
    await expect(pending).rejects.toBeInstanceOf(NoRespondersError);
    // An empty answer without the 503 is an answer.
    const empty = mux.request('svc.empty', bytes('x'), { timeoutMs: 1000 });
    reply(published[1]!.reply, new Uint8Array(0));
    expect((await empty).length).toBe(0);
    mux.close();
  });

  it('fails a request at once when publishing throws, and forgets it', async () => {
    jest.useFakeTimers();
    const { connection } = fakeConnection();
    const mux = new RequestMux(connection);
    await expect(mux.request('broken', bytes('x'), { timeoutMs: 1000 })).rejects.toThrow('connection closed');
    jest.advanceTimersByTime(2000); // nothing left to time out
    mux.close();
  });

  it('rejects what is still pending when closed, and unsubscribes its inbox', async () => {
    const { connection, unsubscribed } = fakeConnection();
    const mux = new RequestMux(connection);
    const pending = mux.request('svc.a', bytes('x'), { timeoutMs: 10_000 });
    mux.close();
    await expect(pending).rejects.toThrow('connection closing');
    expect(unsubscribed()).toBe(true);
  });

  it('fails at once while the connection is down, the waiting requests too, and works again once it is back', async () => {
    const { connection, published, reply } = fakeConnection();
    const mux = new RequestMux(connection, '_INBOX.gateway');
    const waiting = mux.request('svc.a', bytes('1'), { timeoutMs: 60_000 });
    expect(published[0]!.reply.startsWith('_INBOX.gateway.')).toBe(true);
    mux.setConnected(false);
    await expect(waiting).rejects.toBeInstanceOf(NatsUnavailableError);
    await expect(mux.request('svc.b', bytes('2'), { timeoutMs: 60_000 })).rejects.toThrow('NATS is unreachable; svc.b not sent');
    expect(published).toHaveLength(1);
    mux.setConnected(true);
    const again = mux.request('svc.c', bytes('3'), { timeoutMs: 1000 });
    reply(published[1]!.reply, bytes('three'));
    expect(text(await again)).toBe('three');
    mux.close();
  });

  describe('with heartbeats', () => {
    it('asks for them, and keeps waiting while they come, the reply still the first message that is not one', async () => {
      jest.useFakeTimers();
      const { connection, published, reply } = fakeConnection();
      const mux = new RequestMux(connection);
      const pending = mux.request('svc.slow', bytes('x'), { timeoutMs: 10_000, heartbeatMs: 100 });
      expect(published[0]!.headers?.get(HEARTBEAT_HEADER)).toBe('100');
      const state = watch(pending);
      for (let i = 0; i < 20; i++) {
        reply(published[0]!.reply, new Uint8Array(0), BEAT);
        jest.advanceTimersByTime(250); // within three intervals of the last beat
        await Promise.resolve();
      }
      expect(state.settled).toBe(false);
      reply(published[0]!.reply, bytes('done'));
      expect(text(await pending)).toBe('done');
      mux.close();
    });

    it('gives up three intervals after the last one, long before the timeout', async () => {
      jest.useFakeTimers();
      const { connection, published, reply } = fakeConnection();
      const mux = new RequestMux(connection);
      const pending = mux.request('svc.doomed', bytes('x'), { timeoutMs: 60_000, heartbeatMs: 200 });
      reply(published[0]!.reply, new Uint8Array(0), BEAT);
      jest.advanceTimersByTime(550);
      const state = watch(pending);
      await Promise.resolve();
      expect(state.settled).toBe(false);
      jest.advanceTimersByTime(100);
      await expect(pending).rejects.toEqual(new ResponderLostError('svc.doomed', 600));
      mux.close();
    });

    it('waits until the timeout for a responder that sends none (a release before heartbeats)', async () => {
      jest.useFakeTimers();
      const { connection } = fakeConnection();
      const mux = new RequestMux(connection);
      const pending = mux.request('svc.old', bytes('x'), { timeoutMs: 5_000, heartbeatMs: 100 });
      const state = watch(pending);
      jest.advanceTimersByTime(4_900);
      await Promise.resolve();
      expect(state.settled).toBe(false);
      jest.advanceTimersByTime(200);
      await expect(pending).rejects.toBeInstanceOf(RequestTimeoutError);
      mux.close();
    });

    it('adds the ask to headers the caller gave, and asks nothing without heartbeatMs', async () => {
      const { connection, published, reply } = fakeConnection();
      const mux = new RequestMux(connection);
      const own = natsHeaders();
      own.set('Cleargate-Correlation-Id', 'abc');
      const first = mux.request('svc.a', bytes('1'), { timeoutMs: 1000, headers: own, heartbeatMs: 300 });
      const second = mux.request('svc.b', bytes('2'), { timeoutMs: 1000 });
      expect(published[0]!.headers?.get('Cleargate-Correlation-Id')).toBe('abc');
      expect(published[0]!.headers?.get(HEARTBEAT_HEADER)).toBe('300');
      expect(published[1]!.headers).toBeUndefined();
      // Without heartbeats asked for, an empty message is an answer whatever its headers.
      reply(published[1]!.reply, new Uint8Array(0), BEAT);
      expect((await second).length).toBe(0);
      reply(published[0]!.reply, bytes('one'));
      expect(text(await first)).toBe('one');
      mux.close();
    });
  });
});
