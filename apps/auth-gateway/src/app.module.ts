import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { MessagingModule } from '@cleargate/messaging';
import { ObservabilityModule, Runtime } from '@cleargate/observability';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { MeController } from './auth/me.controller';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { OndemandService } from './ondemand/ondemand.service';
import { DocsController } from './openapi/docs.controller';
import { EndpointsController, LogsController, MachinesController } from './registry/registry.controllers';
import { RunsController, TasksController } from './runs/runs.controllers';
import { ServiceDiscoveryController } from './registry/service-discovery.controller';

/** Every HTTP controller of the gateway (the on-demand routes are served before them, see main.ts). */
export const GATEWAY_CONTROLLERS = [
  MachinesController,
  EndpointsController,
  TasksController,
  RunsController,
  LogsController,
  ServiceDiscoveryController,
  MeController,
  DocsController,
];

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, runtime: Runtime): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        DiscoveryModule,
        ObservabilityModule.forRoot(runtime),
        MessagingModule.forRoot({
          url: config.NATS_URL,
          namespace: config.NATS_NAMESPACE,
          name: 'auth-gateway',
          requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
          ...(config.NATS_USER ? { user: config.NATS_USER, password: config.NATS_PASSWORD } : {}),
        }),
      ],
      exports: [AuthService, OndemandService],
      controllers: GATEWAY_CONTROLLERS,
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }, AuthService, OndemandService, { provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
