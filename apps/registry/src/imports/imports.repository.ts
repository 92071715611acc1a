import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppError } from '@cleargate/contracts';
import { EndpointEntity } from '../endpoints/endpoint.entity';
import { isPublicIdClash } from '../machines/machines.repository';
import { MachineEntity } from '../machines/machine.entity';
import { TaskTemplateEntity } from '../tasks/task-template.entity';

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters per statement. */
const CHUNK = 500;

export interface Registered {
  machines: MachineEntity[];
  tasks: TaskTemplateEntity[];
  /** Endpoints of the machines found. */
  endpoints: EndpointEntity[];
}

/** What an import reads and writes: lookups by public id and name, and one transaction for all new rows. */
@Injectable()
export class ImportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Machines and tasks holding any of these public ids, machines with any of these names, and their endpoints. */
  async registered(publicIds: string[], machineNames: string[]): Promise<Registered> {
    const machines = new Map<string, MachineEntity>();
    const tasks: TaskTemplateEntity[] = [];
    for (const ids of chunks(publicIds)) {
      for (const m of await this.dataSource.getRepository(MachineEntity).findBy({ publicId: In(ids) })) machines.set(m.id, m);
      tasks.push(...(await this.dataSource.getRepository(TaskTemplateEntity).findBy({ publicId: In(ids) })));
    }
    for (const names of chunks(machineNames)) {
      for (const m of await this.dataSource.getRepository(MachineEntity).findBy({ name: In(names) })) machines.set(m.id, m);
    }
    const endpoints: EndpointEntity[] = [];
    for (const ids of chunks([...machines.keys()])) {
      endpoints.push(...(await this.dataSource.getRepository(EndpointEntity).findBy({ machineId: In(ids) })));
    }
    return { machines: [...machines.values()], tasks, endpoints };
  }

  /** Every row or none. A clash with a change made since the check refuses the whole import. */
  async insertAll(rows: { machines: MachineEntity[]; endpoints: EndpointEntity[]; tasks: TaskTemplateEntity[] }): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager: EntityManager) => {
        for (const part of chunks(rows.machines)) await manager.insert(MachineEntity, part);
        for (const part of chunks(rows.endpoints)) await manager.insert(EndpointEntity, part);
        for (const part of chunks(rows.tasks)) {
          // jsonb columns hold arbitrary JSON, which TypeORM's deep-partial type cannot express.
          await manager.insert(TaskTemplateEntity, part as QueryDeepPartialEntity<TaskTemplateEntity>[]);
        }
      });
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') {
        const what = isPublicIdClash(err) ? 'a public id' : 'a machine name or endpoint';
        throw new AppError('conflict', `${what} of the import was registered meanwhile; nothing was written, run it again`);
      }
      throw err;
    }
  }
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}
