import { z } from 'zod';
import { ConfigError, describeConfig, envBool, envInt, envJson, envList, envSecret, envUrl, loadConfig } from './index';

const schema = z.object({
  PORT: envInt({ min: 1, max: 65535, default: 8080 }),
  ENABLED: envBool(false),
  API_URL: envUrl(),
  SIGNING_SECRET: envSecret(16),
  HOSTS: envList(['a']),
  RULES: envJson(z.array(z.object({ name: z.string() })), '[]'),
});

describe('loadConfig', () => {
  it('parses types and applies defaults, treating empty strings as unset', () => {
    const config = loadConfig('svc', schema, {
      API_URL: 'https://clearml.example.org',
      SIGNING_SECRET: 'x'.repeat(20),
      ENABLED: '',
      HOSTS: 'one, two,,',
      RULES: '[{"name":"r1"}]',
    });
    expect(config).toEqual({
      PORT: 8080,
      ENABLED: false,
      API_URL: 'https://clearml.example.org',
      SIGNING_SECRET: 'x'.repeat(20),
      HOSTS: ['one', 'two'],
      RULES: [{ name: 'r1' }],
    });
  });

  it('lists every bad key at once and never prints a secret value', () => {
    let error: unknown;
    try {
      loadConfig('svc', schema, { PORT: '99999', ENABLED: 'maybe', API_URL: 'ftp://x', SIGNING_SECRET: 'short-secret', RULES: '{' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_URL', 'ENABLED', 'PORT', 'RULES', 'SIGNING_SECRET']);
    expect(message).not.toContain('short-secret');
    expect(message).toContain('SIGNING_SECRET: must be at least 16 characters (got "***")');
  });

  it('reports a missing required key as not set', () => {
    expect(() => loadConfig('svc', schema, { SIGNING_SECRET: 'x'.repeat(16) })).toThrow(/API_URL: .*\(not set\)/);
  });
});

describe('describeConfig', () => {
  it('masks secrets and credentials inside URLs', () => {
    expect(
      describeConfig({
        DATABASE_URL: 'postgres://u:pw@db:5432/x',
        WEBHOOK_URL: 'https://hooks.example/services/T/B/C',
        TRIGGER_URL: 'https://example.org/invoke?sig=abc&api-version=1',
        NOTIFIER_CHANNELS: '[{"url":"https://hooks.slack.com/services/T/B/X"}]',
        CLEARML_API_SECRET_KEY: 'k',
        PORT: 1,
      }),
    ).toEqual({
      DATABASE_URL: 'postgres://u:***@db:5432/x',
      WEBHOOK_URL: '***',
      TRIGGER_URL: 'https://example.org/invoke?sig=***&api-version=1',
      NOTIFIER_CHANNELS: '***',
      CLEARML_API_SECRET_KEY: '***',
      PORT: 1,
    });
  });
});
