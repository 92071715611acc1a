import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { NotifierModule } from './app.module';
import { loadNotifierConfig, NotifierConfig } from './config';

export async function startNotifier(config: NotifierConfig, runtime = createRuntime('notifier', config.LOG_LEVEL)) {
  return startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      const app = await NestFactory.createApplicationContext(NotifierModule.forRoot(config, rt), {
        logger: new NestPinoLogger(rt.logger),
        abortOnError: false,
      });
      return app;
    },
  });
}

if (require.main === module) {
  runMain(loadNotifierConfig, (config) => startNotifier(config));
}
