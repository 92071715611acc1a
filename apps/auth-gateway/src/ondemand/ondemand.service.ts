import { Inject, Injectable } from '@nestjs/common';
import { Msg } from 'nats';
import { AppError, Caller, errorBodySchema, INVOKE_HEADERS, INVOKE_REPLY_HEADERS, ONDEMAND_INVOKE_SUBJECT } from '@cleargate/contracts';
import { decodeJson, natsFailure, NatsService, RequestTimeoutError } from '@cleargate/messaging';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

export interface Invocation {
  caller: Caller;
  machineId: string;
  endpoint: string;
  body: Uint8Array;
  contentType: string | undefined;
  accept: string | undefined;
  route: 'compat' | 'v1';
  correlationId: string;
}

export interface InvocationAnswer {
  status: number;
  contentType: string | undefined;
  body: Uint8Array;
}

/** Sends an invocation to the ondemand-router (raw body + headers, see libs/contracts). */
@Injectable()
export class OndemandService {
  private readonly subject: string;
  private readonly callerJson = new WeakMap<Caller, string>();

  constructor(
    private readonly nats: NatsService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.subject = nats.subject(ONDEMAND_INVOKE_SUBJECT);
  }

  /** The model's answer (2xx/4xx as the machine sent it); anything else is thrown as an AppError. */
  async invoke(inv: Invocation): Promise<InvocationAnswer> {
    let callerJson = this.callerJson.get(inv.caller);
    if (!callerJson) this.callerJson.set(inv.caller, (callerJson = JSON.stringify(inv.caller)));
    const headers = this.nats.headers(
      {
        [INVOKE_HEADERS.machineId]: inv.machineId,
        [INVOKE_HEADERS.endpoint]: inv.endpoint,
        [INVOKE_HEADERS.caller]: callerJson,
        [INVOKE_HEADERS.route]: inv.route,
      },
      inv.correlationId,
    );
    if (inv.contentType) headers.set(INVOKE_HEADERS.contentType, inv.contentType);
    if (inv.accept) headers.set(INVOKE_HEADERS.accept, inv.accept);
    let msg: Msg;
    try {
      msg = await this.nats.requests.request(this.subject, inv.body, { timeoutMs: this.config.ONDEMAND_TIMEOUT_MS, headers });
    } catch (err) {
      if (err instanceof RequestTimeoutError) {
        throw new AppError('upstream_timeout', `no answer within ${this.config.ONDEMAND_TIMEOUT_MS} ms`);
      }
      throw natsFailure(err, ONDEMAND_INVOKE_SUBJECT);
    }
    if (msg.headers?.get(INVOKE_REPLY_HEADERS.error)) {
      throw AppError.fromBody(errorBodySchema.parse(decodeJson(msg.data)));
    }
    return {
      status: Number(msg.headers?.get(INVOKE_REPLY_HEADERS.status)) || 502,
      contentType: msg.headers?.get(INVOKE_REPLY_HEADERS.contentType) || undefined,
      body: msg.data,
    };
  }
}
