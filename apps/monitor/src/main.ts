import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { MonitorModule } from './app.module';
import { loadMonitorConfig, MonitorConfig } from './config';
import { MonitorService } from './monitor.service';

export async function startMonitor(config: MonitorConfig, runtime = createRuntime('monitor', config.LOG_LEVEL)) {
  const service = await startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: (rt) =>
      NestFactory.createApplicationContext(MonitorModule.forRoot(config, rt), {
        logger: new NestPinoLogger(rt.logger),
        abortOnError: false,
      }),
  });
  return Object.assign(service, { monitor: service.app.get(MonitorService) });
}

if (require.main === module) {
  runMain(loadMonitorConfig, (config) => startMonitor(config));
}
