import { Injectable } from '@nestjs/common';
import { DataSource, In, QueryFailedError, Repository } from 'typeorm';
import { AppError } from '@cleargate/contracts';
import { applyListOrder, listOrder, listPage } from '../database/paging';
import type { ListSort } from '@cleargate/contracts';
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
      throw uniqueViolation(err, `a machine named "${machine.name}" already exists`, machine.publicId);
    }
    return this.machines.findOneByOrFail({ id: machine.id });
  }

  /** By internal uuid or by public id. */
  async findByRef(ref: string): Promise<MachineEntity | null> {
    return UUID_PATTERN.test(ref) ? this.machines.findOneBy({ id: ref }) : this.machines.findOneBy({ publicId: ref });
  }

  /** Machines by internal uuid or public id, in any order; unknown refs are left out. */
  findByRefs(refs: string[]): Promise<MachineEntity[]> {
    const ids = refs.filter((r) => UUID_PATTERN.test(r));
    const publicIds = refs.filter((r) => !UUID_PATTERN.test(r));
    return this.machines.find({
      where: [...(ids.length ? [{ id: In(ids) }] : []), ...(publicIds.length ? [{ publicId: In(publicIds) }] : [])],
    });
  }

  async list(options: { owner?: OwnerFilter; name?: string; enabled?: boolean; sort?: ListSort; cursor?: string; limit: number }) {
    const qb = this.machines.createQueryBuilder('m');
    if (options.owner !== undefined) {
      qb.andWhere(ownerCondition('m'), ownerParameters(options.owner));
    }
    if (options.name) qb.andWhere('m.name ILIKE :name', { name: `%${escapeLike(options.name)}%` });
    if (options.enabled !== undefined) qb.andWhere('m.enabled = :enabled', { enabled: options.enabled });
    const order = listOrder(options.sort);
    const rows = await applyListOrder(qb, 'm', order, options.cursor, options.limit).getMany();
    const counts = await this.endpointCounts(rows.map((r) => r.id));
    return listPage(rows, options.limit, order, (machine) => ({ machine, endpointCount: counts.get(machine.id) ?? 0 }));
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

/**
 * Turns PostgreSQL's unique violation into a 409; anything else propagates. A public id already
 * claimed by another machine or task (see the PublicIdsAcrossKinds migration) says so.
 */
export function uniqueViolation(err: unknown, message: string, publicId?: string): unknown {
  if (err instanceof QueryFailedError && (err.driverError as { code?: string })?.code === '23505') {
    if (isPublicIdClash(err)) {
      return new AppError('conflict', publicId ? `the public id ${publicId} is already in use` : 'the public id is already in use');
    }
    return new AppError('conflict', message);
  }
  return err;
}

/** A unique violation on a public id: of `public_ids` (any kind) or of a table's own column. */
export function isPublicIdClash(err: unknown): boolean {
  const constraint = err instanceof QueryFailedError ? (err.driverError as { constraint?: string })?.constraint : undefined;
  return constraint === 'public_ids_pkey' || constraint === 'uq_machines_public_id' || constraint === 'uq_task_templates_public_id';
}
