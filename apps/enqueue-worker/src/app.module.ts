import { DynamicModule, Module } from '@nestjs/common';
import { serviceModule } from '@cleargate/messaging';
import { Runtime } from '@cleargate/observability';
import { ClearmlAdapter } from './clearml/clearml.adapter';
import { WORKER_CONFIG, WorkerConfig } from './config';
import { EnqueueRunService } from './runs/enqueue-run.service';
import { RunEvents } from './runs/run-events';
import { RunRequestsConsumer } from './runs/run-requests.consumer';
import { RunStopsConsumer } from './runs/run-stops.consumer';

@Module({})
export class EnqueueWorkerModule {
  static forRoot(config: WorkerConfig, runtime: Runtime): DynamicModule {
    return serviceModule(
      EnqueueWorkerModule,
      { service: 'enqueue-worker', config, configToken: WORKER_CONFIG, runtime },
      { providers: [ClearmlAdapter, RunEvents, EnqueueRunService, RunRequestsConsumer, RunStopsConsumer] },
    );
  }
}
