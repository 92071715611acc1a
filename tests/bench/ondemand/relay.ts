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
 * carries the body as it came (an image) to the serving machine's echo model. `POST /sse`
 * streams (the LLM benchmark): the body goes to the machine's `/v1/chat/completions`, and each
 * piece of its answer comes back as one NATS message on the request's own inbox, an empty one
 * ending it; no flow control, no accept, no cancel.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createInbox, type Msg } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';

const UPSTREAM_PATH = '/serve/test_model_sklearn';
const RAW_PATH = '/serve/echo';
const SSE_PATH = '/v1/chat/completions';

async function gateway(port: number, subject: string): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL });
  const server = createServer((req, res) => {
    if (req.url === '/sse') return stream(req, res);
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
  /** The answer's pieces as they come, the headers with the first. */
  const stream = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const inbox = createInbox();
      const answer = nc.subscribe(inbox, {
        callback: (_err: Error | null, msg: Msg) => {
          if (msg.data.length === 0) {
            answer.unsubscribe();
            res.end();
            return;
          }
          if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(msg.data);
        },
      });
      nc.publish(`${subject}.sse`, Buffer.concat(chunks), { reply: inbox });
    });
  };
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
  nc.subscribe(`${subject}.sse`, {
    queue: 'bench-relay',
    callback: (_err: Error | null, msg: Msg) => {
      const reply = msg.reply!;
      pool
        .request({ path: SSE_PATH, method: 'POST', body: msg.data, headers: { 'content-type': 'application/json' } })
        .then(async (res) => {
          for await (const chunk of res.body) nc.publish(reply, chunk as Buffer);
        })
        .catch(() => undefined)
        .finally(() => nc.publish(reply, new Uint8Array(0)));
    },
  });
}

const [role, target, subject] = process.argv.slice(2);
if (role === 'gateway' && target && subject) void gateway(Number(target), subject);
else if (role === 'router' && target && subject) void router(target, subject);
else {
  console.error('usage: relay.js gateway <port> <subject> | router <serving url> <subject>');
  process.exit(2);
}
