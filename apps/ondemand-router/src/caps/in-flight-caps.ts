import { Inject, Injectable } from '@nestjs/common';
import { AppError, RoutingEndpoint, RoutingMachine } from '@cleargate/contracts';
import { Metrics } from '@cleargate/observability';
import { ROUTER_CONFIG, RouterConfig } from '../config';

/** A call's hold on its machine's and endpoint's slots; `release` once it is answered. */
export interface Slot {
  release(): void;
}

/**
 * Caps on the calls in flight per serving machine (its `max_in_flight`, else
 * ROUTER_MACHINE_MAX_IN_FLIGHT) and per endpoint (its own `max_in_flight`, when set), in each
 * router replica. A call over a cap is refused at once with 429 instead of waiting: a model that
 * hangs holds at most its machine's (or endpoint's) slots, and every other machine and endpoint
 * keeps answering.
 */
@Injectable()
export class InFlightCaps {
  private readonly byMachine = new Map<string, number>();
  private readonly byEndpoint = new Map<string, number>();
  private readonly refusals;

  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    metrics: Metrics,
  ) {
    this.refusals = metrics.counter('limit_refusals_total', 'Calls refused by the in-flight cap of their machine or endpoint, by reason', [
      'reason',
    ]);
    for (const reason of ['machine_in_flight', 'endpoint_in_flight']) this.refusals.inc({ reason }, 0);
    const byMachine = this.byMachine;
    metrics.gauge('machine_in_flight_requests', 'Calls in flight to each serving machine (by its name)', ['machine'], function () {
      this.reset();
      for (const [machine, n] of byMachine) this.set({ machine }, n);
    });
  }

  acquire(machine: RoutingMachine, endpoint: RoutingEndpoint): Slot {
    const machineCap = machine.max_in_flight ?? this.config.ROUTER_MACHINE_MAX_IN_FLIGHT;
    const onMachine = this.byMachine.get(machine.name) ?? 0;
    if (onMachine >= machineCap) {
      this.refusals.inc({ reason: 'machine_in_flight' });
      throw busy(`the serving machine ${machine.name} has ${onMachine} calls in flight, its limit`, 'machine_in_flight', machineCap);
    }
    const endpointCap = endpoint.max_in_flight;
    const onEndpoint = endpointCap === null ? 0 : (this.byEndpoint.get(endpoint.id) ?? 0);
    if (endpointCap !== null && onEndpoint >= endpointCap) {
      this.refusals.inc({ reason: 'endpoint_in_flight' });
      throw busy(`endpoint "${endpoint.name}" has ${onEndpoint} calls in flight, its limit`, 'endpoint_in_flight', endpointCap);
    }
    this.byMachine.set(machine.name, onMachine + 1);
    if (endpointCap !== null) this.byEndpoint.set(endpoint.id, onEndpoint + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        // A machine stays at 0 (machines are few): its series shows idle rather than no data.
        this.byMachine.set(machine.name, (this.byMachine.get(machine.name) ?? 1) - 1);
        if (endpointCap !== null) decrement(this.byEndpoint, endpoint.id);
      },
    };
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 1) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

function busy(message: string, reason: string, limit: number): AppError {
  return new AppError('rate_limited', `${message}; try again shortly`, { reason, limit, retry_after_s: 1 });
}
