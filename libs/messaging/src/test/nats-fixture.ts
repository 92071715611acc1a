import { randomBytes } from 'node:crypto';
import { createLogger, Metrics } from '@cleargate/observability';
import { NatsService } from '../nats.service';
import { ensureStreams } from '../streams';

// Not @cleargate/testing: it builds on this library.
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:14222';
export const silent = createLogger({ service: 'messaging-test', level: 'silent' });

/** A connection in a namespace of its own, with the streams created; `drop` removes them. */
export async function natsFixture(name = 'messaging-test') {
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const connect = (as = name) => NatsService.connect({ url: NATS_URL, namespace, name: as, requestTimeoutMs: 2000 }, silent);
  const nats = await connect();
  await ensureStreams(nats);
  const extra: NatsService[] = [];
  return {
    nats,
    namespace,
    metrics: new Metrics(name),
    /** Another connection in the same namespace (another replica). */
    async another(as?: string) {
      const other = await connect(as);
      extra.push(other);
      return other;
    },
    async drop() {
      const prefix = nats.name('');
      for await (const stream of nats.manager.streams.list()) {
        const streamName = stream.config.name;
        if (streamName.startsWith(prefix) || streamName.startsWith(`KV_${prefix}`)) await nats.manager.streams.delete(streamName);
      }
      await Promise.all([...extra, nats].map((c) => c.close()));
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}
