import { AddressPolicy } from '@cleargate/egress';
import { startTlsServer, TestCertificates, testCertificates, trustTestCa } from '@cleargate/testing';
import { HttpClient } from './http-client';

// Chat services answer over TLS, most of them in HTTP/2 when the client offers it (ALPN), as
// undici does by default. The notifier's client takes either: a service that speaks only HTTP/2
// and one that speaks only HTTP/1.1, each with a certificate of the test's own CA.

describe('HttpClient over TLS', () => {
  let certs: TestCertificates;
  let untrust: () => void;
  const http = new HttpClient(new AddressPolicy(['127.0.0.1/32']));

  beforeAll(() => {
    certs = testCertificates();
    untrust = trustTestCa(certs);
  });

  afterAll(async () => {
    untrust();
    await http.close();
    certs.remove();
  });

  it.each([
    ['h2', '2.0'],
    ['http/1.1', '1.1'],
  ] as const)('delivers to a chat service speaking only %s and reads its answer', async (protocol, version) => {
    const service = await startTlsServer(certs, protocol, {
      status: 429,
      headers: { 'content-type': 'application/json', 'Retry-After': '7' },
      body: '{"ok":false,"error":"rate_limited"}',
    });
    try {
      const reply = await http.send({
        method: 'POST',
        url: `${service.url}/hooks/abc?x=1`,
        headers: { 'content-type': 'application/json' },
        body: '{"text":"task failed"}',
        timeoutMs: 5000,
      });
      expect(reply).toEqual({
        status: 429,
        headers: expect.objectContaining({ 'content-type': 'application/json', 'retry-after': '7' }),
        text: '{"ok":false,"error":"rate_limited"}',
      });
      expect(service.seen).toEqual([
        {
          version,
          method: 'POST',
          path: '/hooks/abc?x=1',
          headers: expect.objectContaining({ 'user-agent': 'ClearGate-notifier', 'content-type': 'application/json' }),
          body: '{"text":"task failed"}',
        },
      ]);
    } finally {
      await service.close();
    }
  });
});
