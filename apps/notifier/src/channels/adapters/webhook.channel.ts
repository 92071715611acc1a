import { createHmac } from 'node:crypto';
import { formatWebhook, WEBHOOK_DEFAULT_MAX_BYTES } from '../../format/webhook.format';
import { AlertMessage } from '../../format/message';
import { Redactor, SendContext, SendReceipt } from '../channel';
import { ChannelOf } from '../channel-config';
import { ChannelDeps, HttpChatChannel } from '../http-channel';

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, what receivers recompute to trust a body. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Generic JSON webhook: the alert as JSON, signed. Headers: `X-Cleargate-Timestamp` (unix
 * seconds), `X-Cleargate-Signature`, and `X-Cleargate-Alert-Id` for receivers that deduplicate.
 */
export class WebhookChannel extends HttpChatChannel<'webhook'> {
  constructor(config: ChannelOf<'webhook'>, deps: ChannelDeps) {
    super(config, deps, [...Redactor.urlParts(config.url), config.secret]);
  }

  protected async deliver(message: AlertMessage, _context: SendContext): Promise<SendReceipt> {
    const body = formatWebhook(message, this.consoleMaxChars, this.config.max_bytes ?? WEBHOOK_DEFAULT_MAX_BYTES);
    const timestamp = Math.floor(Date.now() / 1000);
    await this.request(this.config.url, body, {
      headers: {
        'x-cleargate-timestamp': String(timestamp),
        'x-cleargate-signature': webhookSignature(this.config.secret, timestamp, body),
        'x-cleargate-alert-id': encodeURIComponent(message.alert.alert_id),
      },
    });
    return {};
  }
}
