import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listen } from '../process';
import { FaultBook } from './faults';
import { BodyTooLargeError, isObject, parseJson, readRequest, recordOf, sendReply, type PeerRequest, type Reply } from './http';
import { discordSink } from './sinks/discord';
import { startSmtpSink, type SmtpAuth } from './sinks/email';
import { matrixSink } from './sinks/matrix';
import { mattermostSink } from './sinks/mattermost';
import { Credentials, type HttpSink } from './sinks/sink';
import { slackSink } from './sinks/slack';
import { teamsPath, teamsSink } from './sinks/teams';
import { telegramSink } from './sinks/telegram';
import { webhookSink } from './sinks/webhook';
import { isChatChannel, type ChatChannel, type ChatFault, type ReceivedMessage, type RejectedRequest } from './types';

export * from './types';
export { signWebhook, DEFAULT_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SEC } from './sinks/webhook';
export { teamsSignature, TEAMS_MAX_BYTES } from './sinks/teams';
export { MATTERMOST_MAX_POST_RUNES } from './sinks/mattermost';
export { MATRIX_MAX_PDU_BYTES } from './sinks/matrix';
export { parseTelegramHtml, parseTelegramMarkdownV2, parseTelegramMarkdown, type TelegramEntity } from './telegram-entities';
export type { SmtpAuth } from './sinks/email';

export interface ChatPeerOptions {
  /** HTTP port, 0 (default) for an ephemeral one. */
  port?: number;
  host?: string;
  /** SMTP port, 0 (default) for an ephemeral one. */
  smtpPort?: number;
  /** Require SMTP AUTH with these credentials; without it AUTH is optional and any credentials pass. */
  smtpAuth?: SmtpAuth;
  /** Teams: answer an invalid card with 400 instead of the real 202 followed by a failed flow run. */
  teamsStrict?: boolean;
}

export interface ChatPeer {
  /** HTTP base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly smtpPort: number;
  received(channel?: ChatChannel): ReceivedMessage[];
  rejected(channel?: ChatChannel | 'unknown'): RejectedRequest[];
  /** Forgets what was received/rejected, pending faults, outages and Matrix transaction ids. */
  clear(): void;
  failNext(channel: ChatChannel, fault: ChatFault): void;
  /** The channel behaves like its provider during an outage for `ms` milliseconds. */
  down(channel: ChatChannel, ms: number): void;
  up(channel: ChatChannel): void;
  setWebhookSecret(name: string, secret: string): void;
  /**
   * Restricts which credentials the channel knows (`null`: any well-formed one). Per channel: slack `T…/B…/X…`,
   * teams workflow id, mattermost hook key, discord `id/token`, telegram bot token, matrix access token.
   */
  setCredentials(channel: ChatChannel, values: readonly string[] | null): void;
  /** A correctly signed Workflows trigger URL for this peer. */
  teamsUrl(workflowId?: string): string;
  close(): Promise<void>;
}

export async function startChatPeer(options: ChatPeerOptions = {}): Promise<ChatPeer> {
  const host = options.host ?? '127.0.0.1';
  const faults = new FaultBook();
  const credentials = new Credentials();
  const secrets = new Map<string, string>();
  const teamsKey = randomBytes(32).toString('hex');
  const received: ReceivedMessage[] = [];
  const rejected: RejectedRequest[] = [];

  const sinks: HttpSink[] = [
    slackSink(credentials),
    teamsSink(credentials, { signingKey: teamsKey, strict: options.teamsStrict ?? false }),
    mattermostSink(credentials),
    discordSink(credentials),
    telegramSink(credentials),
    matrixSink(credentials),
    webhookSink(secrets),
  ];

  const refuse = (channel: RejectedRequest['channel'], req: PeerRequest, kind: RejectedRequest['kind'], reply: Reply, reason: string) =>
    rejected.push({ channel, time: new Date(), kind, status: reply.status, reason, request: recordOf(req) });

  const handleChat = (req: PeerRequest): Reply => {
    const sink = sinks.find((s) => s.matches(req));
    if (!sink) {
      const reply = { status: 404, body: 'Not Found' };
      refuse('unknown', req, 'not-found', reply, `no chat sink serves ${req.method} ${req.path}`);
      return reply;
    }
    if (faults.isDown(sink.channel)) {
      const reply = sink.outageReply();
      refuse(sink.channel, req, 'outage', reply, `${sink.channel} is down`);
      return reply;
    }
    const fault = faults.take(sink.channel);
    if (fault && 'status' in fault) {
      const reply = sink.faultReply(fault.status, fault.status === 429 ? (fault.retryAfterSec ?? 1) : 0);
      refuse(sink.channel, req, 'fault', reply, `injected ${fault.status}`);
      return reply;
    }
    const outcome = sink.handle(req);
    if (outcome.accepted) {
      received.push({ channel: sink.channel, time: new Date(), request: recordOf(req), repeats: 0, ...outcome.accepted });
    } else if (outcome.replayOf !== undefined) {
      const first = received.find((m) => m.channel === sink.channel && m.id === outcome.replayOf);
      if (first) first.repeats += 1;
    }
    if (outcome.rejected) refuse(sink.channel, req, outcome.rejected.kind, outcome.reply, outcome.rejected.reason);
    return outcome.reply;
  };

  const peer: ChatPeer = {
    url: '',
    smtpPort: 0,
    received: (channel) => structuredClone(channel ? received.filter((m) => m.channel === channel) : received),
    rejected: (channel) => structuredClone(channel ? rejected.filter((r) => r.channel === channel) : rejected),
    clear() {
      received.length = 0;
      rejected.length = 0;
      faults.clear();
      for (const sink of sinks) sink.reset?.();
    },
    failNext: (channel, fault) => faults.failNext(channel, fault),
    down: (channel, ms) => faults.down(channel, ms),
    up: (channel) => faults.up(channel),
    setWebhookSecret: (name, secret) => void secrets.set(name, secret),
    setCredentials: (channel, values) => credentials.set(channel, values),
    teamsUrl: (workflowId = 'cleargate-alerts') => `${peer.url}${teamsPath(teamsKey, workflowId)}`,
    close: async () => undefined,
  };

  const handleControl = (req: PeerRequest): Reply => {
    const action = req.path.slice('/__peer/'.length);
    let input: Record<string, unknown> = {};
    if (req.text !== '') {
      const parsed = parseJson(req.text);
      if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: { error: 'body must be a JSON object' } };
      input = parsed.value;
    }
    const channel = input.channel ?? req.query.get('channel') ?? undefined;
    const needChannel = (): ChatChannel => {
      if (!isChatChannel(channel)) throw new Error(`unknown channel ${JSON.stringify(channel)}`);
      return channel;
    };
    try {
      switch (`${req.method} ${action}`) {
        case 'GET health':
          return { status: 200, body: { ok: true, url: peer.url, smtpPort: peer.smtpPort } };
        case 'GET received':
          return { status: 200, body: channel === undefined ? peer.received() : peer.received(needChannel()) };
        case 'GET rejected':
          return {
            status: 200,
            body: channel === undefined ? peer.rejected() : peer.rejected(channel === 'unknown' ? 'unknown' : needChannel()),
          };
        case 'POST clear':
          peer.clear();
          return { status: 204 };
        case 'POST fail': {
          const { channel: _c, ...fault } = input;
          peer.failNext(needChannel(), fault as ChatFault);
          return { status: 204 };
        }
        case 'POST down':
          peer.down(needChannel(), Number(input.ms));
          return { status: 204 };
        case 'POST up':
          peer.up(needChannel());
          return { status: 204 };
        case 'POST webhook-secret':
          if (typeof input.name !== 'string' || typeof input.secret !== 'string') throw new Error('name and secret must be strings');
          peer.setWebhookSecret(input.name, input.secret);
          return { status: 204 };
        case 'POST credentials':
          if (input.values !== null && !(Array.isArray(input.values) && input.values.every((v) => typeof v === 'string'))) {
            throw new Error('values must be a list of strings or null');
          }
          peer.setCredentials(needChannel(), input.values as string[] | null);
          return { status: 204 };
        case 'GET teams-url':
          return { status: 200, body: { url: peer.teamsUrl(req.query.get('workflow') ?? undefined) } };
        default:
          return { status: 404, body: { error: `no control action ${req.method} ${action}` } };
      }
    } catch (err) {
      return { status: 400, body: { error: (err as Error).message } };
    }
  };

  const server: Server = createServer((req, res) => {
    readRequest(req)
      .then((peerReq) => sendReply(res, peerReq.path.startsWith('/__peer/') ? handleControl(peerReq) : handleChat(peerReq)))
      .catch((err: unknown) => {
        const tooLarge = err instanceof BodyTooLargeError;
        if (!res.headersSent)
          sendReply(res, {
            status: tooLarge ? 413 : 500,
            body: tooLarge ? 'Request Entity Too Large' : `chat peer error: ${(err as Error).message}`,
          });
        if (tooLarge) req.destroy();
      });
  });
  const httpPort = await listen(server, options.port ?? 0, host);

  let smtp;
  try {
    smtp = await startSmtpSink(host, options.smtpPort ?? 0, options.smtpAuth, {
      faults,
      accept: (message) => received.push({ ...message, repeats: 0 }),
      refuse: (rejection) => rejected.push(rejection),
    });
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }

  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  Object.assign(peer, {
    url: `http://${urlHost}:${httpPort}`,
    smtpPort: smtp.port,
    close: async () => {
      await Promise.all([closeServer(server), smtp.close()]);
    },
  });
  return peer;
}
