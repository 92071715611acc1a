import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cleargate/messaging';
import { ObservabilityModule, Runtime } from '@cleargate/observability';
import { ChangeHandler } from './alerts/change-handler';
import { ClearmlAdapter } from './clearml/clearml.adapter';
import { MONITOR_CONFIG, MonitorConfig } from './config';
import { GaugeCollector } from './gauges/gauge-collector';
import { MonitorService } from './monitor.service';
import { RunawayGuard } from './runaway/runaway-guard';

@Module({})
export class MonitorModule {
  static forRoot(config: MonitorConfig, runtime: Runtime): DynamicModule {
    return {
      module: MonitorModule,
      imports: [ObservabilityModule.forRoot(runtime), MessagingModule.forService('monitor', config)],
      providers: [
        { provide: MONITOR_CONFIG, useValue: config },
        ClearmlAdapter,
        ChangeHandler,
        RunawayGuard,
        GaugeCollector,
        MonitorService,
      ],
    };
  }
}
