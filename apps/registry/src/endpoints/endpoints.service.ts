import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AppError,
  Caller,
  Endpoint,
  endpointInputSchema,
  endpointPatchSchema,
  isOwner,
  ListSort,
  RoutingEndpoint,
  TIMEOUT_MS_DEFAULT,
} from '@cleargate/contracts';
import { ChangeEvents } from '../events/change-events';
import { assertOwner, claimBy, ownedBy, ownerFilterOf } from '../ownership';
import { MachinesRepository } from '../machines/machines.repository';
import { EndpointEntity } from './endpoint.entity';
import { EndpointsRepository } from './endpoints.repository';
import { PolicyService } from '../policy/policy.service';

const NOBODY = { users: [], roles: [], groups: [] };

export function toEndpoint(e: EndpointEntity): Endpoint {
  return {
    id: e.id,
    machine_id: e.machine!.publicId,
    machine_name: e.machine!.name,
    name: e.name,
    path: e.path,
    timeout_ms: e.timeoutMs,
    visibility: e.visibility,
    shared_with: e.sharedWith,
    count_predictions: e.countPredictions,
    max_in_flight: e.maxInFlight,
    enabled: e.enabled,
    owner: e.owner,
    owner_subject: e.ownerSubject,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

export function toRoutingEndpoint(e: EndpointEntity): RoutingEndpoint {
  return {
    id: e.id,
    machine_id: e.machine!.publicId,
    name: e.name,
    path: e.path,
    timeout_ms: e.timeoutMs,
    enabled: e.enabled,
    owner: e.owner,
    owner_subject: e.ownerSubject,
    visibility: e.visibility,
    shared_with: e.sharedWith,
    count_predictions: e.countPredictions,
    created_at: e.createdAt.toISOString(),
    max_in_flight: e.maxInFlight,
  };
}

@Injectable()
export class EndpointsService {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly machines: MachinesRepository,
    private readonly events: ChangeEvents,
    private readonly policy: PolicyService,
  ) {}

  async create(caller: Caller, input: z.output<typeof endpointInputSchema>): Promise<Endpoint> {
    const machine = await this.machines.findByRef(input.machine_id);
    if (!machine || (!caller.admin && !isOwner(caller, ownedBy(machine)))) throw AppError.notFound('machine', input.machine_id);
    const entity = Object.assign(new EndpointEntity(), {
      id: randomUUID(),
      machineId: machine.id,
      name: input.name,
      path: input.path ?? null,
      timeoutMs: input.timeout_ms ?? TIMEOUT_MS_DEFAULT,
      visibility: input.visibility ?? 'public',
      sharedWith: input.shared_with ?? NOBODY,
      countPredictions: input.count_predictions ?? null,
      maxInFlight: input.max_in_flight ?? null,
      enabled: input.enabled ?? true,
      owner: caller.username,
      ownerSubject: caller.subject,
    });
    const saved = await this.endpoints.insert(entity);
    await this.events.endpoint('created', toRoutingEndpoint(saved));
    return toEndpoint(saved);
  }

  async get(caller: Caller, id: string): Promise<Endpoint> {
    return toEndpoint(await this.visible(caller, id));
  }

  async list(caller: Caller, page: { limit: number; cursor?: string }, filter: { machine_id?: string; name?: string; sort?: ListSort }) {
    let machineId: string | undefined;
    if (filter.machine_id) {
      const machine = await this.machines.findByRef(filter.machine_id);
      if (!machine) return { items: [], next_cursor: null };
      machineId = machine.id;
    }
    const result = await this.endpoints.list({
      ...page,
      ...(filter.name ? { name: filter.name } : {}),
      ...(filter.sort ? { sort: filter.sort } : {}),
      ...(machineId ? { machineId } : {}),
      ...(caller.admin ? {} : { owner: ownerFilterOf(caller) }),
    });
    return { items: result.items.map(toEndpoint), next_cursor: result.next_cursor };
  }

  async update(caller: Caller, id: string, patch: z.output<typeof endpointPatchSchema>): Promise<Endpoint> {
    const endpoint = await this.visible(caller, id);
    assertOwner(caller, endpoint, 'endpoint');
    const changes: Partial<EndpointEntity> = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.path !== undefined) changes.path = patch.path;
    if (patch.timeout_ms !== undefined) changes.timeoutMs = patch.timeout_ms;
    if (patch.visibility !== undefined) changes.visibility = patch.visibility;
    if (patch.shared_with !== undefined) changes.sharedWith = patch.shared_with;
    if (patch.count_predictions !== undefined) changes.countPredictions = patch.count_predictions;
    if (patch.max_in_flight !== undefined) changes.maxInFlight = patch.max_in_flight;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    const renamed = patch.name !== undefined && patch.name !== endpoint.name;
    const apply = () => (Object.keys(changes).length ? this.endpoints.update(endpoint.id, changes) : Promise.resolve(endpoint));
    // Limit rules of the endpoint are keyed by its name at the gateways.
    const saved = renamed ? await this.policy.changingTarget({ endpointId: endpoint.id }, apply) : await apply();
    // A rename is a delete of the old routing key plus a create of the new one.
    if (renamed) await this.events.endpoint('deleted', toRoutingEndpoint(endpoint));
    await this.events.endpoint('updated', toRoutingEndpoint(saved));
    return toEndpoint(saved);
  }

  async delete(caller: Caller, id: string): Promise<{ deleted: true; id: string }> {
    const endpoint = await this.visible(caller, id);
    assertOwner(caller, endpoint, 'endpoint');
    await this.policy.changingTarget({ endpointId: endpoint.id }, () => this.endpoints.delete(endpoint.id));
    await this.events.endpoint('deleted', toRoutingEndpoint(endpoint));
    return { deleted: true, id: endpoint.id };
  }

  private async visible(caller: Caller, id: string): Promise<EndpointEntity> {
    const endpoint = await this.endpoints.findById(id);
    if (!endpoint || (!caller.admin && !isOwner(caller, ownedBy(endpoint)))) throw AppError.notFound('endpoint', id);
    const claimed = claimBy(caller, endpoint);
    if (claimed) {
      await this.endpoints.claim(endpoint.id, claimed);
      endpoint.ownerSubject = claimed;
      // the routers decide "owner" from the routing copy: it changes too
      await this.events.endpoint('updated', toRoutingEndpoint(endpoint));
    }
    return endpoint;
  }
}
