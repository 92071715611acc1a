import { peerOptions, runPeer } from '../process';
import { startServingPeer } from './server';

// node dist/tests/peers/src/serving/main.js [--port 8080] [--host] [--name demo-gpu]
// (or SERVING_PEER_PORT, SERVING_PEER_HOST, SERVING_PEER_NAME)
runPeer(
  'serving',
  () => {
    const options = peerOptions({ port: 'SERVING_PEER_PORT', host: 'SERVING_PEER_HOST', name: 'SERVING_PEER_NAME' });
    return startServingPeer({ port: options.port('port') ?? 0, host: options.string('host'), name: options.string('name') });
  },
  (peer) => ({ url: peer.url, name: peer.name }),
);
