import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AppError,
  Caller,
  isOwner,
  ListSort,
  Machine,
  MachineCallHealth,
  machineInputSchema,
  machinePatchSchema,
  RoutingMachine,
} from '@cleargate/contracts';
import { AddressPolicy } from '@cleargate/egress';
import { CallLogsRepository } from '../calllogs/calllogs.repository';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';
import { assertOwner, claimBy, ownedBy, ownerFilterOf } from '../ownership';
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
    owner_subject: m.ownerSubject,
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

/**
 * Only administrators give a public id (a legacy one callers already hold) instead of having one
 * minted: a registrar could otherwise take over an id that flows still send.
 */
export function assertMayGivePublicId(caller: Caller, given: string | undefined, field: string): void {
  if (given !== undefined && !caller.admin) throw new AppError('forbidden', `only administrators may give ${field}`);
}

/**
 * Refuses a URL the outbound address policy does not allow (EGRESS_ALLOWED_CIDRS): its literal
 * address, or any address its name resolves to now. The router checks again on every connection.
 */
export async function assertReachableUrl(policy: AddressPolicy, field: string, url: string | null | undefined): Promise<void> {
  if (!url) return;
  const refused = await policy.check(url);
  if (!refused) return;
  const message = `${field}: ${refused.message}; an administrator can allow its range in EGRESS_ALLOWED_CIDRS`;
  throw new AppError('invalid_argument', message, { issues: [{ path: `body.${field}`, message: refused.message }] });
}

@Injectable()
export class MachinesService {
  private readonly policy: AddressPolicy;

  constructor(
    private readonly repository: MachinesRepository,
    private readonly publicIds: PublicIdService,
    private readonly events: ChangeEvents,
    private readonly calllogs: CallLogsRepository,
    @Inject(REGISTRY_CONFIG) config: RegistryConfig,
  ) {
    this.policy = new AddressPolicy(config.EGRESS_ALLOWED_CIDRS);
  }

  async create(caller: Caller, input: z.output<typeof machineInputSchema>): Promise<Machine> {
    assertMayGivePublicId(caller, input.machine_id, 'machine_id');
    await assertReachableUrl(this.policy, 'base_url', input.base_url);
    await assertReachableUrl(this.policy, 'metrics_url', input.metrics_url);
    const id = randomUUID();
    const entity = Object.assign(new MachineEntity(), {
      id,
      publicId: input.machine_id ?? this.publicIds.mint(id),
      name: input.name,
      baseUrl: input.base_url,
      protocol: input.protocol,
      servingTaskId: input.serving_task_id ?? null,
      metricsUrl: input.metrics_url ?? null,
      labels: input.labels ?? {},
      maxInFlight: input.max_in_flight ?? null,
      enabled: input.enabled ?? true,
      owner: caller.username,
      ownerSubject: caller.subject,
    });
    const saved = await this.repository.insert(entity);
    await this.events.machine('created', toRoutingMachine(saved));
    return toMachine(saved, 0);
  }

  async get(caller: Caller, ref: string): Promise<Machine> {
    const machine = await this.visible(caller, ref);
    return toMachine(machine, await this.repository.endpointCount(machine.id));
  }

  async list(caller: Caller, page: { limit: number; cursor?: string }, filter: { name?: string; enabled?: boolean; sort?: ListSort }) {
    const result = await this.repository.list({ ...filter, ...page, ...(caller.admin ? {} : { owner: ownerFilterOf(caller) }) });
    return { items: result.items.map((r) => toMachine(r.machine, r.endpointCount)), next_cursor: result.next_cursor };
  }

  async update(caller: Caller, ref: string, patch: z.output<typeof machinePatchSchema>): Promise<Machine> {
    const machine = await this.visible(caller, ref);
    assertOwner(caller, machine, 'machine');
    await assertReachableUrl(this.policy, 'base_url', patch.base_url);
    await assertReachableUrl(this.policy, 'metrics_url', patch.metrics_url);
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
    assertOwner(caller, machine, 'machine');
    const endpoints = await this.repository.endpointCount(machine.id);
    if (endpoints > 0) {
      throw new AppError('conflict', `the machine still has ${endpoints} endpoint(s); delete them first`, { endpoint_count: endpoints });
    }
    await this.repository.delete(machine.id);
    await this.events.machine('deleted', toRoutingMachine(machine));
    return { deleted: true, id: machine.id };
  }

  /** How the recent calls to each machine went (the caller's own machines; any for administrators). */
  async health(caller: Caller, refs: string[], windowMinutes: number): Promise<{ items: MachineCallHealth[] }> {
    const machines = (await this.repository.findByRefs(refs)).filter((m) => caller.admin || isOwner(caller, ownedBy(m)));
    if (!machines.length) return { items: [] };
    const { recent, lastErrors } = await this.calllogs.machineHealth(
      machines.map((m) => m.publicId),
      windowMinutes,
    );
    return {
      items: machines.map((m) => {
        const calls = recent.get(m.publicId) ?? { calls: 0, errors: 0 };
        return {
          machine_id: m.publicId,
          window_minutes: windowMinutes,
          ...calls,
          error_rate: calls.calls ? calls.errors / calls.calls : null,
          last_error: lastErrors.get(m.publicId) ?? null,
        };
      }),
    };
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
    if (!machine || (!caller.admin && !isOwner(caller, ownedBy(machine)))) throw AppError.notFound('machine', ref);
    const claimed = claimBy(caller, machine);
    if (claimed) {
      await this.repository.claim(machine.id, claimed);
      machine.ownerSubject = claimed;
    }
    return machine;
  }
}
