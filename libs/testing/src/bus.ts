import { MessagePublisher, NatsService, RpcClient } from '@cleargate/messaging';
import { createLogger } from '@cleargate/observability';
import { DEV_NATS_URL } from './dev-services';

/** A NATS client inside a test's namespace (see createTestNamespace), speaking the same contracts as the services. */
export async function connectTestBus(namespace: string, name = 'test') {
  const nats = await NatsService.connect(
    { url: DEV_NATS_URL, namespace, name, requestTimeoutMs: 5000 },
    createLogger({ service: name, level: 'silent' }),
  );
  return { nats, rpc: new RpcClient(nats), publisher: new MessagePublisher(nats), close: () => nats.close() };
}
export type TestBus = Awaited<ReturnType<typeof connectTestBus>>;
