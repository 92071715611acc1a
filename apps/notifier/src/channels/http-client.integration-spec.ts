import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer } from 'node:https';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { AddressPolicy } from '@cleargate/egress';
import { TestCertificates, testCertificates } from '@cleargate/testing';
import { HttpClient } from './http-client';

// Chat services answer over TLS, most of them in HTTP/2 when the client offers it (ALPN), as
// undici does by default. The notifier's client takes either: a service that speaks only HTTP/2
// and one that speaks only HTTP/1.1, each with a certificate of the test's own CA.

interface Seen {
  version: string;
  method: string;
  path: string;
  userAgent: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A chat service over TLS that speaks only `protocol` and answers every post with a 429. */
async function chatService(certs: TestCertificates, protocol: 'h2' | 'http/1.1') {
  const seen: Seen[] = [];
  const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        version: req.httpVersion,
        method: req.method!,
        path: req.url!,
        userAgent: req.headers['user-agent'],
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString(),
      });
      res.statusCode = 429;
      res.setHeader('content-type', 'application/json');
      res.setHeader('Retry-After', '7');
      res.end('{"ok":false,"error":"rate_limited"}');
    });
  };
  const tls = { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) };
  const server = protocol === 'h2' ? createSecureServer({ ...tls, allowHTTP1: false }, handle) : createServer(tls, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, url: `https://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('HttpClient over TLS', () => {
  let certs: TestCertificates;
  let defaults: string[];
  const http = new HttpClient(new AddressPolicy(['127.0.0.1/32']));

  beforeAll(() => {
    certs = testCertificates();
    // The test's CA is not in Node's store: trust it for these calls only.
    defaults = getCACertificates('default');
    setDefaultCACertificates([...defaults, readFileSync(certs.caFile, 'utf8')]);
  });

  afterAll(async () => {
    setDefaultCACertificates(defaults);
    await http.close();
    certs.remove();
  });

  it.each([
    ['h2', '2.0'],
    ['http/1.1', '1.1'],
  ] as const)('delivers to a chat service speaking only %s and reads its answer', async (protocol, version) => {
    const service = await chatService(certs, protocol);
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
          userAgent: 'ClearGate-notifier',
          contentType: 'application/json',
          body: '{"text":"task failed"}',
        },
      ]);
    } finally {
      await new Promise((resolve) => service.server.close(resolve));
    }
  });
});
