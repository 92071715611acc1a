import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import { AppError } from '@cleargate/contracts';
import { applyCursor, pageResult } from '../database/paging';
import { EndpointEntity } from '../endpoints/endpoint.entity';
import { UUID_PATTERN } from '../public-ids/public-id.service';
import { ownerCondition, OwnerFilter, ownerParameters } from '../ownership';
import { MachineEntity } from './machine.entity';

export interface MachineRow {
  machine: MachineEntity;
  endpointCount: number;
}

@Injectable()
export class MachinesRepository {
  private readonly machines: Repository<MachineEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.machines = dataSource.getRepository(MachineEntity);
  }

  async insert(machine: MachineEntity): Promise<MachineEntity> {
    try {
      await this.machines.insert(machine);
    } catch (err) {
      throw uniqueViolation(err, `a machine named "${machine.name}" already exists`);
    }
    return this.machines.findOneByOrFail({ id: machine.id });
  }

  /** By internal uuid or by public id. */
  async findByRef(ref: string): Promise<MachineEntity | null> {
    return UUID_PATTERN.test(ref) ? this.machines.findOneBy({ id: ref }) : this.machines.findOneBy({ publicId: ref });
  }

  async list(options: { owner?: OwnerFilter; name?: string; enabled?: boolean; cursor?: string; limit: number }) {
    const qb = this.machines.createQueryBuilder('m');
    if (options.owner !== undefined) {
      qb.andWhere(ownerCondition('m'), ownerParameters(options.owner));
    }
    if (options.name) qb.andWhere('m.name ILIKE :name', { name: `%${escapeLike(options.name)}%` });
    if (options.enabled !== undefined) qb.andWhere('m.enabled = :enabled', { enabled: options.enabled });
    const rows = await applyCursor(qb, 'm', 'createdAt', options.cursor, options.limit).getMany();
    const counts = await this.endpointCounts(rows.map((r) => r.id));
    return pageResult(
      rows,
      options.limit,
      (machine) => ({ machine, endpointCount: counts.get(machine.id) ?? 0 }),
      (m) => [m.createdAt, m.id],
    );
  }

  async all(): Promise<MachineEntity[]> {
    return this.machines.find();
  }

  async update(id: string, patch: Partial<MachineEntity>): Promise<MachineEntity> {
    try {
      await this.machines.update({ id }, patch);
    } catch (err) {
      throw uniqueViolation(err, `a machine named "${patch.name}" already exists`);
    }
    return this.machines.findOneByOrFail({ id });
  }

  /** Sets the owner's subject of a row that has none (a claim by its owner); never overwrites one. */
  async claim(id: string, subject: string): Promise<void> {
    await this.machines
      .createQueryBuilder()
      .update()
      .set({ ownerSubject: subject })
      .where('id = :id AND owner_subject IS NULL', { id })
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.machines.delete({ id });
  }

  async endpointCount(id: string): Promise<number> {
    return (await this.endpointCounts([id])).get(id) ?? 0;
  }

  async count(): Promise<number> {
    return this.machines.count();
  }

  private async endpointCounts(ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows: { machine_id: string; count: string }[] = await this.dataSource
      .getRepository(EndpointEntity)
      .createQueryBuilder('e')
      .select('e.machine_id', 'machine_id')
      .addSelect('COUNT(*)', 'count')
      .where('e.machine_id IN (:...ids)', { ids })
      .groupBy('e.machine_id')
      .getRawMany();
    return new Map(rows.map((r) => [r.machine_id, Number(r.count)]));
  }
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Turns PostgreSQL's unique violation into a 409; anything else propagates. */
export function uniqueViolation(err: unknown, message: string): unknown {
  if (err instanceof QueryFailedError && (err.driverError as { code?: string })?.code === '23505') {
    return new AppError('conflict', message);
  }
  return err;
}
