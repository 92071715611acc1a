import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cleargate/messaging';
import { ObservabilityModule, Runtime } from '@cleargate/observability';
import { ChannelRegistry } from './channels/channel-registry';
import { NOTIFIER_CONFIG, NotifierConfig } from './config';
import { AlertsConsumer } from './delivery/alerts.consumer';
import { DeliveryService } from './delivery/delivery.service';
import { DeliveryStore } from './delivery/delivery-store';
import { NotifierMetrics } from './delivery/notifier-metrics';

@Module({})
export class NotifierModule {
  static forRoot(config: NotifierConfig, runtime: Runtime): DynamicModule {
    return {
      module: NotifierModule,
      imports: [ObservabilityModule.forRoot(runtime), MessagingModule.forService('notifier', config)],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        ChannelRegistry,
        NotifierMetrics,
        DeliveryStore,
        DeliveryService,
        AlertsConsumer,
      ],
    };
  }
}
