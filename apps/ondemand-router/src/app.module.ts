import { DynamicModule, Module } from '@nestjs/common';
import { serviceModule } from '@cleargate/messaging';
import { Runtime } from '@cleargate/observability';
import { InFlightCaps } from './caps/in-flight-caps';
import { CallLogBatcher } from './calllogs/call-log-batcher';
import { ROUTER_CONFIG, RouterConfig } from './config';
import { CircuitsHandler } from './health/circuits.handler';
import { InvokeHandler } from './invoke/invoke.handler';
import { OpenaiHandler } from './openai/openai.handler';
import { PredictionCounter } from './predictions/prediction-counter';
import { RoutingCache } from './routing/routing-cache';
import { UpstreamClient } from './upstream/upstream-client';

@Module({})
export class OndemandRouterModule {
  static forRoot(config: RouterConfig, runtime: Runtime): DynamicModule {
    return serviceModule(
      OndemandRouterModule,
      { service: 'ondemand-router', config, configToken: ROUTER_CONFIG, runtime },
      {
        providers: [
          RoutingCache,
          UpstreamClient,
          CallLogBatcher,
          PredictionCounter,
          InFlightCaps,
          InvokeHandler,
          OpenaiHandler,
          CircuitsHandler,
        ],
      },
    );
  }
}
