import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, Caller, Machine, machineInputSchema, machinePatchSchema, RoutingMachine } from '@cleargate/contracts';
import { ChangeEvents } from '../events/change-events';
import { PublicIdService } from '../public-ids/public-id.service';
import { MachineEntity } from './machine.entity';
import { MachinesRepository } from './machines.repository';

export function toMachine(m: MachineEntity, endpointCount: number): Machine {
  return {
    id: m.id,
    machine_id: m.publicId,
    name: m.name,
    base_url: m.baseUrl,
    protocol: m.protocol,
    serving_task_id: m.servingTaskId,
    metrics_url: m.metricsUrl,
    labels: m.labels,
    max_in_flight: m.maxInFlight,
    enabled: m.enabled,
    owner: m.owner,
    endpoint_count: endpointCount,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
  };
}

export function toRoutingMachine(m: MachineEntity): RoutingMachine {
  return {
    id: m.id,
    machine_id: m.publicId,
    name: m.name,
    base_url: m.baseUrl,
    protocol: m.protocol,
    enabled: m.enabled,
    max_in_flight: m.maxInFlight,
  };
}

/** Registrars manage their own machines; administrators manage all of them. */
export function assertOwner(caller: Caller, owner: string, what: string): void {
  if (!caller.admin && caller.username !== owner)
    throw new AppError('forbidden', `only the owner or an administrator may change this ${what}`);
}

@Injectable()
export class MachinesService {
  constructor(
    private readonly repository: MachinesRepository,
    private readonly publicIds: PublicIdService,
    private readonly events: ChangeEvents,
  ) {}

  async create(caller: Caller, input: z.output<typeof machineInputSchema>): Promise<Machine> {
    const id = randomUUID();
    const entity = Object.assign(new MachineEntity(), {
      id,
      publicId: this.publicIds.mint(id),
      name: input.name,
      baseUrl: input.base_url,
      protocol: input.protocol,
      servingTaskId: input.serving_task_id ?? null,
      metricsUrl: input.metrics_url ?? null,
      labels: input.labels ?? {},
      maxInFlight: input.max_in_flight ?? null,
      enabled: input.enabled ?? true,
      owner: caller.username,
    });
    const saved = await this.repository.insert(entity);
    await this.events.machine('created', toRoutingMachine(saved));
    return toMachine(saved, 0);
  }

  async get(caller: Caller, ref: string): Promise<Machine> {
    const machine = await this.visible(caller, ref);
    return toMachine(machine, await this.repository.endpointCount(machine.id));
  }

  async list(caller: Caller, page: { limit: number; cursor?: string }, filter: { name?: string; enabled?: boolean }) {
    const result = await this.repository.list({ ...filter, ...page, ...(caller.admin ? {} : { owner: caller.username }) });
    return { items: result.items.map((r) => toMachine(r.machine, r.endpointCount)), next_cursor: result.next_cursor };
  }

  async update(caller: Caller, ref: string, patch: z.output<typeof machinePatchSchema>): Promise<Machine> {
    const machine = await this.visible(caller, ref);
    assertOwner(caller, machine.owner, 'machine');
    const changes: Partial<MachineEntity> = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.base_url !== undefined) changes.baseUrl = patch.base_url;
    if (patch.protocol !== undefined) changes.protocol = patch.protocol;
    if (patch.serving_task_id !== undefined) changes.servingTaskId = patch.serving_task_id;
    if (patch.metrics_url !== undefined) changes.metricsUrl = patch.metrics_url;
    if (patch.labels !== undefined) changes.labels = patch.labels;
    if (patch.max_in_flight !== undefined) changes.maxInFlight = patch.max_in_flight;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    const saved = Object.keys(changes).length ? await this.repository.update(machine.id, changes) : machine;
    await this.events.machine('updated', toRoutingMachine(saved));
    return toMachine(saved, await this.repository.endpointCount(saved.id));
  }

  async delete(caller: Caller, ref: string): Promise<{ deleted: true; id: string }> {
    const machine = await this.visible(caller, ref);
    assertOwner(caller, machine.owner, 'machine');
    const endpoints = await this.repository.endpointCount(machine.id);
    if (endpoints > 0) {
      throw new AppError('conflict', `the machine still has ${endpoints} endpoint(s); delete them first`, { endpoint_count: endpoints });
    }
    await this.repository.delete(machine.id);
    await this.events.machine('deleted', toRoutingMachine(machine));
    return { deleted: true, id: machine.id };
  }

  /** Every enabled machine that exports metrics: the registry is the source of scrape targets. */
  async targets() {
    return (await this.repository.all())
      .filter((m) => m.enabled && m.metricsUrl)
      .map((m) => ({ machine_id: m.publicId, name: m.name, protocol: m.protocol, metrics_url: m.metricsUrl!, labels: m.labels }));
  }

  /** Non-administrators see only their own machines; anything else is "not found". */
  private async visible(caller: Caller, ref: string): Promise<MachineEntity> {
    const machine = await this.repository.findByRef(ref);
    if (!machine || (!caller.admin && machine.owner !== caller.username)) throw AppError.notFound('machine', ref);
    return machine;
  }
}
