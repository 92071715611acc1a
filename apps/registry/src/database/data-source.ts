import { DataSource } from 'typeorm';
import { OndemandCallEntity } from '../calllogs/ondemand-call.entity';
import { EndpointEntity } from '../endpoints/endpoint.entity';
import { MachineEntity } from '../machines/machine.entity';
import { MachinesEndpointsCallLogs1764150000000 } from './migrations/1764150000000-MachinesEndpointsCallLogs';
import { TasksRunsEnqueueLog1764250000000 } from './migrations/1764250000000-TasksRunsEnqueueLog';
import { RunRoute1764350000000 } from './migrations/1764350000000-RunRoute';
import { PublicIdsAcrossKinds1764450000000 } from './migrations/1764450000000-PublicIdsAcrossKinds';
import { OwnerSubjects1764500000000 } from './migrations/1764500000000-OwnerSubjects';
import { OpenaiMachinesTokens1764550000000 } from './migrations/1764550000000-OpenaiMachinesTokens';
import { UsageLimitsPartitions1764600000000 } from './migrations/1764600000000-UsageLimitsPartitions';
import { EnqueueCallEntity } from '../calllogs/enqueue-call.entity';
import { RunEntity } from '../runs/run.entity';
import { TaskTemplateEntity } from '../tasks/task-template.entity';

export const ENTITIES = [MachineEntity, EndpointEntity, OndemandCallEntity, TaskTemplateEntity, RunEntity, EnqueueCallEntity];
/** In order. A new migration is added here and in database/migrations/. */
export const MIGRATIONS = [
  MachinesEndpointsCallLogs1764150000000,
  TasksRunsEnqueueLog1764250000000,
  RunRoute1764350000000,
  PublicIdsAcrossKinds1764450000000,
  OwnerSubjects1764500000000,
  OpenaiMachinesTokens1764550000000,
  UsageLimitsPartitions1764600000000,
];

export interface DatabaseTimeouts {
  connectTimeoutMs: number;
  /** statement_timeout of every session; 0 for none (the migration command). */
  statementTimeoutMs: number;
}

/** The one data source of the registry: migrations only, never `synchronize`. */
export function createDataSource(
  url: string,
  poolSize = 10,
  timeouts: DatabaseTimeouts = { connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 },
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      application_name: 'cleargate-registry',
      connectionTimeoutMillis: timeouts.connectTimeoutMs,
      // Enforced by the server (it cancels the statement), so a stuck query frees its connection.
      statement_timeout: timeouts.statementTimeoutMs,
      // A dead server or a cut network is noticed on idle connections too.
      keepAlive: true,
    },
  });
}
