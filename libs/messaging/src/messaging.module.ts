import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
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

@Global()
@Module({})
export class MessagingModule {
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
