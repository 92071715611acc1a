import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cleargate/messaging';
import { ObservabilityModule, Runtime } from '@cleargate/observability';
import { ClearmlGateway } from './clearml/clearml.gateway';
import { WORKER_CONFIG, WorkerConfig } from './config';
import { EnqueueRunService } from './runs/enqueue-run.service';
import { RunEvents } from './runs/run-events';
import { RunRequestsConsumer } from './runs/run-requests.consumer';

@Module({})
export class EnqueueWorkerModule {
  static forRoot(config: WorkerConfig, runtime: Runtime): DynamicModule {
    return {
      module: EnqueueWorkerModule,
      imports: [ObservabilityModule.forRoot(runtime), MessagingModule.forService('enqueue-worker', config)],
      providers: [{ provide: WORKER_CONFIG, useValue: config }, ClearmlGateway, RunEvents, EnqueueRunService, RunRequestsConsumer],
    };
  }
}
