import { createHash } from 'node:crypto';
import { formatMatrix } from '../../format/html.format';
import { AlertMessage } from '../../format/message';
import { parseJsonObject } from '../http-outcome';
import { SendContext, SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/** The transaction id of an alert in a room: the same on every retry, so the homeserver posts it once. */
export function matrixTxnId(deliveryId: string, channel: string): string {
  return `cg-${createHash('sha256').update(`${deliveryId}\u0000${channel}`).digest('hex').slice(0, 32)}`;
}

/**
 * Matrix client-server API: `PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`
 * with the access token as a Bearer header. A 429 `M_LIMIT_EXCEEDED` carries `retry_after_ms`.
 */
export class MatrixChannel extends HttpChatChannel<'matrix'> {
  private readonly base: string;

  constructor(config: ChannelOf<'matrix'>, deps: ChannelDeps) {
    super(config, deps, [config.access_token]);
    this.base = `${config.homeserver.replace(/\/+$/, '')}/_matrix/client/v3/rooms/${encodeURIComponent(config.room_id)}/send/m.room.message/`;
  }

  protected async deliver(message: AlertMessage, context: SendContext): Promise<SendReceipt> {
    const content = formatMatrix(message, this.consoleMaxChars);
    const reply = await this.request(this.base + matrixTxnId(context.deliveryId, this.name), JSON.stringify(content), {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.config.access_token}` },
      rules: {
        retryAfterMs: (r) => {
          const ms = parseJsonObject(r.text)?.retry_after_ms;
          return typeof ms === 'number' && ms >= 0 ? ms : undefined;
        },
      },
    });
    const eventId = parseJsonObject(reply.text)?.event_id;
    return typeof eventId === 'string' ? { messageId: eventId } : {};
  }
}
