import { BUCKETS, DEAD_LETTER_PREFIX, SERVICES, STREAMS, ServiceName, StreamKey, TOPOLOGY } from '@cleargate/contracts';

/**
 * The NATS permissions of each service, derived from the topology in libs/contracts: a service
 * may publish and subscribe to the subjects it uses there and nothing else, plus what the
 * client needs for them (its own reply inbox, the JetStream API calls of its consumers, streams
 * and buckets, the acks of its consumers). `tools/nats-config.mjs` renders them into the NATS
 * configuration of deploy/ and the Helm values; a test keeps those files current.
 */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May answer the requests it receives (RPCs, invocations) without a publish right on inboxes. */
  allowResponses: boolean;
}

/** The users of a deployment: one per service, and `operator` for the dead-letter command and administration. */
export type NatsUser = ServiceName | 'operator';
export const NATS_USERS: readonly NatsUser[] = [...SERVICES, 'operator'];

/** How a deployment namespace appears in names (see NatsService): subjects, objects, consumers. */
export interface NamespaceNames {
  /** Subject prefix: `<namespace>.` or empty. */
  subject: string;
  /** Stream and bucket prefix: `<NAMESPACE>_`, `CLEARGATE_` without a namespace. */
  object: string;
}

export function namespaceNames(namespace: string): NamespaceNames {
  return {
    subject: namespace ? `${namespace}.` : '',
    object: `${namespace ? namespace.replace(/[^A-Za-z0-9]/g, '_').toUpperCase() : 'CLEARGATE'}_`,
  };
}

/** A durable consumer's server-side name (as DurableConsumer names it). */
export function consumerName(names: NamespaceNames, durable: string): string {
  return `${names.object}${durable}`.toLowerCase().replace(/_/g, '-');
}

/** The inbox prefix of a service's connection (as NatsService sets it). */
export function serviceInboxPrefix(name: string): string {
  return `_INBOX.${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** The NATS user name of a service: its name, after the namespace when there is one. */
export function natsUserName(user: string, namespace: string): string {
  return namespace ? `${namespace}-${user}` : user;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

export function natsPermissions(user: NatsUser, namespace = ''): NatsPermissions {
  const names = namespaceNames(namespace);
  if (user === 'operator') {
    // Lists, inspects and replays dead letters (any original subject), and administers streams.
    return { publish: ['>'], subscribe: ['>'], allowResponses: true };
  }
  const t = TOPOLOGY[user];
  const subject = (s: string) => `${names.subject}${s}`;
  const stream = (key: StreamKey) => `${names.object}${STREAMS[key].name}`;
  const allStreams = (Object.keys(STREAMS) as StreamKey[]).map(stream);
  const publish: string[] = [
    // jetstreamManager() checks the API is there at connect.
    '$JS.API.INFO',
    // Services wait for the streams they use and read their limits (awaitStreams, workMaxAgeMs, KV replicas).
    ...allStreams.map((s) => `$JS.API.STREAM.INFO.${s}`),
    ...t.calls.map((c) => subject(c.subject)),
    ...t.callsFrames.map(subject),
    ...t.publishes.map((c) => subject(c.subject)),
    ...t.broadcasts.map((c) => subject(c.subject)),
  ];
  const subscribe: string[] = [
    `${serviceInboxPrefix(natsUserName(user, namespace))}.>`,
    ...t.serves.map((c) => subject(c.subject)),
    ...t.servesFrames.map(subject),
    ...t.listens.map((c) => subject(c.subject)),
  ];
  // A streamed answer (frame-stream.ts) is more than one reply: the server sends its frames to
  // the caller's inbox, the caller its acks and cancels to the server's. Each side may publish on
  // the other's inbox, for the frame subjects they share and no other pair of services.
  const inboxOf = (service: ServiceName) => `${serviceInboxPrefix(natsUserName(service, namespace))}.>`;
  for (const other of SERVICES) {
    if (other === user) continue;
    const o = TOPOLOGY[other];
    const shares = t.servesFrames.some((f) => o.callsFrames.includes(f)) || t.callsFrames.some((f) => o.servesFrames.includes(f));
    if (shares) publish.push(inboxOf(other));
  }
  for (const { contract, durable } of t.consumes) {
    const s = stream(contract.stream);
    const c = consumerName(names, durable);
    publish.push(
      `$JS.API.CONSUMER.INFO.${s}.${c}`,
      `$JS.API.CONSUMER.CREATE.${s}.${c}`,
      `$JS.API.CONSUMER.CREATE.${s}.${c}.>`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${s}.${c}`,
      `$JS.API.CONSUMER.MSG.NEXT.${s}.${c}`,
      `$JS.ACK.${s}.${c}.>`,
      subject(`${DEAD_LETTER_PREFIX}${contract.subject}`),
    );
  }
  for (const base of t.buckets) {
    const kv = `KV_${names.object}${base}`;
    publish.push(
      `$KV.${names.object}${base}.>`,
      `$JS.API.STREAM.INFO.${kv}`,
      `$JS.API.STREAM.CREATE.${kv}`,
      `$JS.API.STREAM.UPDATE.${kv}`,
      `$JS.API.STREAM.MSG.GET.${kv}`,
      `$JS.API.DIRECT.GET.${kv}`,
      `$JS.API.DIRECT.GET.${kv}.>`,
      `$JS.API.CONSUMER.CREATE.${kv}`,
      `$JS.API.CONSUMER.CREATE.${kv}.>`,
      `$JS.API.CONSUMER.DELETE.${kv}.>`,
      `$JS.API.CONSUMER.MSG.NEXT.${kv}.>`,
    );
  }
  // The registry is the migration step too: it creates and updates the streams.
  if (user === 'registry') for (const s of allStreams) publish.push(`$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.UPDATE.${s}`);
  return { publish: sorted(publish), subscribe: sorted(subscribe), allowResponses: t.serves.length + t.servesFrames.length > 0 };
}

/** Every bucket name, for documentation and checks. */
export const ALL_BUCKETS = Object.values(BUCKETS);
