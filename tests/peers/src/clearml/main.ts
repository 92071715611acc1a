/**
 * Standalone ClearML peer process.
 *
 *   node dist/tests/peers/src/clearml/main.js [--port 8008] [--host 127.0.0.1] [--seed seed.json]
 *        [--no-agents] [--agent-duration-ms 3000] [--latency-ms 0] [--clock-skew-ms 0]
 *        [--token-ttl-sec 2592000] [--web-host http://localhost:8080] [--api-version 2.31]
 *
 * Port also from CLEARML_PEER_PORT. Prints one JSON line {"peer":"clearml","url":...} once listening;
 * exits on SIGTERM/SIGINT. Without --seed the demo seed is loaded.
 */
import { readFileSync } from 'node:fs';
import { peerOptions, runPeer } from '../process';
import { DEMO_SEED } from './demo-seed';
import { startClearmlPeer } from './index';
import { Seed } from './types';

runPeer(
  'clearml',
  () => {
    const options = peerOptions(
      {
        port: 'CLEARML_PEER_PORT',
        host: null,
        seed: null,
        'agent-duration-ms': null,
        'latency-ms': null,
        'clock-skew-ms': null,
        'token-ttl-sec': null,
        'web-host': null,
        'api-version': null,
      },
      ['no-agents'],
    );
    const seedFile = options.string('seed');
    const seed: Seed = seedFile ? (JSON.parse(readFileSync(seedFile, 'utf8')) as Seed) : DEMO_SEED;
    return startClearmlPeer({
      port: options.port('port') ?? 8008,
      host: options.string('host') ?? '127.0.0.1',
      seed,
      agents: options.flag('no-agents')
        ? false
        : { script: { durationMs: options.number('agent-duration-ms') ?? 3000, lines: 12, linesPerEvent: 3, iterations: 10 } },
      latencyMs: options.number('latency-ms') ?? 0,
      clockSkewMs: options.number('clock-skew-ms') ?? 0,
      tokenTtlSec: options.number('token-ttl-sec'),
      webHost: options.string('web-host'),
      apiVersion: options.string('api-version'),
    });
  },
  (peer) => ({ url: peer.url, port: peer.port, web: peer.webHost }),
);
