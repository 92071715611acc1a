import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import {
  endpointChanged,
  machineChanged,
  MessagePayload,
  OpenaiRoute,
  RoutingEndpoint,
  RoutingMachine,
  routingResolve,
  routingSnapshot,
} from '@cleargate/contracts';
import { NatsService, RpcClient, subscribeEvents, SubscriptionHandle } from '@cleargate/messaging';
import { HealthRegistry, InjectLogger, Logger } from '@cleargate/observability';
import { ROUTER_CONFIG, RouterConfig } from '../config';

/** A lookup's answer: the machine may be known while the endpoint is not. */
export interface Resolution {
  machine: RoutingMachine | null;
  endpoint: RoutingEndpoint | null;
}

/**
 * Resolution of (public machine id, endpoint name) to a route, from memory. Warmed with a
 * snapshot at start, kept current by the registry's change events, resynced periodically,
 * and filled on a miss by one registry lookup (negative answers remembered briefly).
 */
@Injectable()
export class RoutingCache implements OnApplicationBootstrap, OnModuleDestroy {
  private machines = new Map<string, RoutingMachine>();
  private endpoints = new Map<string, RoutingEndpoint>();
  /** Routes the registry did not know, remembered for ROUTING_NEGATIVE_TTL_MS. */
  private readonly misses: LRUCache<string, true>;
  private readonly lookups = new Map<string, Promise<Resolution>>();
  /** The endpoints of `openai` machines, rebuilt on the first use after any change. */
  private openai: OpenaiRoute[] | null = null;
  private readonly listeners: ((machine: RoutingMachine, change: 'updated' | 'deleted') => void)[] = [];
  private subscriptions: SubscriptionHandle[] = [];
  private resyncTimer?: NodeJS.Timeout;
  private warmed = false;
  private stopped = false;

  constructor(
    private readonly nats: NatsService,
    private readonly rpc: RpcClient,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @InjectLogger() private readonly logger: Logger,
    health: HealthRegistry,
  ) {
    this.misses = new LRUCache({ max: 10_000, ttl: Math.max(config.ROUTING_NEGATIVE_TTL_MS, 1) });
    health.register('routing-cache', () => {
      if (!this.warmed) throw new Error('routing cache not loaded yet');
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Subscribe before the snapshot so that no change made in between is missed.
    this.subscriptions = [
      subscribeEvents(this.nats, machineChanged, (event) => this.applyMachine(event), this.logger),
      subscribeEvents(this.nats, endpointChanged, (event) => this.applyEndpoint(event), this.logger),
    ];
    await this.resyncAndSchedule();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.resyncTimer);
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** Called when a machine changes or disappears, so pools and breakers can follow. */
  onMachineChange(listener: (machine: RoutingMachine, change: 'updated' | 'deleted') => void): void {
    this.listeners.push(listener);
  }

  /**
   * Every endpoint of an `openai` machine, enabled or not: the LLM endpoints a model name is
   * resolved among (see resolveOpenaiModel in libs/contracts). From memory only: a model
   * registered a moment ago is known once its change event arrived.
   */
  openaiRoutes(): OpenaiRoute[] {
    if (this.openai) return this.openai;
    const routes: OpenaiRoute[] = [];
    for (const endpoint of this.endpoints.values()) {
      const machine = this.machines.get(endpoint.machine_id);
      if (machine?.protocol === 'openai') routes.push({ machine, endpoint });
    }
    return (this.openai = routes);
  }

  async resolve(machineId: string, endpointName: string): Promise<Resolution> {
    const key = routeKey(machineId, endpointName);
    const endpoint = this.endpoints.get(key) ?? null;
    const machine = this.machines.get(machineId) ?? null;
    if (endpoint && machine) return { machine, endpoint };
    if (this.misses.has(key)) return { machine, endpoint: null };
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.lookup(machineId, endpointName).finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  private async lookup(machineId: string, endpointName: string): Promise<Resolution> {
    const found = await this.rpc.request(routingResolve, { machine_id: machineId, endpoint: endpointName });
    this.openai = null;
    if (found.machine) this.machines.set(found.machine.machine_id, found.machine);
    if (found.machine && found.endpoint) {
      this.endpoints.set(routeKey(found.endpoint.machine_id, found.endpoint.name), found.endpoint);
      return { machine: found.machine, endpoint: found.endpoint };
    }
    // A TTL of 0 means misses are not remembered (lru-cache would read it as "never expire").
    if (this.config.ROUTING_NEGATIVE_TTL_MS > 0) this.misses.set(routeKey(machineId, endpointName), true);
    return { machine: found.machine, endpoint: null };
  }

  /** Until the first snapshot succeeds, retry every second; then every resync interval. */
  private async resyncAndSchedule(): Promise<void> {
    try {
      await this.resync();
    } catch (err) {
      this.logger.warn({ err }, this.warmed ? 'routing resync failed' : 'routing snapshot failed; retrying');
    }
    if (this.stopped) return;
    this.resyncTimer = setTimeout(() => void this.resyncAndSchedule(), this.warmed ? this.config.ROUTING_RESYNC_INTERVAL_MS : 1000);
    this.resyncTimer.unref();
  }

  private async resync(): Promise<void> {
    const snapshot = await this.rpc.request(routingSnapshot, {});
    const machines = new Map(snapshot.machines.map((m) => [m.machine_id, m]));
    const endpoints = new Map(snapshot.endpoints.map((e) => [routeKey(e.machine_id, e.name), e]));
    for (const [id, old] of this.machines) {
      const now = machines.get(id);
      if (!now) this.notify(old, 'deleted');
      else if (now.base_url !== old.base_url || now.protocol !== old.protocol) this.notify(now, 'updated');
    }
    this.machines = machines;
    this.endpoints = endpoints;
    this.openai = null;
    this.misses.clear();
    this.warmed = true;
    this.logger.debug({ machines: machines.size, endpoints: endpoints.size }, 'routing cache synced');
  }

  private applyMachine(event: MessagePayload<typeof machineChanged>): void {
    const previous = this.machines.get(event.machine_id);
    this.openai = null;
    if (event.change === 'deleted' || !event.machine) {
      this.machines.delete(event.machine_id);
      if (previous) this.notify(previous, 'deleted');
    } else {
      this.machines.set(event.machine_id, event.machine);
      if (previous && (previous.base_url !== event.machine.base_url || previous.protocol !== event.machine.protocol))
        this.notify(event.machine, 'updated');
    }
    for (const key of this.misses.keys()) if (key.startsWith(`${event.machine_id}\u0000`)) this.misses.delete(key);
  }

  private applyEndpoint(event: MessagePayload<typeof endpointChanged>): void {
    const key = routeKey(event.machine_id, event.name);
    this.openai = null;
    if (event.change === 'deleted' || !event.endpoint) this.endpoints.delete(key);
    else this.endpoints.set(key, event.endpoint);
    this.misses.delete(key);
  }

  private notify(machine: RoutingMachine, change: 'updated' | 'deleted'): void {
    for (const l of this.listeners) l(machine, change);
  }
}

function routeKey(machineId: string, endpoint: string): string {
  return `${machineId}\u0000${endpoint}`;
}
