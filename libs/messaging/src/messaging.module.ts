import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigError, type CommonConfig } from '@cleargate/config';
import type { ServiceName } from '@cleargate/contracts';
import { HealthRegistry, LOGGER, Logger } from '@cleargate/observability';
import { NatsOptions, NatsService } from './nats.service';
import { MessagePublisher } from './publisher';
import { RpcClient, RpcServer } from './rpc';

@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NatsService) private readonly nats: NatsService) {}
  // Runs after every module's onModuleDestroy, so consumers have stopped before the drain.
  async onApplicationShutdown(): Promise<void> {
    await this.nats.close();
  }
}

/** The NATS settings every service's validated configuration carries (libs/config commonEnv). */
export type NatsConfig = Pick<
  CommonConfig,
  'NATS_URL' | 'NATS_NAMESPACE' | 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_REQUEST_TIMEOUT_MS' | 'NATS_ANONYMOUS'
> &
  Partial<Pick<CommonConfig, 'NATS_COALESCE_WRITES' | 'NATS_TLS_CA_FILE'>>;

/**
 * Connection options of a service from its validated configuration. Refuses (ConfigError)
 * to connect without credentials unless NATS_ANONYMOUS says so: the bus is a trust boundary.
 */
export function natsOptionsOf(service: ServiceName | (string & {}), config: NatsConfig): NatsOptions {
  if (!config.NATS_USER && !config.NATS_ANONYMOUS) {
    throw new ConfigError(service, [
      'NATS_USER: required (with NATS_PASSWORD): every service connects to NATS as its own user; ' +
        'set NATS_ANONYMOUS=true only for the local demo and tests (not set)',
    ]);
  }
  if (config.NATS_USER && !config.NATS_PASSWORD) throw new ConfigError(service, ['NATS_PASSWORD: required with NATS_USER (not set)']);
  return {
    url: config.NATS_URL,
    namespace: config.NATS_NAMESPACE,
    name: service,
    requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
    coalesceWrites: config.NATS_COALESCE_WRITES ?? true,
    ...(config.NATS_TLS_CA_FILE ? { tlsCaFile: config.NATS_TLS_CA_FILE } : {}),
    ...(config.NATS_USER ? { user: config.NATS_USER, password: config.NATS_PASSWORD } : {}),
  };
}

@Global()
@Module({})
export class MessagingModule {
  /** The messaging of one service: its connection, RPC client and server, publisher. */
  static forService(service: ServiceName, config: NatsConfig): DynamicModule {
    return MessagingModule.forRoot(natsOptionsOf(service, config));
  }

  static forRoot(options: NatsOptions): DynamicModule {
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: NatsService,
          inject: [LOGGER, HealthRegistry],
          useFactory: async (logger: Logger, health: HealthRegistry) => {
            const nats = await NatsService.connect(options, logger);
            health.register('nats', () => nats.ping());
            // The services subscribe in their bootstrap hooks; a round trip after those makes sure
            // the server has every subscription before the start resolves.
            health.registerStartup('nats subscriptions', () => nats.ping());
            return nats;
          },
        },
        NatsLifecycle,
        RpcClient,
        RpcServer,
        MessagePublisher,
      ],
      exports: [NatsService, RpcClient, MessagePublisher],
    };
  }
}
