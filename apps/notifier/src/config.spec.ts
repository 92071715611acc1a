import { ConfigError } from '@cleargate/config';
import { loadNotifierConfig } from './config';

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/sEcReTsLaCkToKeN0123';
const TELEGRAM_TOKEN = '123456789:AAsecretTelegramToken_abc';
const channels = [
  { name: 'ops-slack', type: 'slack', url: SLACK_URL },
  { name: 'ops-telegram', type: 'telegram', token: TELEGRAM_TOKEN, chat_id: -1001234567890 },
  {
    name: 'ops-mail',
    type: 'email',
    host: 'smtp.example.org',
    user: 'alerts',
    password: 'mail-password-1',
    from: 'ClearGate <alerts@example.org>',
    to: 'ops@example.org',
  },
];

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadNotifierConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('loadNotifierConfig', () => {
  it('refuses channel URLs at refused addresses, naming the host but never the secret path', () => {
    const problems = problemsOf({
      NOTIFIER_CHANNELS: JSON.stringify([
        { name: 'internal', type: 'webhook', url: 'http://169.254.169.254/latest/hook-secret-path', secret: 's'.repeat(16) },
        { name: 'local-mm', type: 'mattermost', url: 'http://localhost:8065/hooks/mm-secret-key' },
        { name: 'tg', type: 'telegram', token: TELEGRAM_TOKEN, chat_id: 1, api_url: 'http://10.1.2.3' },
        { name: 'mx', type: 'matrix', homeserver: 'http://[::1]:8008', room_id: '!r:s', access_token: 'matrix-token' },
        { name: 'mail', type: 'email', host: '127.0.0.1', port: 25, tls: 'none', from: 'a@b.c', to: 'd@e.f' },
      ]),
    });
    expect(problems).toEqual([
      'NOTIFIER_CHANNELS: channel "internal": 169.254.169.254 is a link-local address (cloud metadata services live there), which outbound connections may not reach (allow it in EGRESS_ALLOWED_CIDRS)',
      'NOTIFIER_CHANNELS: channel "local-mm": localhost resolves to 127.0.0.1, a loopback address, which outbound connections may not reach (allow it in EGRESS_ALLOWED_CIDRS)',
      'NOTIFIER_CHANNELS: channel "tg": 10.1.2.3 is a private address, which outbound connections may not reach (allow it in EGRESS_ALLOWED_CIDRS)',
      'NOTIFIER_CHANNELS: channel "mx": ::1 is a loopback address, which outbound connections may not reach (allow it in EGRESS_ALLOWED_CIDRS)',
    ]);
    expect(problems.join('\n')).not.toMatch(/secret|mm-secret-key|matrix-token/);
    const allowed = loadNotifierConfig({
      EGRESS_ALLOWED_CIDRS: '127.0.0.0/8',
      NOTIFIER_CHANNELS: JSON.stringify([{ name: 'local-mm', type: 'mattermost', url: 'http://localhost:8065/hooks/k' }]),
    });
    expect(allowed.EGRESS_ALLOWED_CIDRS).toEqual(['127.0.0.0/8']);
  });

  it('parses channels, routes and defaults', () => {
    const config = loadNotifierConfig({
      NOTIFIER_CHANNELS: JSON.stringify(channels),
      NOTIFIER_ROUTES: JSON.stringify([{ name: 'failures', match: { status: 'failed' }, channels: ['ops-slack'] }]),
      NOTIFIER_DEFAULT_CHANNELS: 'ops-mail, ops-telegram',
    });
    expect(config.NOTIFIER_CHANNELS).toEqual([
      { name: 'ops-slack', type: 'slack', url: SLACK_URL },
      { name: 'ops-telegram', type: 'telegram', token: TELEGRAM_TOKEN, chat_id: '-1001234567890', api_url: 'https://api.telegram.org' },
      expect.objectContaining({ name: 'ops-mail', port: 587, tls: 'starttls', to: ['ops@example.org'], subject_prefix: '[ClearGate]' }),
    ]);
    expect(config.NOTIFIER_ROUTES[0]).toEqual({
      name: 'failures',
      match: { status: ['failed'] },
      channels: ['ops-slack'],
      continue: false,
    });
    expect(config.NOTIFIER_DEFAULT_CHANNELS).toEqual(['ops-mail', 'ops-telegram']);
    expect(loadNotifierConfig({}).NOTIFIER_DEFAULT_CHANNELS).toBe('*');
    expect(loadNotifierConfig({ NOTIFIER_DEFAULT_CHANNELS: 'none' }).NOTIFIER_DEFAULT_CHANNELS).toEqual([]);
    expect(loadNotifierConfig({}).NOTIFIER_CONSOLE_MAX_CHARS).toBe(2048);
  });

  it('lists every problem in the channels without ever quoting them', () => {
    const bad = [
      { ...channels[0], url: 'ftp://hooks.slack.com/services/T0001/B0001/sEcReTsLaCkToKeN0123' },
      { ...channels[1], chat_id: 'not a chat' },
      { ...channels[2], password: undefined },
      { name: 'x', type: 'carrier-pigeon' },
      { name: 'Bad Name', type: 'slack', url: SLACK_URL },
    ];
    let error: ConfigError | undefined;
    try {
      loadNotifierConfig({ NOTIFIER_CHANNELS: JSON.stringify(bad) });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining([
        'NOTIFIER_CHANNELS.0.url',
        'NOTIFIER_CHANNELS.1.chat_id',
        'NOTIFIER_CHANNELS.2',
        'NOTIFIER_CHANNELS.3.type',
        'NOTIFIER_CHANNELS.4.name',
      ]),
    );
    for (const secret of ['sEcReTsLaCkToKeN0123', 'AAsecretTelegramToken', 'mail-password-1']) expect(error!.message).not.toContain(secret);
    expect(error!.message).toContain('value not shown');
  });

  it('does not quote channels that are not even JSON', () => {
    const problems = problemsOf({ NOTIFIER_CHANNELS: `[{"url": "${SLACK_URL}"` });
    expect(problems).toEqual(['NOTIFIER_CHANNELS: expected valid JSON (value not shown: it holds secrets)']);
  });

  it('checks names across channels, routes and the default route', () => {
    const problems = problemsOf({
      NOTIFIER_CHANNELS: JSON.stringify([channels[0], channels[0]]),
      NOTIFIER_ROUTES: JSON.stringify([
        { name: 'a', channels: ['ops-slack', 'nowhere'] },
        { name: 'a', channels: ['ops-slack'] },
      ]),
      NOTIFIER_DEFAULT_CHANNELS: 'ghost',
    });
    expect(problems).toEqual([
      'NOTIFIER_CHANNELS: channel name "ops-slack" is used twice',
      'NOTIFIER_ROUTES.0.channels: no channel named "nowhere"',
      'NOTIFIER_ROUTES.1.name: rule name "a" is used twice',
      'NOTIFIER_DEFAULT_CHANNELS: no channel named "ghost"',
    ]);
  });

  it('refuses Discord usernames Discord refuses and short webhook secrets', () => {
    const problems = problemsOf({
      NOTIFIER_CHANNELS: JSON.stringify([
        { name: 'd', type: 'discord', url: 'https://discord.com/api/webhooks/1/t', username: 'Discord Bot' },
        { name: 'w', type: 'webhook', url: 'https://example.org/hook', secret: 'short' },
      ]),
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['NOTIFIER_CHANNELS.0.username', 'NOTIFIER_CHANNELS.1.secret']);
  });
});
