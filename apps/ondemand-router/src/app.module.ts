import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cleargate/messaging';
import { ObservabilityModule, Runtime } from '@cleargate/observability';
import { CallLogBatcher } from './calllogs/call-log-batcher';
import { ROUTER_CONFIG, RouterConfig } from './config';
import { CircuitsHandler } from './health/circuits.handler';
import { InvokeHandler } from './invoke/invoke.handler';
import { PredictionCounter } from './predictions/prediction-counter';
import { RoutingCache } from './routing/routing-cache';
import { UpstreamClient } from './upstream/upstream-client';

@Module({})
export class OndemandRouterModule {
  static forRoot(config: RouterConfig, runtime: Runtime): DynamicModule {
    return {
      module: OndemandRouterModule,
      imports: [
        ObservabilityModule.forRoot(runtime),
        MessagingModule.forRoot({
          url: config.NATS_URL,
          namespace: config.NATS_NAMESPACE,
          name: 'ondemand-router',
          requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
          ...(config.NATS_USER ? { user: config.NATS_USER, password: config.NATS_PASSWORD } : {}),
        }),
      ],
      providers: [
        { provide: ROUTER_CONFIG, useValue: config },
        RoutingCache,
        UpstreamClient,
        CallLogBatcher,
        PredictionCounter,
        InvokeHandler,
        CircuitsHandler,
      ],
    };
  }
}
