import 'reflect-metadata';
import { createRuntime, runMain, startContextService } from '@cleargate/observability';
import { OndemandRouterModule } from './app.module';
import { loadRouterConfig, RouterConfig } from './config';

export function startOndemandRouter(config: RouterConfig, runtime = createRuntime('ondemand-router', config.LOG_LEVEL)) {
  return startContextService({ runtime, config, module: (rt) => OndemandRouterModule.forRoot(config, rt) });
}

if (require.main === module) {
  runMain(loadRouterConfig, (config) => startOndemandRouter(config));
}
