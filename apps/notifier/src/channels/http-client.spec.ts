import { AddressPolicy, type Resolver } from '@cleargate/egress';
import { DeliveryError } from './channel';
import { HttpClient } from './http-client';

// The policy refuses before any connection is made: no socket reaches the addresses below.
const resolver: Resolver = (hostname, _options, callback) =>
  hostname === 'hooks.rebind.test'
    ? callback(null, [{ address: '169.254.169.254', family: 4 }])
    : callback(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: unknown) => (err instanceof DeliveryError ? { kind: err.kind, message: err.message } : err),
  );

describe('HttpClient and the outbound address policy', () => {
  const http = new HttpClient(new AddressPolicy([], { resolver }));
  afterAll(() => http.close());

  it('fails a delivery for good when the webhook name resolves to a refused address, naming the host, never the path', async () => {
    const outcome = await refusal(
      http.send({ method: 'POST', url: 'https://hooks.rebind.test/services/SECRET-PATH', headers: {}, body: '{}', timeoutMs: 2000 }),
    );
    expect(outcome).toEqual({
      kind: 'permanent',
      message:
        'request refused: hooks.rebind.test resolves to 169.254.169.254, a link-local address (cloud metadata services live there), which outbound connections may not reach',
    });
  });

  it('refuses a literal refused address before connecting', async () => {
    expect(await refusal(http.send({ method: 'POST', url: 'http://[::1]:9/hook', headers: {}, body: '{}', timeoutMs: 2000 }))).toEqual({
      kind: 'permanent',
      message: 'request refused: ::1 is a loopback address, which outbound connections may not reach',
    });
  });

  it('keeps other transport failures transient', async () => {
    expect(await refusal(http.send({ method: 'POST', url: 'http://unknown.test/hook', headers: {}, body: '{}', timeoutMs: 2000 }))).toEqual(
      {
        kind: 'transient',
        message: 'request failed: ENOTFOUND',
      },
    );
  });
});
