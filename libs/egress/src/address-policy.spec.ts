import type { LookupAddress } from 'node:dns';
import { AddressPolicy, AddressRefused, describeRange, parseCidrs, type Resolver } from './address-policy';
import { envCidrList } from './env';

/** A resolver answering from a table; a name it does not know is ENOTFOUND, as getaddrinfo says. */
function resolverOf(table: Record<string, string[]>, calls: string[] = []): Resolver {
  return (hostname, _options, callback) => {
    calls.push(hostname);
    const found = table[hostname];
    if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

const lookupOnce = (policy: AddressPolicy, host: string, all: boolean) =>
  new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
    policy.lookup(host, { all }, (err, address, family) => resolve({ err, address, family })),
  );

describe('AddressPolicy.verdict', () => {
  const strict = new AddressPolicy();

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['not an address', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    expect(strict.verdict(address)).toBe(range);
  });

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('lets %s through', (a) => {
    expect(strict.verdict(a)).toBeNull();
  });

  it('lets through exactly what the allow-list names, and nothing next to it', () => {
    const policy = new AddressPolicy(['127.0.0.0/8', '::1/128', '10.20.0.0/16', 'fd00::5']);
    expect(policy.verdict('127.0.0.1')).toBeNull();
    expect(policy.verdict('::1')).toBeNull();
    expect(policy.verdict('::ffff:127.0.0.1')).toBeNull();
    expect(policy.verdict('10.20.3.4')).toBeNull();
    expect(policy.verdict('10.21.0.1')).toBe('private');
    expect(policy.verdict('fd00::5')).toBeNull();
    expect(policy.verdict('fd00::6')).toBe('uniqueLocal');
    expect(policy.verdict('169.254.169.254')).toBe('linkLocal');
    // an IPv4 range never matches an IPv6 address and the other way round
    expect(new AddressPolicy(['::/0']).verdict('10.0.0.1')).toBe('private');
    expect(new AddressPolicy(['0.0.0.0/0']).verdict('fc00::1')).toBe('uniqueLocal');
  });
});

describe('AddressPolicy.refusal (hosts as URLs carry them, no lookup)', () => {
  const strict = new AddressPolicy();

  it('judges literals, with or without brackets, and localhost names as loopback', () => {
    expect(strict.refusal('127.0.0.1')).toMatchObject({ address: '127.0.0.1', range: 'loopback' });
    expect(strict.refusal('[::1]')).toMatchObject({ address: '::1', range: 'loopback' });
    expect(strict.refusal('[fe80::1]')).toMatchObject({ range: 'linkLocal' });
    expect(strict.refusal('localhost')).toMatchObject({ host: 'localhost', address: '127.0.0.1', range: 'loopback' });
    expect(strict.refusal('LocalHost.')).toMatchObject({ range: 'loopback' });
    expect(strict.refusal('api.localhost')).toMatchObject({ range: 'loopback' });
    expect(strict.refusal('8.8.8.8')).toBeNull();
    expect(strict.refusal('serving.example.org')).toBeNull();
    expect(strict.refusal('notlocalhost')).toBeNull();
    expect(new AddressPolicy(['127.0.0.0/8']).refusal('localhost')).toBeNull();
  });

  it('says what the address is in words', () => {
    expect(strict.refusal('169.254.169.254')!.message).toBe(
      '169.254.169.254 is a link-local address (cloud metadata services live there), which outbound connections may not reach',
    );
    expect(new AddressRefused('gpu.example.org', '10.0.0.1', 'private').message).toBe(
      'gpu.example.org resolves to 10.0.0.1, a private address, which outbound connections may not reach',
    );
    expect(describeRange('loopback')).toBe('a loopback address');
    expect(describeRange('carrierGradeNat')).toBe('a carrier-grade NAT address');
    expect(describeRange('uniqueLocal')).toBe('a unique local (private) IPv6 address');
    expect(describeRange('unspecified')).toBe('the unspecified address');
    expect(describeRange('multicast')).toBe('a multicast address');
    expect(describeRange('broadcast')).toBe('the broadcast address');
    expect(describeRange('private')).toBe('a private address');
    expect(describeRange('teredo')).toBe('a special-purpose address (teredo)');
    expect(new AddressRefused('h', 'a', 'private').code).toBe('EADDRNOTALLOWED');
    expect(new AddressRefused('h', 'a', 'private').name).toBe('AddressRefused');
  });
});

describe('AddressPolicy.check (at registration)', () => {
  it('refuses a URL whose name resolves to any refused address, and passes names that resolve to public ones', async () => {
    const policy = new AddressPolicy([], {
      resolver: resolverOf({ 'mixed.test': ['8.8.8.8', '10.0.0.7'], 'public.test': ['8.8.4.4', '2001:4860:4860::8844'] }),
    });
    expect(await policy.check('http://mixed.test:8080/serve')).toMatchObject({ host: 'mixed.test', address: '10.0.0.7', range: 'private' });
    expect(await policy.check('https://public.test/')).toBeNull();
    expect(await policy.check('http://[::1]:80')).toMatchObject({ range: 'loopback' });
    expect(await policy.check('http://8.8.8.8')).toBeNull();
    // WHATWG URL parsing turns the decimal form into the dotted one before the policy sees it
    expect(await policy.check('http://2130706433/')).toMatchObject({ address: '127.0.0.1', range: 'loopback' });
  });

  it('passes a name that does not resolve yet (the connection is checked again) and never asks DNS for a literal', async () => {
    const calls: string[] = [];
    const policy = new AddressPolicy([], { resolver: resolverOf({}, calls) });
    expect(await policy.check('http://not-yet.test')).toBeNull();
    expect(await policy.check('http://127.0.0.1')).not.toBeNull();
    expect(await policy.check('http://8.8.8.8')).toBeNull();
    expect(calls).toEqual(['not-yet.test']);
  });
});

describe('AddressPolicy.lookup (at connection time)', () => {
  it('refuses the connection when the name resolves to a refused address now, whatever it resolved to before (DNS rebinding)', async () => {
    const table: Record<string, string[]> = { 'rebind.test': ['8.8.8.8'] };
    const policy = new AddressPolicy([], { resolver: resolverOf(table) });
    expect(await policy.check('http://rebind.test')).toBeNull();
    table['rebind.test'] = ['169.254.169.254'];
    const { err } = await lookupOnce(policy, 'rebind.test', false);
    expect(err).toBeInstanceOf(AddressRefused);
    expect(err).toMatchObject({ code: 'EADDRNOTALLOWED', host: 'rebind.test', address: '169.254.169.254', range: 'linkLocal' });
  });

  it('answers in the shape net.connect asked for: one address, or all of them', async () => {
    const policy = new AddressPolicy([], { resolver: resolverOf({ 'two.test': ['8.8.8.8', '2001:4860:4860::8888'] }) });
    expect(await lookupOnce(policy, 'two.test', false)).toEqual({ err: null, address: '8.8.8.8', family: 4 });
    expect(await lookupOnce(policy, 'two.test', true)).toEqual({
      err: null,
      address: [
        { address: '8.8.8.8', family: 4 },
        { address: '2001:4860:4860::8888', family: 6 },
      ],
      family: undefined,
    });
  });

  it('passes resolver errors on, and refuses an empty answer as not found', async () => {
    const policy = new AddressPolicy([], { resolver: resolverOf({ 'empty.test': [] }) });
    expect((await lookupOnce(policy, 'missing.test', false)).err).toMatchObject({ code: 'ENOTFOUND' });
    expect((await lookupOnce(policy, 'empty.test', false)).err).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('lets allowed private addresses through', async () => {
    const policy = new AddressPolicy(['10.0.0.0/8'], { resolver: resolverOf({ 'gpu.lan': ['10.0.0.9'] }) });
    expect(await lookupOnce(policy, 'gpu.lan', false)).toEqual({ err: null, address: '10.0.0.9', family: 4 });
  });
});

describe('EGRESS_ALLOWED_CIDRS', () => {
  it('takes a comma-separated list of CIDRs or addresses and refuses anything else, naming it', () => {
    expect(envCidrList().parse(' 127.0.0.0/8, ::1/128 ,,10.0.0.1')).toEqual(['127.0.0.0/8', '::1/128', '10.0.0.1']);
    expect(envCidrList().parse(undefined)).toEqual([]);
    const bad = envCidrList().safeParse('10.0.0.0/8,10.0.0.0/33');
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toBe('"10.0.0.0/33" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)');
    expect(() => parseCidrs(['example.org'])).toThrow('"example.org" is not a CIDR');
    expect(parseCidrs(['fd00::5'])[0]![1]).toBe(128);
    expect(parseCidrs(['10.0.0.5'])[0]![1]).toBe(32);
  });
});
