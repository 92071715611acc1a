import { Injectable } from '@nestjs/common';
import { RpcParsed as Req, STATS_RANGES, statsGet } from '@cleargate/contracts';
import { RpcHandler } from '@cleargate/messaging';
import { CallLogsRepository, StatsSource } from '../calllogs/calllogs.repository';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { MachinesRepository } from '../machines/machines.repository';
import { RunsRepository } from '../runs/runs.repository';
import { TasksRepository } from '../tasks/tasks.repository';
import { UsageRepository } from '../usage/usage.repository';

const BUSIEST = 5;

/** The admin console's home page: counts plus request series (the original "ClearML Utils" dashboard). */
@Injectable()
export class StatsHandlers {
  constructor(
    private readonly machines: MachinesRepository,
    private readonly endpoints: EndpointsRepository,
    private readonly calllogs: CallLogsRepository,
    private readonly usage: UsageRepository,
    private readonly tasks: TasksRepository,
    private readonly runs: RunsRepository,
  ) {}

  @RpcHandler(statsGet)
  async get({ hours, range }: Req<typeof statsGet>) {
    const period = range ? STATS_RANGES[range] : { hours, bucketSeconds: 3600 };
    const step = period.bucketSeconds * 1000;
    // The first bucket is the one holding the start of the period, so `hours` hourly buckets end with the current one.
    const since = new Date(Math.floor((Date.now() - period.hours * 3_600_000) / step) * step + step);
    // Minutes of the last hour from the log itself (one day partition, by its time index); hours
    // and days from the rollups the log's triggers keep, never a scan of weeks of records.
    const source: StatsSource = period.bucketSeconds < 3600 ? this.calllogs : this.usage;
    const [machines, endpoints, tasks, runs, ondemand, enqueue, ondemandTotals, enqueueTotals, busiestEndpoints, busiestTasks] =
      await Promise.all([
        this.machines.count(),
        this.endpoints.count(),
        this.tasks.count(),
        this.runs.countByStatus(),
        source.series('ondemand', since, period.bucketSeconds),
        source.series('enqueue', since, period.bucketSeconds),
        source.totals('ondemand', since),
        source.totals('enqueue', since),
        source.busiestEndpoints(since, BUSIEST),
        source.busiestTasks(since, BUSIEST),
      ]);
    return {
      bucket_seconds: period.bucketSeconds,
      counts: { machines, endpoints, tasks, runs },
      series: { ondemand, enqueue },
      totals: { ondemand: ondemandTotals, enqueue: enqueueTotals },
      busiest: { endpoints: busiestEndpoints, tasks: busiestTasks },
    };
  }
}
