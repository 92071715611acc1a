import { connect, type Socket } from 'node:net';
import { startServingPeer, type ServingPeer } from './index';

// Keep-alive as uvicorn (clearml-serving) does it: no `Keep-Alive: timeout=` hint in the answer,
// and the connection closed by the server once it sat idle for `timeout_keep_alive` after an answer.

const REQUEST =
  'POST /serve/test_model_sklearn HTTP/1.1\r\nhost: peer\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{"x0":1,"x1":2}';

/** One raw connection: what the server wrote and when it closed. */
function rawConnection(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  const state = { text: '', closedAt: 0 };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (state.text += chunk));
  socket.on('end', () => (state.closedAt = Date.now()));
  const answered = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => ((state.text.match(/HTTP\/1\.1 200/g) ?? []).length >= n ? resolve() : setTimeout(check, 5));
      check();
    });
  return { socket, state, answered };
}

describe('serving peer: keep-alive like uvicorn', () => {
  let peer: ServingPeer;

  beforeAll(async () => {
    peer = await startServingPeer({ name: 'keep-alive-spec', keepAliveMs: 300 });
  });
  afterAll(() => peer.close());

  it('sends no Keep-Alive hint and closes a connection idle for timeout_keep_alive after its answer', async () => {
    const c = rawConnection(peer.url);
    c.socket.write(REQUEST);
    await c.answered(1);
    const answeredAt = Date.now();
    expect(c.state.text.toLowerCase()).not.toContain('keep-alive:');
    await new Promise((r) => setTimeout(r, 600));
    expect(c.state.closedAt).toBeGreaterThan(0);
    expect(c.state.closedAt - answeredAt).toBeGreaterThanOrEqual(250);
    c.socket.destroy();
  });

  it('keeps a connection that is used again within that time, counting from the last answer', async () => {
    const c = rawConnection(peer.url);
    c.socket.write(REQUEST);
    await c.answered(1);
    await new Promise((r) => setTimeout(r, 200));
    c.socket.write(REQUEST);
    await c.answered(2);
    await new Promise((r) => setTimeout(r, 200)); // 400 ms after the first answer, 200 after the second
    expect(c.state.closedAt).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(c.state.closedAt).toBeGreaterThan(0);
    c.socket.destroy();
  });
});
