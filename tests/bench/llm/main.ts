/**
 * LLM streaming benchmark: BENCH_STREAMS (32) concurrent streamed chat completions through the
 * gateway's OpenAI-compatible route (gateway → NATS → router → serving peer and back, frame by
 * frame) and, in the same run, straight against the serving peer's vLLM stand-in, in
 * alternating rounds so that a drift in the machine's speed falls on both. The peer writes one
 * token every TOKEN_MS (20) after FIRST_TOKEN_MS (30), TOKENS (64) per answer; the client
 * measures, per stream, the time to the first token (TTFT: request sent → first event read) and
 * the time between tokens (ITL: one event read → the next). Prints the medians and p99 of both
 * paths and what the gateway adds, and writes bench-llm.json in BENCH_OUT_DIR (tmp/).
 *
 * It also measures the floor of what those hops cost on the machine, with no work done on them:
 * the bare relay's `GET /ready` crosses exactly the hops a token crosses through ClearGate and
 * not directly (an HTTP round trip into the relay's gateway half, a NATS round trip from there
 * to its router half), and is answered without calling upstream. It is timed once every
 * FIRST_TOKEN_MS, so that the processes sit idle in between as they do while a model thinks,
 * both beside the gateway's rounds (loaded) and alone after them (idle).
 *
 *   npm run bench:llm        (BENCH_ROUNDS=4, STREAMS_PER_ROUND=3 answers per stream and round)
 */
import { Agent, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOidcPeer } from '@cleargate/peers';
import {
  api,
  createTestDatabase,
  createTestNamespace,
  DEV_NATS_URL,
  dropNamespace,
  freePort,
  gatewayProcess,
  nodeProcess,
  registryProcess,
  serviceProcess,
  waitFor,
} from '@cleargate/testing';
import { bareRelay, benchEnv, benchNodeArgs, knob, OUT_DIR } from '../support';

const STREAMS = knob('BENCH_STREAMS', 32);
const ROUNDS = knob('BENCH_ROUNDS', 4);
const PER_ROUND = knob('STREAMS_PER_ROUND', 3);
const TOKENS = knob('TOKENS', 64);
const TOKEN_MS = knob('TOKEN_MS', 20);
const FIRST_TOKEN_MS = knob('FIRST_TOKEN_MS', 30);
/** Up to this long (uniformly random) between the answers of one stream; 0: the next request as the last answer ends. */
const THINK_MS = knob('THINK_MS', 0);
/** Idle samples of the hops' floor, taken after the rounds. */
const FLOOR_SAMPLES = knob('FLOOR_SAMPLES', 200);

interface Sample {
  /** Request sent → the answer's status line and headers read. */
  head: number[];
  ttft: number[];
  /** TTFT of the answers after a stream's first in its round: every connection on the path warm. */
  warm: number[];
  itl: number[];
  errors: number;
}

/** One streamed chat completion: TTFT and the gaps between events, from the first `data:` to `[DONE]`. */
function stream(
  agent: Agent,
  url: URL,
  path: string,
  headers: Record<string, string>,
  body: string,
  into: Sample,
  warm: boolean,
): Promise<void> {
  return new Promise((resolve) => {
    const sent = performance.now();
    let last = 0;
    let events = 0;
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        into.head.push(performance.now() - sent);
        if (res.statusCode !== 200) {
          into.errors++;
          res.resume();
          res.on('end', resolve);
          return;
        }
        res.on('data', (chunk: Buffer) => {
          const now = performance.now();
          // Every event in this read arrived now; the first one is the first token's.
          let n = 0;
          for (let i = chunk.indexOf('data: '); i !== -1; i = chunk.indexOf('data: ', i + 6)) n++;
          if (!n) return;
          if (events === 0) {
            into.ttft.push(now - sent);
            if (warm) into.warm.push(now - sent);
          } else into.itl.push(now - last);
          for (let k = 1; k < n; k++) into.itl.push(0);
          events += n;
          last = now;
        });
        res.on('end', resolve);
        res.on('error', () => {
          into.errors++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      into.errors++;
      resolve();
    });
    req.end(body);
  });
}

async function round(target: { url: URL; path: string; headers: Record<string, string>; model: string }, into: Sample): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: STREAMS });
  const words = Array.from({ length: TOKENS - 2 }, (_, i) => `w${i}`).join(' '); // "You said:" + the words
  const body = JSON.stringify({ model: target.model, messages: [{ role: 'user', content: words }], stream: true });
  // The streams start spread over one token interval: 32 answers ticking in the same millisecond
  // would measure the queueing of that burst on two cores rather than the relay.
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, s) => {
      await sleep((s * TOKEN_MS) / STREAMS);
      for (let i = 0; i < PER_ROUND; i++) {
        if (THINK_MS) await sleep(Math.random() * THINK_MS);
        await stream(agent, target.url, target.path, target.headers, body, into, i > 0);
      }
    }),
  );
  agent.destroy();
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const ms = (v: number) => `${v.toFixed(3)} ms`;

/** `GET /ready` on the bare relay once every FIRST_TOKEN_MS, until `until.done` or `until` times: the hops' floor. */
async function floor(readyUrl: string, into: number[], until: { done: boolean } | number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(readyUrl);
  for (let i = 0; typeof until === 'number' ? i < until : !until.done; i++) {
    const sent = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) into.push(performance.now() - sent);
    await sleep(FIRST_TOKEN_MS);
  }
  agent.destroy();
}

async function main(): Promise<void> {
  const oidc = await startOidcPeer();
  const namespace = await createTestNamespace();
  const db = await createTestDatabase('cg_bench_llm');
  const common = { NATS_URL: DEV_NATS_URL, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', ...benchEnv() };
  const servingPort = await freePort();
  const serving = nodeProcess({
    name: 'serving-peer',
    entry: 'dist/tests/peers/src/serving/main.js',
    args: ['--port', String(servingPort), '--llms', 'bench'],
    readyUrl: `http://127.0.0.1:${servingPort}/__peer/llm`,
  });
  const nodeArgs = benchNodeArgs();
  const registry = await registryProcess(common, db.url, {}, nodeArgs);
  const router = serviceProcess('ondemand-router', common, await freePort(), nodeArgs);
  const gateway = await gatewayProcess(common, oidc.issuer, {}, nodeArgs);
  // The same hops with nothing of the product's (ondemand/relay.ts): what the architecture costs here.
  const { url: relayBase, processes: relay } = await bareRelay(`http://127.0.0.1:${servingPort}`, `${namespace}.bench.relay`);
  const services = [serving, registry, router, gateway, ...relay];
  try {
    await Promise.all([serving.start(), registry.start()]);
    await Promise.all([router.start(), gateway.start(), ...relay.map((p) => p.start())]);
    const peerUrl = `http://127.0.0.1:${servingPort}`;
    const admin = await oidc.mint({ username: 'rootadmin', roles: ['RootAdmin'] });
    const user = await oidc.mint({ username: 'observer', roles: ['Observer'] }, { ttlSec: 3600 });
    const machine = await api(gateway.url, '/v1/machines', {
      token: admin,
      body: { name: 'bench-gpu', base_url: peerUrl, protocol: 'openai' },
    });
    await api(gateway.url, '/v1/endpoints', {
      token: admin,
      body: { machine_id: machine.json.machine_id, name: 'bench', timeout_ms: 10_000 },
    });
    await waitFor(async () => (await api(gateway.url, '/openai/v1/models', { token: user })).json?.data?.length === 1);
    await fetch(`${peerUrl}/__peer/llm`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ behaviour: { firstTokenDelayMs: FIRST_TOKEN_MS, tokenDelayMs: TOKEN_MS } }),
    });
    const direct = { url: new URL(peerUrl), path: '/v1/chat/completions', headers: {}, model: 'bench' };
    const through = {
      url: new URL(gateway.url),
      path: '/openai/v1/chat/completions',
      headers: { authorization: `Bearer ${user}` },
      model: 'bench',
    };
    const bare = { url: new URL(relayBase), path: '/sse', headers: {}, model: 'bench' };
    const sample = (): Sample => ({ head: [], ttft: [], warm: [], itl: [], errors: 0 });
    // Warm-up: connections, JIT, the router's pools.
    for (const target of [direct, through, bare]) await round(target, sample());
    const a = sample();
    const b = sample();
    const c = sample();
    const floorLoaded: number[] = [];
    const floorIdle: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await round(direct, a);
      // Beside the gateway's round: the machine as loaded as when its first tokens cross, and the
      // pings on the relay's processes, which it leaves idle (the relay's own figures undisturbed).
      const streaming = { done: false };
      const pinging = floor(`${relayBase}/ready`, floorLoaded, streaming);
      await round(through, b);
      streaming.done = true;
      await pinging;
      await round(bare, c);
    }
    await floor(`${relayBase}/ready`, floorIdle, FLOOR_SAMPLES);
    const report = {
      date: new Date().toISOString().slice(0, 10),
      streams: STREAMS,
      tokens: TOKENS,
      token_ms: TOKEN_MS,
      first_token_ms: FIRST_TOKEN_MS,
      answers: { direct: a.ttft.length, gateway: b.ttft.length, relay: c.ttft.length },
      errors: { direct: a.errors, gateway: b.errors, relay: c.errors },
      head: {
        direct: { p50: pct(a.head, 50), p99: pct(a.head, 99) },
        gateway: { p50: pct(b.head, 50), p99: pct(b.head, 99) },
        relay: { p50: pct(c.head, 50), p99: pct(c.head, 99) },
      },
      ttft: {
        direct: { p50: pct(a.ttft, 50), p99: pct(a.ttft, 99), mean: mean(a.ttft) },
        gateway: { p50: pct(b.ttft, 50), p99: pct(b.ttft, 99), mean: mean(b.ttft) },
        relay: { p50: pct(c.ttft, 50), p99: pct(c.ttft, 99), mean: mean(c.ttft) },
      },
      ttft_warm: {
        direct: { p50: pct(a.warm, 50), p99: pct(a.warm, 99) },
        gateway: { p50: pct(b.warm, 50), p99: pct(b.warm, 99) },
        relay: { p50: pct(c.warm, 50), p99: pct(c.warm, 99) },
      },
      hops_floor: {
        loaded: { samples: floorLoaded.length, p50: pct(floorLoaded, 50), p99: pct(floorLoaded, 99) },
        idle: { samples: floorIdle.length, p50: pct(floorIdle, 50), p99: pct(floorIdle, 99) },
      },
      itl: {
        direct: { p50: pct(a.itl, 50), p99: pct(a.itl, 99), mean: mean(a.itl) },
        gateway: { p50: pct(b.itl, 50), p99: pct(b.itl, 99), mean: mean(b.itl) },
        relay: { p50: pct(c.itl, 50), p99: pct(c.itl, 99), mean: mean(c.itl) },
      },
    };
    const addedTtft = report.ttft.gateway.p50 - report.ttft.direct.p50;
    const addedItl = report.itl.gateway.mean - report.itl.direct.mean;
    const relayTtft = report.ttft.relay.p50 - report.ttft.direct.p50;
    const relayItl = report.itl.relay.mean - report.itl.direct.mean;
    console.log(`LLM streams: ${STREAMS} concurrent, ${TOKENS} tokens each, one every ${TOKEN_MS} ms after ${FIRST_TOKEN_MS} ms`);
    console.log(
      `answers: direct ${a.ttft.length} (${a.errors} errors), gateway ${b.ttft.length} (${b.errors} errors), bare relay ${c.ttft.length} (${c.errors} errors)`,
    );
    const paths = [
      ['direct', 'direct'],
      ['gateway', 'gateway'],
      ['relay', 'bare relay'],
    ] as const;
    const line = (what: string, f: (k: (typeof paths)[number][0]) => string) =>
      console.log(`${what}: ${paths.map(([k, name]) => `${name} ${f(k)}`).join(', ')}`);
    line('headers p50/p99', (k) => `${ms(report.head[k].p50)} / ${ms(report.head[k].p99)}`);
    line('TTFT p50/p99', (k) => `${ms(report.ttft[k].p50)} / ${ms(report.ttft[k].p99)}`);
    line('TTFT on warm connections p50/p99', (k) => `${ms(report.ttft_warm[k].p50)} / ${ms(report.ttft_warm[k].p99)}`);
    line('ITL p50/p99/mean', (k) => `${ms(report.itl[k].p50)} / ${ms(report.itl[k].p99)} / ${ms(report.itl[k].mean)}`);
    console.log(
      `the gateway adds ${ms(addedTtft)} to the median TTFT (target <= 1 ms) and ${ms(addedItl)} per token on average (target <= 0.2 ms)`,
    );
    console.log(
      `the bare relay over the same hops adds ${ms(relayTtft)} and ${ms(relayItl)}; ClearGate's own work adds ${ms(addedTtft - relayTtft)} to the median TTFT`,
    );
    const warm = report.ttft_warm;
    console.log(
      `on warm connections (each stream's answers after its first of a round) the gateway adds ${ms(warm.gateway.p50 - warm.direct.p50)} to the median TTFT, the bare relay ${ms(warm.relay.p50 - warm.direct.p50)}`,
    );
    const f = report.hops_floor;
    console.log(
      `the hops alone, no work on them (the bare relay's GET /ready, one every ${FIRST_TOKEN_MS} ms): p50 ${ms(f.loaded.p50)} beside the gateway's streams, ${ms(f.idle.p50)} idle`,
    );
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(
      join(OUT_DIR, 'bench-llm.json'),
      `${JSON.stringify(
        {
          ...report,
          added: { ttft_p50_ms: addedTtft, ttft_warm_p50_ms: warm.gateway.p50 - warm.direct.p50, itl_mean_ms: addedItl },
          relay_added: { ttft_p50_ms: relayTtft, itl_mean_ms: relayItl },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await Promise.allSettled([oidc.close(), db.drop(), dropNamespace(namespace)]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
