import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, Caller, isOwner, ListSort, TaskTemplate, taskTemplateInputSchema, taskTemplatePatchSchema } from '@cleargate/contracts';
import { assertMayGivePublicId } from '../machines/machines.service';
import { assertOwner, claimBy, ownedBy, ownerFilterOf } from '../ownership';
import { PublicIdService } from '../public-ids/public-id.service';
import { ParamsValidator } from './params-validator';
import { TaskTemplateEntity } from './task-template.entity';
import { TasksRepository } from './tasks.repository';
import { PolicyService } from '../policy/policy.service';

const NOBODY = { users: [], roles: [], groups: [] };

export function toTaskTemplate(t: TaskTemplateEntity): TaskTemplate {
  return {
    id: t.id,
    task_id: t.publicId,
    clearml_task_id: t.clearmlTaskId,
    default_queue: t.defaultQueue,
    allowed_queues: t.allowedQueues,
    name: t.name,
    params_schema: t.paramsSchema,
    params_section: t.paramsSection,
    visibility: t.visibility,
    shared_with: t.sharedWith,
    enabled: t.enabled,
    owner: t.owner,
    owner_subject: t.ownerSubject,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

/** Enqueueable task templates: a ClearML task registered as runnable, given a public `task_id`. */
@Injectable()
export class TasksService {
  constructor(
    private readonly repository: TasksRepository,
    private readonly publicIds: PublicIdService,
    private readonly params: ParamsValidator,
    private readonly policy: PolicyService,
  ) {}

  async create(caller: Caller, input: z.output<typeof taskTemplateInputSchema>): Promise<TaskTemplate> {
    assertMayGivePublicId(caller, input.task_id, 'task_id');
    if (input.params_schema) this.params.check(input.params_schema);
    const id = randomUUID();
    const entity = Object.assign(new TaskTemplateEntity(), {
      id,
      publicId: input.task_id ?? this.publicIds.mint(id),
      clearmlTaskId: input.clearml_task_id,
      defaultQueue: input.default_queue,
      allowedQueues: input.allowed_queues ?? [],
      name: input.name ?? null,
      paramsSchema: input.params_schema ?? null,
      paramsSection: input.params_section ?? 'General',
      visibility: input.visibility ?? 'public',
      sharedWith: input.shared_with ?? NOBODY,
      enabled: input.enabled ?? true,
      owner: caller.username,
      ownerSubject: caller.subject,
    });
    return toTaskTemplate(await this.repository.insert(entity));
  }

  async get(caller: Caller, ref: string): Promise<TaskTemplate> {
    return toTaskTemplate(await this.visible(caller, ref));
  }

  async list(caller: Caller, page: { limit: number; cursor?: string }, filter: { name?: string; sort?: ListSort }) {
    const result = await this.repository.list({ ...page, ...filter, ...(caller.admin ? {} : { owner: ownerFilterOf(caller) }) });
    return { items: result.items.map(toTaskTemplate), next_cursor: result.next_cursor };
  }

  async update(caller: Caller, ref: string, patch: z.output<typeof taskTemplatePatchSchema>): Promise<TaskTemplate> {
    const template = await this.visible(caller, ref);
    assertOwner(caller, template, 'task');
    if (patch.params_schema) this.params.check(patch.params_schema);
    const changes: Partial<TaskTemplateEntity> = {};
    if (patch.clearml_task_id !== undefined) changes.clearmlTaskId = patch.clearml_task_id;
    if (patch.default_queue !== undefined) changes.defaultQueue = patch.default_queue;
    if (patch.allowed_queues !== undefined) changes.allowedQueues = patch.allowed_queues;
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.params_schema !== undefined) changes.paramsSchema = patch.params_schema;
    if (patch.params_section !== undefined) changes.paramsSection = patch.params_section;
    if (patch.visibility !== undefined) changes.visibility = patch.visibility;
    if (patch.shared_with !== undefined) changes.sharedWith = patch.shared_with;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    return toTaskTemplate(Object.keys(changes).length ? await this.repository.update(template.id, changes) : template);
  }

  async delete(caller: Caller, ref: string): Promise<{ deleted: true; id: string }> {
    const template = await this.visible(caller, ref);
    assertOwner(caller, template, 'task');
    await this.policy.changingTarget({ templateId: template.id }, () => this.repository.delete(template.id));
    return { deleted: true, id: template.id };
  }

  private async visible(caller: Caller, ref: string): Promise<TaskTemplateEntity> {
    const template = await this.repository.findByRef(ref);
    if (!template || (!caller.admin && !isOwner(caller, ownedBy(template)))) throw AppError.notFound('task', ref);
    const claimed = claimBy(caller, template);
    if (claimed) {
      await this.repository.claim(template.id, claimed);
      template.ownerSubject = claimed;
    }
    return template;
  }
}
