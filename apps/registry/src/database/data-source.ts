import { DataSource } from 'typeorm';
import { OndemandCallEntity } from '../calllogs/ondemand-call.entity';
import { EndpointEntity } from '../endpoints/endpoint.entity';
import { MachineEntity } from '../machines/machine.entity';
import { MachinesEndpointsCallLogs1764150000000 } from './migrations/1764150000000-MachinesEndpointsCallLogs';
import { TasksRunsEnqueueLog1764250000000 } from './migrations/1764250000000-TasksRunsEnqueueLog';
import { RunRoute1764350000000 } from './migrations/1764350000000-RunRoute';
import { UsageLimitsPartitions1764450000000 } from './migrations/1764450000000-UsageLimitsPartitions';
import { EnqueueCallEntity } from '../calllogs/enqueue-call.entity';
import { RunEntity } from '../runs/run.entity';
import { TaskTemplateEntity } from '../tasks/task-template.entity';

export const ENTITIES = [MachineEntity, EndpointEntity, OndemandCallEntity, TaskTemplateEntity, RunEntity, EnqueueCallEntity];
/** In order. A new migration is added here and in database/migrations/. */
export const MIGRATIONS = [
  MachinesEndpointsCallLogs1764150000000,
  TasksRunsEnqueueLog1764250000000,
  RunRoute1764350000000,
  UsageLimitsPartitions1764450000000,
];

/** The one data source of the registry: migrations only, never `synchronize`. */
export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, application_name: 'cleargate-registry' },
  });
}
