import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import type { ListSort } from '@cleargate/contracts';
import { applyListOrder, listOrder, listPage } from '../database/paging';
import { escapeLike, uniqueViolation } from '../machines/machines.repository';
import { ownerCondition, OwnerFilter, ownerParameters } from '../ownership';
import { EndpointEntity } from './endpoint.entity';

@Injectable()
export class EndpointsRepository {
  private readonly endpoints: Repository<EndpointEntity>;

  constructor(dataSource: DataSource) {
    this.endpoints = dataSource.getRepository(EndpointEntity);
  }

  async insert(endpoint: EndpointEntity): Promise<EndpointEntity> {
    try {
      await this.endpoints.insert(endpoint);
    } catch (err) {
      throw uniqueViolation(err, `the machine already has an endpoint named "${endpoint.name}"`);
    }
    return this.findById(endpoint.id) as Promise<EndpointEntity>;
  }

  findById(id: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOne({ where: { id }, relations: { machine: true } });
  }

  findByMachineAndName(machineId: string, name: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOne({ where: { machineId, name }, relations: { machine: true } });
  }

  async list(options: { owner?: OwnerFilter; machineId?: string; name?: string; sort?: ListSort; cursor?: string; limit: number }) {
    const qb = this.endpoints.createQueryBuilder('e').leftJoinAndSelect('e.machine', 'm');
    if (options.owner !== undefined) qb.andWhere(ownerCondition('e'), ownerParameters(options.owner));
    if (options.machineId) qb.andWhere('e.machine_id = :machineId', { machineId: options.machineId });
    if (options.name) qb.andWhere('e.name ILIKE :name', { name: `%${escapeLike(options.name)}%` });
    const order = listOrder(options.sort);
    const rows = await applyListOrder(qb, 'e', order, options.cursor, options.limit).getMany();
    return listPage(rows, options.limit, order, (e) => e);
  }

  all(): Promise<EndpointEntity[]> {
    return this.endpoints.find({ relations: { machine: true } });
  }

  async update(id: string, patch: Partial<EndpointEntity>): Promise<EndpointEntity> {
    try {
      await this.endpoints.update({ id }, patch);
    } catch (err) {
      throw uniqueViolation(err, `the machine already has an endpoint named "${patch.name}"`);
    }
    return this.findById(id) as Promise<EndpointEntity>;
  }

  async delete(id: string): Promise<void> {
    await this.endpoints.delete({ id });
  }

  count(): Promise<number> {
    return this.endpoints.count();
  }

  /** Sets the owner's subject of a row that has none (a claim by its owner); never overwrites one. */
  async claim(id: string, subject: string): Promise<void> {
    await this.endpoints
      .createQueryBuilder()
      .update()
      .set({ ownerSubject: subject })
      .where('id = :id AND owner_subject IS NULL', { id })
      .execute();
  }
}
