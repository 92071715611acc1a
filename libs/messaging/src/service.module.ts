import { DynamicModule, Module, Type } from '@nestjs/common';
import type { ServiceName } from '@cleargate/contracts';
import { ObservabilityModule, Runtime } from '@cleargate/observability';
import { MessagingModule, NatsConfig } from './messaging.module';

/** Holds a service's validated configuration for every module of the app. */
@Module({})
class ServiceConfigModule {}

export interface ServiceModuleOptions<C extends NatsConfig> {
  service: ServiceName;
  /** The service's validated configuration, injected everywhere under `configToken`. */
  config: C;
  configToken: symbol;
  runtime: Runtime;
}

/**
 * The root module of a ClearGate service: its observability (logger, metrics, health), its
 * configuration, its NATS connection with the typed RPC client and server and the publisher,
 * and then its own imports, providers and controllers.
 */
export function serviceModule<C extends NatsConfig>(
  module: Type,
  { service, config, configToken, runtime }: ServiceModuleOptions<C>,
  own: Pick<DynamicModule, 'imports' | 'providers' | 'controllers' | 'exports'>,
): DynamicModule {
  return {
    ...own,
    module,
    imports: [
      ObservabilityModule.forRoot(runtime),
      { module: ServiceConfigModule, global: true, providers: [{ provide: configToken, useValue: config }], exports: [configToken] },
      MessagingModule.forService(service, config),
      ...(own.imports ?? []),
    ],
  };
}
