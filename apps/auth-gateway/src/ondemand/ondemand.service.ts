import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  CallRoute,
  Caller,
  decodeInvokeFrame,
  encodeInvokeFrame,
  invokeFrameHead,
  errorBodySchema,
  invokeReplyMetaSchema,
  InvokeRequestMeta,
  ONDEMAND_INVOKE_SUBJECT,
} from '@cleargate/contracts';
import { decodeJson, natsFailure, NatsService, RequestTimeoutError, ResponderLostError } from '@cleargate/messaging';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

export interface Invocation {
  caller: Caller;
  machineId: string;
  endpoint: string;
  body: Uint8Array;
  contentType: string | undefined;
  accept: string | undefined;
  route: CallRoute;
  correlationId: string;
}

export interface InvocationAnswer {
  status: number;
  contentType: string | undefined;
  body: Uint8Array;
}

/** Sends an invocation to the ondemand-router as one frame (meta + raw body, see libs/contracts). */
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
  invoke(inv: Invocation): Promise<InvocationAnswer> {
    return this.send(encodeInvokeFrame(this.meta(inv), inv.body));
  }

  /**
   * The head of the invocation's frame (length prefix and meta), for a caller that reads the
   * body into the frame itself (see OndemandHttp) and then `send`s it: the body's bytes are
   * copied once, from the socket's chunks into the frame.
   */
  head(inv: Omit<Invocation, 'body'>): Buffer {
    return invokeFrameHead(this.meta(inv));
  }

  private meta(inv: Omit<Invocation, 'body'>): InvokeRequestMeta {
    // The auth cache hands back the same Caller for every call made with one token.
    let caller = this.callerJson.get(inv.caller);
    if (!caller) this.callerJson.set(inv.caller, (caller = JSON.stringify(inv.caller)));
    const meta: InvokeRequestMeta = {
      machine_id: inv.machineId,
      endpoint: inv.endpoint,
      caller,
      route: inv.route,
      correlation_id: inv.correlationId,
    };
    if (inv.contentType) meta.content_type = inv.contentType;
    if (inv.accept) meta.accept = inv.accept;
    return meta;
  }

  /**
   * Sends a whole invocation frame (see `head`) and reads the router's answer. Not async: once
   * the frame is handed to the NATS client nothing here holds it, so a 4 MiB image is freed
   * as soon as it is written out, not when the model answers.
   */
  send(frame: Uint8Array): Promise<InvocationAnswer> {
    const heartbeatMs = this.config.ONDEMAND_HEARTBEAT_MS || undefined;
    return this.nats.requests.request(this.subject, frame, { timeoutMs: this.config.ONDEMAND_TIMEOUT_MS, heartbeatMs }).then(
      (data) => this.answerOf(data),
      (err: unknown) => {
        if (err instanceof RequestTimeoutError) {
          throw new AppError('upstream_timeout', `no answer within ${this.config.ONDEMAND_TIMEOUT_MS} ms`);
        }
        if (err instanceof ResponderLostError) {
          // Its router stopped (or lost the bus) while it held the call: whether the model ran is unknown.
          throw new AppError(
            'unavailable',
            `the router handling the call stopped answering after ${err.silentMs} ms without a sign of life; the model may or may not have run`,
          );
        }
        throw natsFailure(err, ONDEMAND_INVOKE_SUBJECT);
      },
    );
  }

  private answerOf(data: Uint8Array): InvocationAnswer {
    let reply;
    try {
      reply = decodeInvokeFrame(data, invokeReplyMetaSchema);
    } catch (err) {
      throw new AppError('internal', `the ondemand-router sent ${(err as Error).message}`);
    }
    if (reply.meta.error) throw AppError.fromBody(errorBodySchema.parse(decodeJson(reply.payload)));
    return { status: reply.meta.status, contentType: reply.meta.content_type, body: reply.payload };
  }
}
