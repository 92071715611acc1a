import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { serviceModule } from '@cleargate/messaging';
import { Runtime } from '@cleargate/observability';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { MeController } from './auth/me.controller';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { OndemandService } from './ondemand/ondemand.service';
import { DocsController } from './openapi/docs.controller';
import { LogsController } from './logs/logs.controller';
import { EndpointsController, MachinesController, TasksController } from './registry/registry.controllers';
import { RunsController } from './runs/runs.controller';
import { ServiceDiscoveryController } from './registry/service-discovery.controller';
import { AdminController, LimitsController } from './admin/admin.controllers';
import { CallLimiter } from './limits/call-limiter';
import { PolicyCache } from './limits/policy-cache';
import { TokenQuota } from './limits/token-quota';
import { UsageController } from './usage/usage.controller';

/** Every HTTP controller of the gateway (the on-demand routes are served before them, see main.ts). */
export const GATEWAY_CONTROLLERS = [
  MachinesController,
  EndpointsController,
  TasksController,
  RunsController,
  LogsController,
  UsageController,
  LimitsController,
  AdminController,
  ServiceDiscoveryController,
  MeController,
  DocsController,
];

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, runtime: Runtime): DynamicModule {
    return serviceModule(
      GatewayModule,
      { service: 'auth-gateway', config, configToken: GATEWAY_CONFIG, runtime },
      {
        imports: [DiscoveryModule],
        exports: [AuthService, OndemandService, CallLimiter, TokenQuota],
        controllers: GATEWAY_CONTROLLERS,
        providers: [PolicyCache, CallLimiter, TokenQuota, AuthService, OndemandService, { provide: APP_GUARD, useClass: AuthGuard }],
      },
    );
  }
}
