import { ConfigError } from '@cleargate/config';
import { loadWorkerConfig } from './config';

const required = {
  CLEARML_API_HOST: 'http://clearml-apiserver:8008',
  CLEARML_API_ACCESS_KEY: 'ACCESSKEY123',
  CLEARML_API_SECRET_KEY: 'very-secret-value',
};

describe('enqueue-worker configuration', () => {
  it('applies the documented defaults', () => {
    expect(loadWorkerConfig(required)).toMatchObject({
      ENQUEUE_CONCURRENCY: 16,
      ENQUEUE_MAX_DELIVER: 50,
      ENQUEUE_BACKOFF_MS: [1000, 2000, 4000, 8000, 15000, 30000, 60000],
      ENQUEUE_ACK_WAIT_MS: 60_000,
      CLEARML_TIMEOUT_MS: 15_000,
      TEMPLATE_CACHE_TTL_MS: 60_000,
      QUEUE_CACHE_TTL_MS: 300_000,
    });
    expect(loadWorkerConfig(required).CLEARML_API_VERSION).toBeUndefined();
  });

  it('reads the backoff as a list of milliseconds', () => {
    expect(loadWorkerConfig({ ...required, ENQUEUE_BACKOFF_MS: '100, 500,2000' }).ENQUEUE_BACKOFF_MS).toEqual([100, 500, 2000]);
  });

  it('lists every bad variable at once and never prints the secret key', () => {
    let error: unknown;
    try {
      loadWorkerConfig({
        CLEARML_API_HOST: 'clearml:8008',
        CLEARML_API_SECRET_KEY: 'very-secret-value',
        CLEARML_API_VERSION: 'latest',
        ENQUEUE_BACKOFF_MS: '1s,2s',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(/[.:]/)[0]).sort()).toEqual([
      'CLEARML_API_ACCESS_KEY',
      'CLEARML_API_HOST',
      'CLEARML_API_VERSION',
      'ENQUEUE_BACKOFF_MS',
      'ENQUEUE_BACKOFF_MS',
    ]);
    expect(message).not.toContain('very-secret-value');
  });
});
