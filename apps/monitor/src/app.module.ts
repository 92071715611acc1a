import { DynamicModule, Module } from '@nestjs/common';
import { serviceModule } from '@cleargate/messaging';
import { Runtime } from '@cleargate/observability';
import { ChangeHandler } from './alerts/change-handler';
import { ClearmlAdapter } from './clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from './config';
import { GaugeCollector } from './gauges/gauge-collector';
import { MonitorService } from './monitor.service';
import { RunawayGuard } from './runaway/runaway-guard';

@Module({})
export class MonitorModule {
  static forRoot(config: MonitorConfig, runtime: Runtime): DynamicModule {
    return serviceModule(
      MonitorModule,
      { service: 'monitor', config, configToken: MONITOR_CONFIG, runtime },
      { providers: [ClearmlAdapter, ChangeHandler, RunawayGuard, GaugeCollector, MonitorService] },
    );
  }
}
