import { commonEnv, ConfigError, loadConfig } from '@cleargate/config';
import { z } from 'zod';
import { natsOptionsOf } from './messaging.module';
import { connectionOptions } from './nats.service';

const schema = z.object(commonEnv);
const load = (env: Record<string, string>) => loadConfig('test', schema, env);

describe('NATS connection settings', () => {
  it('takes every node of a cluster, one scheme for all, and refuses a mix or another scheme', () => {
    const config = load({ NATS_URL: 'nats://a:4222, nats://b:4223,nats://c', NATS_ANONYMOUS: 'true' });
    expect(connectionOptions(natsOptionsOf('registry', config)).servers).toEqual(['a:4222', 'b:4223', 'c:4222']);
    expect(() => load({ NATS_URL: 'nats://a:4222,tls://b:4222' })).toThrow(/NATS_URL: expected one or more nats\/tls URLs/);
    expect(() => load({ NATS_URL: 'http://a:4222' })).toThrow(/NATS_URL/);
  });

  it('requires TLS for tls:// URLs, verified against the CA file when one is given', () => {
    const tls = load({ NATS_URL: 'tls://nats-0:4222,tls://nats-1:4222', NATS_TLS_CA_FILE: '/etc/ca.pem', NATS_ANONYMOUS: 'true' });
    expect(connectionOptions(natsOptionsOf('registry', tls)).tls).toEqual({ caFile: '/etc/ca.pem' });
    const system = load({ NATS_URL: 'tls://nats-0:4222', NATS_ANONYMOUS: 'true' });
    expect(connectionOptions(natsOptionsOf('registry', system)).tls).toEqual({});
    const plain = load({ NATS_URL: 'nats://nats-0:4222', NATS_ANONYMOUS: 'true' });
    expect(connectionOptions(natsOptionsOf('registry', plain)).tls).toBeUndefined();
  });

  it('refuses to connect without credentials unless NATS_ANONYMOUS says so, and without a password', () => {
    expect(() => natsOptionsOf('registry', load({}))).toThrow(ConfigError);
    expect(() => natsOptionsOf('registry', load({}))).toThrow(/NATS_USER: required/);
    expect(() => natsOptionsOf('registry', load({ NATS_USER: 'registry' }))).toThrow(/NATS_PASSWORD: required/);
    const options = connectionOptions(natsOptionsOf('registry', load({ NATS_USER: 'registry', NATS_PASSWORD: 'pw' })));
    expect(options).toMatchObject({ user: 'registry', pass: 'pw', name: 'registry', inboxPrefix: '_INBOX.registry' });
    expect(natsOptionsOf('registry', load({ NATS_ANONYMOUS: 'true' })).user).toBeUndefined();
  });

  it('gives each service an inbox of its own, after the namespace', () => {
    const config = load({ NATS_NAMESPACE: 'city-a', NATS_USER: 'city-a-registry', NATS_PASSWORD: 'pw' });
    expect(connectionOptions(natsOptionsOf('registry', config)).inboxPrefix).toBe('_INBOX.city-a-registry');
  });
});
