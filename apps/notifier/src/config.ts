import { z } from 'zod';
import { commonEnv, ConfigError, envInt, envJson, envPort, envSecret, envUrl, loadConfig } from '@cleargate/config';
import { AddressPolicy, egressEnv } from '@cleargate/egress';
import { channelSchema } from './channels/channel-config';
import { defaultChannelsSchema, routesSchema } from './routing/routes';

export const notifierEnv = z.object({
  ...commonEnv,
  /** The channels, as a JSON list (see README). Every URL, token and password in it is a secret. */
  NOTIFIER_CHANNELS: envJson(z.array(channelSchema).max(100), '[]'),
  /** Routing rules, as a JSON list (see README). */
  NOTIFIER_ROUTES: envJson(routesSchema, '[]'),
  /** Channels of alerts no rule matched: `*` (all), `none`, or names separated by commas. */
  NOTIFIER_DEFAULT_CHANNELS: defaultChannelsSchema.default('*'),
  /** Longest console excerpt in a message (the original notifier showed the last 2048 characters). */
  NOTIFIER_CONSOLE_MAX_CHARS: envInt({ min: 0, max: 1_000_000, default: 2048 }),
  /** Alerts worked on at the same time. */
  NOTIFIER_CONCURRENCY: envInt({ min: 1, max: 1000, default: 32 }),
  /** Deliveries of an alert before it goes to the dead-letter stream. */
  NOTIFIER_MAX_DELIVER: envInt({ min: 1, max: 1000, default: 40 }),
  /** Retry delay after a failure: doubles from the base up to the maximum (with jitter). */
  NOTIFIER_RETRY_BASE_MS: envInt({ min: 10, max: 600_000, default: 1000 }),
  NOTIFIER_RETRY_MAX_MS: envInt({ min: 10, max: 3_600_000, default: 30_000 }),
  /** Longest provider-requested wait (Retry-After) that is honoured as given. */
  NOTIFIER_RETRY_AFTER_MAX_MS: envInt({ min: 100, max: 3_600_000, default: 600_000 }),
  /** A rate-limit wait up to this long happens in-process; longer ones are left to redelivery. */
  NOTIFIER_RATE_WAIT_INLINE_MS: envInt({ min: 0, max: 60_000, default: 1000 }),
  /** How long successful deliveries are remembered (deduplication by alert id). */
  NOTIFIER_DEDUP_TTL_HOURS: envInt({ min: 1, max: 24 * 365, default: 168 }),
  /** Private, loopback or link-local ranges a channel's URL may point at after all (see libs/egress); not SMTP. */
  ...egressEnv,
  /** Shared secret Alertmanager sends as `Authorization: Bearer …`; empty: the Alertmanager receiver is off. */
  NOTIFIER_ALERTMANAGER_TOKEN: envSecret(16).optional(),
  /** Listener of the Alertmanager receiver (`POST /alertmanager/webhook`). */
  NOTIFIER_WEBHOOK_HOST: z.string().default('0.0.0.0'),
  NOTIFIER_WEBHOOK_PORT: envPort(9095),
  /** Where docs/runbook.md is published (e.g. https://…/blob/main/): alerts' runbook_url (docs/runbook.md#…) become links to it. */
  NOTIFIER_RUNBOOK_BASE_URL: envUrl(['http', 'https']).optional(),
});
export type NotifierConfig = z.infer<typeof notifierEnv>;

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');

const CHANNELS_KEY = 'NOTIFIER_CHANNELS';

/**
 * Loads and checks the notifier's configuration. Beyond the schema: channel and rule names are
 * unique and every channel a rule or the default route names exists. Problems with
 * NOTIFIER_CHANNELS never quote its value, which holds webhook URLs and tokens.
 */
export function loadNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  let config: NotifierConfig;
  try {
    config = loadConfig('notifier', notifierEnv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError('notifier', err.problems.map(hideChannelValues));
  }
  const problems = crossCheck(config);
  if (problems.length > 0) throw new ConfigError('notifier', problems);
  return config;
}

function hideChannelValues(problem: string): string {
  if (!problem.startsWith(CHANNELS_KEY)) return problem;
  const quoted = problem.indexOf(' (got ');
  return quoted < 0 ? problem : `${problem.slice(0, quoted)} (value not shown: it holds secrets)`;
}

/** The URLs a channel connects to (an e-mail channel's SMTP relay is not an HTTP URL and not checked). */
export function channelUrls(channel: NotifierConfig['NOTIFIER_CHANNELS'][number]): string[] {
  switch (channel.type) {
    case 'telegram':
      return [channel.api_url];
    case 'matrix':
      return [channel.homeserver];
    case 'email':
      return [];
    default:
      return [channel.url];
  }
}

function crossCheck(config: NotifierConfig): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const policy = new AddressPolicy(config.EGRESS_ALLOWED_CIDRS);
  for (const channel of config.NOTIFIER_CHANNELS) {
    if (names.has(channel.name)) problems.push(`${CHANNELS_KEY}: channel name "${channel.name}" is used twice`);
    names.add(channel.name);
    // Only the host is named: the rest of a webhook URL is its secret. Names are checked per connection.
    for (const url of channelUrls(channel)) {
      const refused = policy.refusal(new URL(url).hostname);
      if (refused) problems.push(`${CHANNELS_KEY}: channel "${channel.name}": ${refused.message} (allow it in EGRESS_ALLOWED_CIDRS)`);
    }
  }
  const rules = new Set<string>();
  config.NOTIFIER_ROUTES.forEach((route, i) => {
    if (rules.has(route.name)) problems.push(`NOTIFIER_ROUTES.${i}.name: rule name "${route.name}" is used twice`);
    rules.add(route.name);
    for (const channel of route.channels) {
      if (!names.has(channel)) problems.push(`NOTIFIER_ROUTES.${i}.channels: no channel named "${channel}"`);
    }
  });
  if (config.NOTIFIER_DEFAULT_CHANNELS !== '*') {
    for (const channel of config.NOTIFIER_DEFAULT_CHANNELS) {
      if (!names.has(channel)) problems.push(`NOTIFIER_DEFAULT_CHANNELS: no channel named "${channel}"`);
    }
  }
  if (config.NOTIFIER_RETRY_MAX_MS < config.NOTIFIER_RETRY_BASE_MS) {
    problems.push('NOTIFIER_RETRY_MAX_MS: must not be smaller than NOTIFIER_RETRY_BASE_MS');
  }
  return problems;
}
