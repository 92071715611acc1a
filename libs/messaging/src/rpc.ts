import { Inject, Injectable, OnApplicationBootstrap, Optional, SetMetadata } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { errors as natsErrors, type Msg, type Subscription } from '@nats-io/nats-core';
import { z } from 'zod';
import { AppError, invalidArgument, queueGroup, RpcContract, RpcReply, rpcReplySchema } from '@cleargate/contracts';
import {
  CORRELATION_HEADER,
  InjectLogger,
  Logger,
  Metrics,
  LATENCY_BUCKETS_SECONDS,
  sanitizeCorrelationId,
  withCorrelation,
} from '@cleargate/observability';
import { decodeJson, encodeJson } from './codec';
import { NatsUnavailableError, NoRespondersError, RequestTimeoutError } from './request-mux';
import { NatsService } from './nats.service';

/**
 * Request/reply over core NATS with typed contracts. The client validates what it sends and
 * what it gets back; the server validates every request before a handler sees it and turns
 * thrown AppErrors into the error envelope.
 */
@Injectable()
export class RpcClient {
  constructor(private readonly nats: NatsService) {}

  async request<C extends RpcContract>(
    contract: C,
    payload: z.input<C['request']>,
    options: { timeoutMs?: number; correlationId?: string } = {},
  ): Promise<z.output<C['response']>> {
    const parsed = contract.request.safeParse(payload);
    if (!parsed.success) throw invalidArgument(parsed.error);
    const body = parsed.data;
    let data: Uint8Array;
    try {
      data = await this.nats.requests.request(this.nats.subject(contract.subject), encodeJson(body), {
        timeoutMs: options.timeoutMs ?? this.nats.options.requestTimeoutMs,
        headers: this.nats.headers({}, options.correlationId),
      });
    } catch (err) {
      throw natsFailure(err, contract.subject);
    }
    const reply = rpcReplySchema.parse(decodeJson(data));
    if (!reply.ok) throw AppError.fromBody(reply.error);
    return contract.response.parse(reply.data) as z.output<C['response']>;
  }

  /**
   * A fan-out request (see `RpcContract.fanOut`): every replica answers; the answers that came
   * within `maxWaitMs`, closed `stallMs` after the last one, are returned. No replica answering
   * is `unavailable`; a replica answering with an error is left out.
   */
  async gather<C extends RpcContract>(
    contract: C,
    payload: z.input<C['request']>,
    options: { maxWaitMs?: number; stallMs?: number; correlationId?: string } = {},
  ): Promise<z.output<C['response']>[]> {
    const parsed = contract.request.safeParse(payload);
    if (!parsed.success) throw invalidArgument(parsed.error);
    const answers: z.output<C['response']>[] = [];
    let replies = 0;
    try {
      const iterator = await this.nats.connection.requestMany(this.nats.subject(contract.subject), encodeJson(parsed.data), {
        strategy: 'stall',
        maxWait: options.maxWaitMs ?? 1000,
        stall: options.stallMs ?? 50,
        headers: this.nats.headers({}, options.correlationId),
      });
      for await (const msg of iterator) {
        // An empty message with a 503 status is the server saying nobody subscribes.
        if (msg.data.length === 0) continue;
        replies++;
        const reply = rpcReplySchema.safeParse(decodeJson(msg.data));
        if (reply.success && reply.data.ok) answers.push(contract.response.parse(reply.data.data) as z.output<C['response']>);
      }
    } catch (err) {
      throw natsFailure(err, contract.subject);
    }
    if (replies === 0) throw new AppError('unavailable', `no service is answering ${contract.subject}`);
    return answers;
  }
}

/** No responder means no replica of the owning service is running; a timeout means it is stuck. */
export function natsFailure(err: unknown, subject: string): AppError {
  const cause = err instanceof natsErrors.RequestError ? err.cause : err;
  if (err instanceof NoRespondersError || cause instanceof natsErrors.NoRespondersError) {
    return new AppError('unavailable', `no service is answering ${subject}`);
  }
  if (err instanceof NatsUnavailableError) return new AppError('unavailable', `the message bus is unreachable (${subject})`);
  if (err instanceof RequestTimeoutError || cause instanceof natsErrors.TimeoutError) {
    return new AppError('unavailable', `timed out waiting for ${subject}`);
  }
  return new AppError('unavailable', `messaging failure on ${subject}: ${err instanceof Error ? err.message : String(err)}`);
}

const RPC_HANDLER = Symbol('RPC_HANDLER');

/**
 * A service's own reading of a handler failure that is not an AppError: a dependency that is
 * down (the registry's database) becomes `unavailable` (503 at the gateway, worth retrying)
 * rather than `internal`. Provided by the service under RPC_ERROR_TRANSLATOR; null: internal.
 */
export type RpcErrorTranslator = (err: unknown) => AppError | null;
export const RPC_ERROR_TRANSLATOR = Symbol('RPC_ERROR_TRANSLATOR');

/** Marks a provider method as the handler of an RPC contract; RpcServer subscribes it. */
export const RpcHandler = (contract: RpcContract) => SetMetadata(RPC_HANDLER, contract);

export interface RpcContext {
  correlationId: string;
}

@Injectable()
export class RpcServer implements OnApplicationBootstrap {
  private readonly subscriptions: Subscription[] = [];
  private readonly handled;
  private readonly duration;

  constructor(
    private readonly nats: NatsService,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @InjectLogger() private readonly logger: Logger,
    metrics: Metrics,
    @Optional() @Inject(RPC_ERROR_TRANSLATOR) private readonly translate?: RpcErrorTranslator,
  ) {
    this.handled = metrics.counter('rpc_requests_total', 'RPC requests handled, by subject and outcome', ['subject', 'outcome']);
    this.duration = metrics.histogram('rpc_duration_seconds', 'RPC handling time', ['subject'], LATENCY_BUCKETS_SECONDS);
  }

  onApplicationBootstrap(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const contract = this.reflector.get<RpcContract | undefined>(RPC_HANDLER, prototype[method]);
        if (contract)
          this.serve(contract, (req, ctx) => (instance[method] as (r: unknown, c: RpcContext) => unknown).call(instance, req, ctx));
      }
    }
  }

  /** Subscribes one handler in the service's queue group, so replicas share the load (fan-out contracts: every replica). */
  serve(contract: RpcContract, handler: (request: unknown, ctx: RpcContext) => unknown): void {
    const subject = this.nats.subject(contract.subject);
    const sub = this.nats.connection.subscribe(subject, {
      ...(contract.fanOut ? {} : { queue: queueGroup(this.nats.options.name) }),
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err, subject }, 'subscription error');
          return;
        }
        const correlationId = sanitizeCorrelationId(msg.headers?.get(CORRELATION_HEADER));
        void withCorrelation(correlationId, () => this.handle(contract, handler, msg, correlationId));
      },
    });
    this.subscriptions.push(sub);
    this.logger.debug({ subject }, 'serving RPC');
  }

  private async handle(
    contract: RpcContract,
    handler: (request: unknown, ctx: RpcContext) => unknown,
    msg: Msg,
    correlationId: string,
  ): Promise<void> {
    const stop = this.duration.startTimer({ subject: contract.subject });
    let reply: RpcReply;
    try {
      let raw: unknown;
      try {
        raw = decodeJson(msg.data);
      } catch {
        throw new AppError('invalid_argument', 'request is not valid JSON');
      }
      const parsed = contract.request.safeParse(raw);
      if (!parsed.success) throw invalidArgument(parsed.error);
      const result = await handler(parsed.data, { correlationId });
      reply = { ok: true, data: contract.response.parse(result) };
    } catch (err) {
      const translated = err instanceof AppError ? null : this.translate?.(err);
      if (err instanceof AppError) {
        reply = { ok: false, error: err.toBody() };
      } else if (translated) {
        this.logger.warn({ err: (err as Error)?.message ?? String(err), subject: contract.subject }, translated.message);
        reply = { ok: false, error: translated.toBody() };
      } else {
        this.logger.error({ err, subject: contract.subject }, 'RPC handler failed');
        reply = { ok: false, error: { code: 'internal', message: 'internal error' } };
      }
    }
    stop();
    this.handled.inc({ subject: contract.subject, outcome: reply.ok ? 'ok' : reply.error.code });
    if (msg.reply) msg.respond(encodeJson(reply));
  }
}
