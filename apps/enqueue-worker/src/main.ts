import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { EnqueueWorkerModule } from './app.module';
import { loadWorkerConfig, WorkerConfig } from './config';

export async function startEnqueueWorker(config: WorkerConfig, runtime = createRuntime('enqueue-worker', config.LOG_LEVEL)) {
  return startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      const app = await NestFactory.createApplicationContext(EnqueueWorkerModule.forRoot(config, rt), {
        logger: new NestPinoLogger(rt.logger),
        abortOnError: false,
      });
      return app;
    },
  });
}

if (require.main === module) {
  runMain(loadWorkerConfig, (config) => startEnqueueWorker(config));
}
