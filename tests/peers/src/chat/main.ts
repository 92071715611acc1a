import { peerOptions, runPeer } from '../process';
import { startChatPeer } from './index';

// Standalone chat peer for out-of-process tests: control it over HTTP under /__peer/.
//   node dist/tests/peers/src/chat/main.js --port 8025 --smtp-port 2525 [--host] [--teams-strict]
// Environment: CHAT_PEER_PORT, CHAT_PEER_SMTP_PORT, CHAT_PEER_HOST, CHAT_PEER_SMTP_USER / CHAT_PEER_SMTP_PASS.
runPeer(
  'chat',
  () => {
    const options = peerOptions({ port: 'CHAT_PEER_PORT', 'smtp-port': 'CHAT_PEER_SMTP_PORT', host: 'CHAT_PEER_HOST' }, ['teams-strict']);
    const { CHAT_PEER_SMTP_USER: user, CHAT_PEER_SMTP_PASS: pass } = process.env;
    return startChatPeer({
      port: options.port('port'),
      smtpPort: options.port('smtp-port'),
      host: options.string('host') ?? '127.0.0.1',
      ...(user && pass ? { smtpAuth: { user, pass } } : {}),
      teamsStrict: options.flag('teams-strict'),
    });
  },
  (peer) => ({ url: peer.url, smtpPort: peer.smtpPort }),
);
