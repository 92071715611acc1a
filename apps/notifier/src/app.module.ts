import { DynamicModule, Module } from '@nestjs/common';
import { serviceModule } from '@cleargate/messaging';
import { Runtime } from '@cleargate/observability';
import { AlertmanagerReceiver } from './alertmanager/alertmanager.receiver';
import { ChannelRegistry } from './channels/channel-registry';
import { NOTIFIER_CONFIG, NotifierConfig } from './config';
import { AlertsConsumer } from './delivery/alerts.consumer';
import { DeliveryService } from './delivery/delivery.service';
import { DeliveryStore } from './delivery/delivery-store';
import { NotifierMetrics } from './delivery/notifier-metrics';

@Module({})
export class NotifierModule {
  static forRoot(config: NotifierConfig, runtime: Runtime): DynamicModule {
    return serviceModule(
      NotifierModule,
      { service: 'notifier', config, configToken: NOTIFIER_CONFIG, runtime },
      { providers: [ChannelRegistry, NotifierMetrics, DeliveryStore, DeliveryService, AlertsConsumer, AlertmanagerReceiver] },
    );
  }
}
