import 'reflect-metadata';
import { createRuntime, runMain, startContextService } from '@cleargate/observability';
import { NotifierModule } from './app.module';
import { loadNotifierConfig, NotifierConfig } from './config';

export function startNotifier(config: NotifierConfig, runtime = createRuntime('notifier', config.LOG_LEVEL)) {
  return startContextService({ runtime, config, module: (rt) => NotifierModule.forRoot(config, rt) });
}

if (require.main === module) {
  runMain(loadNotifierConfig, (config) => startNotifier(config));
}
