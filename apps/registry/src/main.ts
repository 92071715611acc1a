import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { loadRegistryConfig, RegistryConfig } from './config';
import { RegistryModule } from './app.module';
import { openDatabase } from './database/database.module';

export async function startRegistry(config: RegistryConfig, runtime = createRuntime('registry', config.LOG_LEVEL)) {
  return startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      const dataSource = await openDatabase(config, rt.logger);
      try {
        const app = await NestFactory.createApplicationContext(RegistryModule.forRoot(config, rt, dataSource), {
          logger: new NestPinoLogger(rt.logger),
          abortOnError: false,
        });
        return app;
      } catch (err) {
        if (dataSource.isInitialized) await dataSource.destroy();
        throw err;
      }
    },
  });
}

if (require.main === module) {
  runMain(loadRegistryConfig, (config) => startRegistry(config));
}
