import { apiError } from './api/errors';
import { parseRuntimeConfig } from './config';

describe('runtime config', () => {
  it('takes the gateway’s config, without trailing slashes', () => {
    expect(
      parseRuntimeConfig({
        oidc: { issuer: 'http://kc:8080/realms/snap4city/', client_id: 'cleargate-console', scope: 'openid profile email' },
        api_base_url: '',
        clearml_task_log_url: null,
        version: '0.1.0',
      }),
    ).toEqual({
      oidc: { issuer: 'http://kc:8080/realms/snap4city', client_id: 'cleargate-console', scope: 'openid profile email' },
      api_base_url: '',
      clearml_task_log_url: null,
      version: '0.1.0',
    });
  });

  it('says everything that is wrong with a broken one', () => {
    expect(() => parseRuntimeConfig({ oidc: { issuer: 'kc', client_id: '' }, api_base_url: 1 })).toThrow(
      'the console configuration is invalid: oidc.issuer must be an http(s) URL; oidc.client_id is missing; oidc.scope is missing; api_base_url must be a string; clearml_task_log_url must be a string or null',
    );
    expect(() => parseRuntimeConfig('nope')).toThrow('the console configuration is not a JSON object');
  });
});

describe('API errors', () => {
  it('shows what the API said, and a plain message when it is not the envelope or nothing answered', () => {
    expect(apiError(409, { error: { code: 'conflict', message: 'a machine named "x" already exists' }, request_id: 'r' }).message).toBe(
      'a machine named "x" already exists (request r)',
    );
    expect(apiError(502, '<html>bad gateway</html>').message).toBe('The API answered 502');
    expect(apiError(0, undefined).message).toBe('The ClearGate API could not be reached');
  });
});
