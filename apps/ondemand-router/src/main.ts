import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { OndemandRouterModule } from './app.module';
import { loadRouterConfig, RouterConfig } from './config';

export async function startOndemandRouter(config: RouterConfig, runtime = createRuntime('ondemand-router', config.LOG_LEVEL)) {
  return startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      const app = await NestFactory.createApplicationContext(OndemandRouterModule.forRoot(config, rt), {
        logger: new NestPinoLogger(rt.logger),
        abortOnError: false,
      });
      return app;
    },
  });
}

if (require.main === module) {
  runMain(loadRouterConfig, (config) => startOndemandRouter(config));
}
