import { z } from 'zod';
import { isHttpUrl } from '../format/markup';

/** Channel names are metric label values and KV key parts: short, lowercase, no dots. */
export const channelNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'channel names are 1-63 lowercase letters, digits, "-" or "_"');

const httpUrl = z.string().trim().refine(isHttpUrl, 'expected an http(s) URL');

const common = {
  name: channelNameSchema,
  /** Token bucket: sustained messages per second and burst size (defaults per type below). */
  rate_per_sec: z.number().positive().max(1000).optional(),
  burst: z.number().int().min(1).max(1000).optional(),
  /** Per-request timeout. */
  timeout_ms: z.number().int().min(100).max(120_000).optional(),
  /** Longest console excerpt for this channel (NOTIFIER_CONSOLE_MAX_CHARS otherwise). */
  console_max_chars: z.number().int().min(0).max(1_000_000).optional(),
};

const emailAddress = z
  .string()
  .trim()
  .regex(/^[^\s@<>,]+@[^\s@<>,]+$|^[^<>]*<[^\s@<>,]+@[^\s@<>,]+>$/, 'expected an e-mail address');

export const channelSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('slack'), ...common, url: httpUrl }),
  z.strictObject({ type: z.literal('teams'), ...common, url: httpUrl }),
  z.strictObject({
    type: z.literal('mattermost'),
    ...common,
    url: httpUrl,
    channel: z.string().min(1).max(64).optional(),
    username: z.string().min(1).max(64).optional(),
    icon_url: httpUrl.optional(),
  }),
  z.strictObject({
    type: z.literal('discord'),
    ...common,
    url: httpUrl,
    username: z
      .string()
      .min(1)
      .max(80)
      .refine((u) => !/clyde|discord/i.test(u), 'Discord refuses usernames containing "clyde" or "discord"')
      .optional(),
  }),
  z.strictObject({
    type: z.literal('telegram'),
    ...common,
    token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a bot token "<id>:<secret>"'),
    chat_id: z
      .union([z.number().int(), z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$/, 'expected a numeric chat id or @channelname')])
      .transform(String),
    message_thread_id: z.number().int().positive().optional(),
    api_url: httpUrl.default('https://api.telegram.org'),
  }),
  z.strictObject({
    type: z.literal('matrix'),
    ...common,
    homeserver: httpUrl,
    room_id: z.string().regex(/^![^:\s]+:\S+$/, 'expected a room id "!opaque:server"'),
    access_token: z.string().min(8),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    ...common,
    url: httpUrl,
    secret: z.string().min(16, 'the signing secret must be at least 16 characters'),
    max_bytes: z
      .number()
      .int()
      .min(4096)
      .max(16 * 1024 * 1024)
      .optional(),
  }),
  z
    .strictObject({
      type: z.literal('email'),
      ...common,
      host: z.string().trim().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** `starttls` (required upgrade, port 587), `implicit` (TLS from the start, port 465), `none` (local relays only). */
      tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
      user: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      from: emailAddress,
      to: z.union([emailAddress.transform((a) => [a]), z.array(emailAddress).min(1).max(100)]),
      subject_prefix: z.string().max(100).default('[ClearGate]'),
    })
    .refine((c) => (c.user === undefined) === (c.password === undefined), 'user and password go together'),
]);

export type ChannelConfig = z.output<typeof channelSchema>;
export type ChannelType = ChannelConfig['type'];
export type ChannelOf<T extends ChannelType> = Extract<ChannelConfig, { type: T }>;

/**
 * Default rate limits, from what each provider documents (or, where it documents nothing, a
 * conservative guess). Per channel and per notifier replica.
 */
export const CHANNEL_DEFAULTS: Record<ChannelType, { ratePerSec: number; burst: number; timeoutMs: number }> = {
  // "1 per second, short bursts allowed" (Slack rate limits, incoming webhooks).
  slack: { ratePerSec: 1, burst: 3, timeoutMs: 10_000 },
  // Teams connectors/Workflows throttle above 4 requests per second.
  teams: { ratePerSec: 3, burst: 3, timeoutMs: 15_000 },
  // Self-hosted; the server's RateLimitSettings default to 10 per second when enabled.
  mattermost: { ratePerSec: 10, burst: 10, timeoutMs: 10_000 },
  // Webhook buckets allow 5 requests per 2 s; about 30 messages a minute per channel in practice.
  discord: { ratePerSec: 0.5, burst: 5, timeoutMs: 10_000 },
  // At most 20 messages a minute to the same group (about 1 per second per chat).
  telegram: { ratePerSec: 1 / 3, burst: 3, timeoutMs: 10_000 },
  // Synapse's default rc_message: 0.2 per second, burst 10.
  matrix: { ratePerSec: 0.2, burst: 10, timeoutMs: 10_000 },
  webhook: { ratePerSec: 10, burst: 10, timeoutMs: 10_000 },
  email: { ratePerSec: 1, burst: 5, timeoutMs: 30_000 },
};
