import { peerOptions, runPeer } from '../process';
import { startServingPeer } from './server';

// node dist/tests/peers/src/serving/main.js [--port 8080] [--host] [--name demo-gpu] [--llms llama,qwen]
// (or SERVING_PEER_PORT, SERVING_PEER_HOST, SERVING_PEER_NAME, SERVING_PEER_LLMS)
runPeer(
  'serving',
  () => {
    const options = peerOptions({
      port: 'SERVING_PEER_PORT',
      host: 'SERVING_PEER_HOST',
      name: 'SERVING_PEER_NAME',
      llms: 'SERVING_PEER_LLMS',
    });
    const llms = options.string('llms')?.split(',').filter(Boolean);
    return startServingPeer({ port: options.port('port') ?? 0, host: options.string('host'), name: options.string('name'), llms });
  },
  (peer) => ({ url: peer.url, name: peer.name }),
);
