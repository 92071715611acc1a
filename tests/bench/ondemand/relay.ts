/**
 * The bare relay the on-demand benchmark measures beside the gateway: the same hops as the
 * product (HTTP in → NATS request → a queue-group subscriber → pooled HTTP to the serving
 * machine → NATS reply → HTTP out), each in its own process, written with the libraries'
 * plain APIs and nothing else: no token check, validation, metrics, call logs, timeouts or
 * circuit breaking. What it sustains on a machine is what this architecture gives there before
 * the product adds any work of its own.
 *
 *   node relay.js gateway <port> <subject>
 *   node relay.js router <serving url> <subject>
 *
 * The gateway half answers `GET /ready` with a request through NATS that the router half
 * answers without calling upstream, so it is ready only once both halves are. `POST /raw`
 * carries the body as it came (an image) to the serving machine's echo model.
 */
import { createServer } from 'node:http';
import type { Msg } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';

const UPSTREAM_PATH = '/serve/test_model_sklearn';
const RAW_PATH = '/serve/echo';

async function gateway(port: number, subject: string): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = req.url === '/raw';
      const input = raw
        ? Buffer.concat(chunks)
        : Buffer.from(
            req.method === 'POST' ? JSON.stringify((JSON.parse(Buffer.concat(chunks).toString()) as { params: unknown }).params) : '',
          );
      nc.request(raw ? `${subject}.raw` : subject, input, { timeout: 30_000 }).then(
        (reply: Msg) => {
          // the router half's "the serving machine failed": 502, which autocannon counts as non-2xx
          const status = input.length > 0 && reply.data.length === 0 ? 502 : 200;
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': reply.data.length });
          res.end(reply.data);
        },
        (err: Error) => {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
  });
  server.listen(port, '127.0.0.1');
}

async function router(servingUrl: string, subject: string): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL });
  const pool = new Pool(servingUrl, { connections: 64 });
  const serve = (path: string, contentType: string) => (_err: Error | null, msg: Msg) => {
    if (msg.data.length === 0) return void msg.respond(); // the gateway half's readiness ping
    pool
      .request({ path, method: 'POST', body: msg.data, headers: { 'content-type': contentType } })
      .then(async (res) => {
        const body = await res.body.arrayBuffer();
        // an empty reply tells the gateway half the serving machine failed
        msg.respond(res.statusCode < 300 ? new Uint8Array(body) : undefined);
      })
      .catch(() => msg.respond());
  };
  nc.subscribe(subject, { queue: 'bench-relay', callback: serve(UPSTREAM_PATH, 'application/json') });
  nc.subscribe(`${subject}.raw`, { queue: 'bench-relay', callback: serve(RAW_PATH, 'application/octet-stream') });
}

const [role, target, subject] = process.argv.slice(2);
if (role === 'gateway' && target && subject) void gateway(Number(target), subject);
else if (role === 'router' && target && subject) void router(target, subject);
else {
  console.error('usage: relay.js gateway <port> <subject> | router <serving url> <subject>');
  process.exit(2);
}
