import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

/** Files of a test's own certificate authority and of a server certificate it signed. */
export interface TestCertificates {
  /** The CA's certificate (PEM): what a client trusts. */
  caFile: string;
  /** The server's certificate (PEM), for `localhost` and `127.0.0.1`, and its key. */
  certFile: string;
  keyFile: string;
  /** Deletes the files. */
  remove(): void;
}

/**
 * A CA of the test's own and a certificate for localhost (DNS:localhost, IP:127.0.0.1) signed by
 * it, made with `openssl` in a folder of their own, valid for two days. Nothing on the machine
 * trusts the CA until the test says so.
 */
export function testCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'cg-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=ClearGate test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What a TLS test server saw of one request. */
export interface TlsRequestSeen {
  version: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A test server over TLS (the certificate of `certs`) on 127.0.0.1. */
export interface TlsTestServer {
  url: string;
  /** Every request, in the order they ended. */
  seen: TlsRequestSeen[];
  /** TLS connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * An HTTPS server speaking only HTTP/2 (`h2`), only HTTP/1.1, or both as the client offers (ALPN),
 * answering every request with `answer` once its body is read.
 */
export async function startTlsServer(
  certs: TestCertificates,
  protocols: 'h2' | 'http/1.1' | 'both',
  answer: { status: number; headers: Record<string, string>; body: string },
): Promise<TlsTestServer> {
  const seen: TlsRequestSeen[] = [];
  let connections = 0;
  const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        version: req.httpVersion,
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.statusCode = answer.status;
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      res.end(answer.body);
    });
  };
  const tls = { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) };
  const server =
    protocols === 'http/1.1' ? createHttpsServer(tls, handle) : createSecureServer({ ...tls, allowHTTP1: protocols === 'both' }, handle);
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Adds the test CA of `certs` (testCertificates(), or the interop Keycloak's) to what TLS clients
 * of this process trust (Node's default CA store, which undici and fetch use too) until the
 * returned function puts the store back.
 */
export function trustTestCa(certs: Pick<TestCertificates, 'caFile'>): () => void {
  const defaults = getCACertificates('default');
  setDefaultCACertificates([...defaults, readFileSync(certs.caFile, 'utf8')]);
  return () => setDefaultCACertificates(defaults);
}
