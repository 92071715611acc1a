import 'reflect-metadata';
import { createRuntime, runMain, startContextService } from '@cleargate/observability';
import { MonitorModule } from './app.module';
import { loadMonitorConfig, MonitorConfig } from './config';
import { MonitorService } from './monitor.service';

export async function startMonitor(config: MonitorConfig, runtime = createRuntime('monitor', config.LOG_LEVEL)) {
  const service = await startContextService({ runtime, config, module: (rt) => MonitorModule.forRoot(config, rt) });
  return Object.assign(service, { monitor: service.app.get(MonitorService) });
}

if (require.main === module) {
  runMain(loadMonitorConfig, (config) => startMonitor(config));
}
