import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppError, ListSort } from '@cleargate/contracts';
import { applyListOrder, listOrder, listPage } from '../database/paging';
import { escapeLike, uniqueViolation } from '../machines/machines.repository';
import { UUID_PATTERN } from '../public-ids/public-id.service';
import { ownerCondition, OwnerFilter, ownerParameters } from '../ownership';
import { TaskTemplateEntity } from './task-template.entity';

@Injectable()
export class TasksRepository {
  private readonly templates: Repository<TaskTemplateEntity>;

  constructor(dataSource: DataSource) {
    this.templates = dataSource.getRepository(TaskTemplateEntity);
  }

  async insert(template: TaskTemplateEntity): Promise<TaskTemplateEntity> {
    try {
      // jsonb columns hold arbitrary JSON, which TypeORM's deep-partial type cannot express.
      await this.templates.insert(template as QueryDeepPartialEntity<TaskTemplateEntity>);
    } catch (err) {
      throw uniqueViolation(err, 'the task already exists', template.publicId);
    }
    return this.templates.findOneByOrFail({ id: template.id });
  }

  findByRef(ref: string): Promise<TaskTemplateEntity | null> {
    return UUID_PATTERN.test(ref) ? this.templates.findOneBy({ id: ref }) : this.templates.findOneBy({ publicId: ref });
  }

  /**
   * A template with its version: `updated_at` as PostgreSQL's text, exact to the microsecond
   * (a Date keeps milliseconds), for inserts guarded on the template being unchanged since.
   */
  async findVersionedByRef(ref: string): Promise<{ template: TaskTemplateEntity; version: string } | null> {
    const qb = this.templates.createQueryBuilder('t').addSelect('t.updated_at::text', 'version');
    qb.where(UUID_PATTERN.test(ref) ? 't.id = :ref' : 't.public_id = :ref', { ref });
    const { entities, raw } = await qb.getRawAndEntities<{ version: string }>();
    return entities[0] && raw[0] ? { template: entities[0], version: raw[0].version } : null;
  }

  async list(options: { owner?: OwnerFilter; name?: string; sort?: ListSort; cursor?: string; limit: number }) {
    const qb = this.templates.createQueryBuilder('t');
    if (options.owner !== undefined) qb.andWhere(ownerCondition('t'), ownerParameters(options.owner));
    if (options.name) qb.andWhere('t.name ILIKE :name', { name: `%${escapeLike(options.name)}%` });
    const order = listOrder(options.sort);
    // A template without a name sorts as the empty name.
    const expression = order.property === 'name' ? "COALESCE(t.name, '')" : undefined;
    const rows = await applyListOrder(qb, 't', order, options.cursor, options.limit, expression).getMany();
    return listPage(rows, options.limit, order, (t) => t);
  }

  async update(id: string, patch: Partial<TaskTemplateEntity>): Promise<TaskTemplateEntity> {
    await this.templates.update({ id }, patch as QueryDeepPartialEntity<TaskTemplateEntity>);
    return this.templates.findOneByOrFail({ id });
  }

  async delete(id: string): Promise<void> {
    try {
      await this.templates.delete({ id });
    } catch (err) {
      // Runs keep a reference to their template.
      if (err instanceof QueryFailedError && (err.driverError as { code?: string })?.code === '23503') {
        throw new AppError('conflict', 'the task has runs; disable it instead of deleting it');
      }
      throw err;
    }
  }

  count(): Promise<number> {
    return this.templates.count();
  }

  /** Sets the owner's subject of a row that has none (a claim by its owner); never overwrites one. */
  async claim(id: string, subject: string): Promise<void> {
    await this.templates
      .createQueryBuilder()
      .update()
      .set({ ownerSubject: subject })
      .where('id = :id AND owner_subject IS NULL', { id })
      .execute();
  }
}
