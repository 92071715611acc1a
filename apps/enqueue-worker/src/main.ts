import 'reflect-metadata';
import { createRuntime, runMain, startContextService } from '@cleargate/observability';
import { EnqueueWorkerModule } from './app.module';
import { loadWorkerConfig, WorkerConfig } from './config';

export function startEnqueueWorker(config: WorkerConfig, runtime = createRuntime('enqueue-worker', config.LOG_LEVEL)) {
  return startContextService({ runtime, config, module: (rt) => EnqueueWorkerModule.forRoot(config, rt) });
}

if (require.main === module) {
  runMain(loadWorkerConfig, (config) => startEnqueueWorker(config));
}
