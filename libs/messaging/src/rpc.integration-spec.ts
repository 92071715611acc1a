import { z } from 'zod';
import { AppError, callerSchema, defineRpc } from '@cleargate/contracts';
import { Metrics } from '@cleargate/observability';
import { RpcClient, RpcServer } from './rpc';
import { natsFixture, silent } from './test/nats-fixture';

const echo = defineRpc(
  'test.echo.run.v1',
  z.object({ text: z.string().max(10), caller: callerSchema.optional() }),
  z.object({ echoed: z.string() }),
);
const nobody = defineRpc('test.nobody.run.v1', z.object({}), z.object({}));

describe('RPC over NATS', () => {
  let fx: Awaited<ReturnType<typeof natsFixture>>;
  let client: RpcClient;
  let handler: (request: { text: string }) => unknown;

  beforeAll(async () => {
    fx = await natsFixture('rpc-client');
    const serverNats = await fx.another('rpc-server');
    const server = new RpcServer(serverNats, undefined as never, undefined as never, undefined as never, silent, new Metrics('rpc-server'));
    server.serve(echo, (request) => handler(request as { text: string }));
    server.serve(defineRpc('test.slow.run.v1', z.object({}), z.object({})), () => new Promise(() => undefined));
    await serverNats.connection.flush();
    client = new RpcClient(fx.nats);
  });
  afterAll(() => fx.drop());

  it('answers with the validated response', async () => {
    handler = ({ text }) => ({ echoed: text.toUpperCase() });
    await expect(client.request(echo, { text: 'hello' })).resolves.toEqual({ echoed: 'HELLO' });
  });

  it('refuses a request that breaks the contract before it is sent', async () => {
    handler = () => ({ echoed: 'never' });
    await expect(client.request(echo, { text: 'far too long text' })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('carries an AppError of the handler to the caller as it was thrown', async () => {
    handler = () => {
      throw new AppError('conflict', 'name taken', { name: 'x' });
    };
    await expect(client.request(echo, { text: 'a' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'name taken',
      details: { name: 'x' },
    });
  });

  it('hides any other failure of the handler behind "internal error"', async () => {
    handler = () => {
      throw new Error('password=hunter2 in a stack trace');
    };
    const err = await client.request(echo, { text: 'a' }).catch((e: AppError) => e);
    expect(err).toMatchObject({ code: 'internal', message: 'internal error' });
  });

  it('refuses a handler answer that breaks the response contract', async () => {
    handler = () => ({ echoed: 42 });
    await expect(client.request(echo, { text: 'a' })).rejects.toMatchObject({ code: 'internal' });
  });

  it('answers unavailable when no service serves the subject, and when it does not answer in time', async () => {
    await expect(client.request(nobody, {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('no service is answering'),
    });
    const slow = defineRpc('test.slow.run.v1', z.object({}), z.object({}));
    await expect(client.request(slow, {}, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('timed out'),
    });
  });
});
