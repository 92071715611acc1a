import { Injectable } from '@nestjs/common';
import { handleAll, retry, ExponentialBackoff } from 'cockatiel';
import { endpointChanged, machineChanged, MessagePayload, RoutingEndpoint, RoutingMachine } from '@cleargate/contracts';
import { MessagePublisher } from '@cleargate/messaging';
import { InjectLogger, Logger } from '@cleargate/observability';

/**
 * Tells the routers (and anyone else) that a machine or endpoint changed, after the change is
 * committed. Routers also resync their whole cache periodically, so an event lost to a NATS
 * outage delays a change instead of losing it.
 */
@Injectable()
export class ChangeEvents {
  private readonly policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) });

  constructor(
    private readonly publisher: MessagePublisher,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async machine(change: 'created' | 'updated' | 'deleted', machine: RoutingMachine): Promise<void> {
    const payload: MessagePayload<typeof machineChanged> = {
      change,
      id: machine.id,
      machine_id: machine.machine_id,
      ...(change === 'deleted' ? {} : { machine }),
      at: new Date().toISOString(),
    };
    await this.send(() => this.publisher.publish(machineChanged, payload), { machine: machine.id, change });
  }

  async endpoint(change: 'created' | 'updated' | 'deleted', endpoint: RoutingEndpoint): Promise<void> {
    const payload: MessagePayload<typeof endpointChanged> = {
      change,
      id: endpoint.id,
      machine_id: endpoint.machine_id,
      name: endpoint.name,
      ...(change === 'deleted' ? {} : { endpoint }),
      at: new Date().toISOString(),
    };
    await this.send(() => this.publisher.publish(endpointChanged, payload), { endpoint: endpoint.id, change });
  }

  private async send(publish: () => Promise<unknown>, context: Record<string, string>): Promise<void> {
    try {
      await this.policy.execute(publish);
    } catch (err) {
      this.logger.error({ err, ...context }, 'could not publish change event; routers will pick it up at their next resync');
    }
  }
}
