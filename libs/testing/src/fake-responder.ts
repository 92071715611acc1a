import type { Subscription } from '@nats-io/nats-core';
import { z } from 'zod';
import { AppError, RpcContract } from '@cleargate/contracts';
import { decodeJson, encodeJson, NatsService } from '@cleargate/messaging';

/**
 * Answers one RPC contract on the bus the way the owning service would, for tests of a single
 * service (e.g. the router without a registry). Requests are validated against the contract.
 */
export function respond<C extends RpcContract>(
  nats: NatsService,
  contract: C,
  handler: (request: z.output<C['request']>) => z.input<C['response']> | Promise<z.input<C['response']>>,
): Subscription & { calls: z.output<C['request']>[] } {
  const calls: z.output<C['request']>[] = [];
  const sub = nats.connection.subscribe(nats.subject(contract.subject), {
    callback: (_err, msg) => {
      void (async () => {
        try {
          const request = contract.request.parse(decodeJson(msg.data)) as z.output<C['request']>;
          calls.push(request);
          msg.respond(encodeJson({ ok: true, data: contract.response.parse(await handler(request)) }));
        } catch (err) {
          const body = err instanceof AppError ? err.toBody() : { code: 'internal', message: String(err) };
          msg.respond(encodeJson({ ok: false, error: body }));
        }
      })();
    },
  });
  return Object.assign(sub, { calls });
}
