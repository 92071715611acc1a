import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { serviceModule } from '@cleargate/messaging';
import { Runtime } from '@cleargate/observability';
import { CallLogsHandlers } from './calllogs/calllogs.handlers';
import { CallLogsRepository } from './calllogs/calllogs.repository';
import { CallLogsService } from './calllogs/calllogs.service';
import { CallLogPartitions } from './calllogs/partitions';
import { REGISTRY_CONFIG, RegistryConfig } from './config';
import { DatabaseModule, databaseTimeouts } from './database/database.module';
import { StreamMigration } from './database/stream-migration';
import { EndpointsHandlers } from './endpoints/endpoints.handlers';
import { EndpointsRepository } from './endpoints/endpoints.repository';
import { EndpointsService } from './endpoints/endpoints.service';
import { ChangeEvents } from './events/change-events';
import { ImportsHandlers } from './imports/imports.handlers';
import { ImportsRepository } from './imports/imports.repository';
import { ImportsService } from './imports/imports.service';
import { MachinesHandlers } from './machines/machines.handlers';
import { MachinesRepository } from './machines/machines.repository';
import { MachinesService } from './machines/machines.service';
import { PublicIdService } from './public-ids/public-id.service';
import { RoutingHandlers } from './routing/routing.handlers';
import { StatsHandlers } from './stats/stats.handlers';
import { EntityGauges } from './stats/entity-gauges';
import { PlatformGauges } from './stats/platform-gauges';
import { PolicyHandlers } from './policy/policy.handlers';
import { PolicyRepository } from './policy/policy.repository';
import { PolicyService } from './policy/policy.service';
import { UsageHandlers } from './usage/usage.handlers';
import { UsageRepository } from './usage/usage.repository';
import { UsageService } from './usage/usage.service';
import { RunsHandlers } from './runs/runs.handlers';
import { RunsRepository } from './runs/runs.repository';
import { RunsService } from './runs/runs.service';
import { RunAcceptance } from './runs/run-acceptance';
import { RunStatusFollower } from './runs/run-status.follower';
import { ParamsValidator } from './tasks/params-validator';
import { TasksHandlers } from './tasks/tasks.handlers';
import { TasksRepository } from './tasks/tasks.repository';
import { TasksService } from './tasks/tasks.service';

@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig, runtime: Runtime, dataSource: DataSource): DynamicModule {
    return serviceModule(
      RegistryModule,
      { service: 'registry', config, configToken: REGISTRY_CONFIG, runtime },
      {
        imports: [DatabaseModule.forDataSource(dataSource, config.DATABASE_URL, databaseTimeouts(config))],
        providers: [
          StreamMigration,
          PublicIdService,
          ChangeEvents,
          MachinesRepository,
          MachinesService,
          MachinesHandlers,
          EndpointsRepository,
          EndpointsService,
          EndpointsHandlers,
          RoutingHandlers,
          CallLogPartitions,
          CallLogsRepository,
          CallLogsService,
          CallLogsHandlers,
          StatsHandlers,
          EntityGauges,
          PlatformGauges,
          UsageRepository,
          UsageService,
          UsageHandlers,
          ParamsValidator,
          TasksRepository,
          TasksService,
          TasksHandlers,
          RunsRepository,
          PolicyRepository,
          PolicyService,
          PolicyHandlers,
          RunsService,
          RunAcceptance,
          RunStatusFollower,
          RunsHandlers,
          ImportsRepository,
          ImportsService,
          ImportsHandlers,
        ],
      },
    );
  }
}
