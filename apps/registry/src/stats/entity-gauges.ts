import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics } from '@cleargate/observability';

/**
 * Counts for the Overview dashboard (the original admin app's home page): registered machines,
 * endpoints and tasks, and runs by status. Read from PostgreSQL when Prometheus scrapes.
 */
@Injectable()
export class EntityGauges {
  constructor(dataSource: DataSource, metrics: Metrics) {
    metrics.gauge('entities', 'Registered machines, endpoints and runnable tasks', ['kind'], async function () {
      const [row] = (await dataSource.query(
        `SELECT (SELECT count(*) FROM machines) AS machines, (SELECT count(*) FROM endpoints) AS endpoints,
                (SELECT count(*) FROM task_templates) AS tasks`,
      )) as { machines: string; endpoints: string; tasks: string }[];
      for (const kind of ['machines', 'endpoints', 'tasks'] as const) this.set({ kind }, Number(row?.[kind] ?? 0));
    });
    metrics.gauge('runs', 'Runs by status', ['status'], async function () {
      const rows = (await dataSource.query(`SELECT status, count(*) AS n FROM runs GROUP BY status`)) as { status: string; n: string }[];
      this.reset();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    });
  }
}
