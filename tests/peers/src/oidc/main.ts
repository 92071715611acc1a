import { peerOptions, runPeer } from '../process';
import { startOidcPeer } from './server';

// node dist/tests/peers/src/oidc/main.js [--port 8081] [--host] [--realm] [--context-path] [--public-url] [--console-url]
// (or OIDC_PEER_PORT, OIDC_PEER_HOST, OIDC_PEER_REALM, OIDC_PEER_CONTEXT_PATH, OIDC_PEER_PUBLIC_URL, OIDC_PEER_CONSOLE_URL)
runPeer(
  'oidc',
  () => {
    const options = peerOptions({
      port: 'OIDC_PEER_PORT',
      host: 'OIDC_PEER_HOST',
      realm: 'OIDC_PEER_REALM',
      'context-path': 'OIDC_PEER_CONTEXT_PATH',
      'public-url': 'OIDC_PEER_PUBLIC_URL',
      'console-url': 'OIDC_PEER_CONSOLE_URL',
    });
    return startOidcPeer({
      port: options.port('port') ?? 0,
      host: options.string('host'),
      realm: options.string('realm'),
      contextPath: options.string('context-path'),
      publicUrl: options.string('public-url'),
      consoleUrl: options.string('console-url'),
    });
  },
  (peer) => ({ issuer: peer.issuer, url: peer.url }),
);
