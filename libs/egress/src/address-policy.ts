import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** Node's `dns.lookup` with `all: true`, the resolver an AddressPolicy asks (replaceable, e.g. in tests). */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** The `lookup` option of `net.connect` (and so of undici's `connect` options). */
export type ConnectLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** The address classes the policy refuses, by ipaddr.js's range name, as a person would call them. */
const CLASS_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  linkLocal: 'a link-local address (cloud metadata services live there)',
  private: 'a private address',
  carrierGradeNat: 'a carrier-grade NAT address',
  uniqueLocal: 'a unique local (private) IPv6 address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

/** Why an address was refused: what a caller or an operator reads. */
export function describeRange(range: string): string {
  return CLASS_NAMES[range] ?? `a special-purpose address (${range})`;
}

/** A connection refused by the policy; `code` lets transport error mapping recognise it. */
export class AddressRefused extends Error {
  readonly code = 'EADDRNOTALLOWED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      host === address
        ? `${address} is ${describeRange(range)}, which outbound connections may not reach`
        : `${host} resolves to ${address}, ${describeRange(range)}, which outbound connections may not reach`,
    );
    this.name = 'AddressRefused';
  }
}

/** Parses a list of CIDRs (`10.0.0.0/8`, `::1/128`; a bare address means that one address); throws naming the bad entry. */
export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((entry) => {
    const text = entry.trim();
    try {
      if (text.includes('/')) return ipaddr.parseCIDR(text);
      const address = ipaddr.parse(text);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    } catch {
      throw new Error(`"${text}" is not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`);
    }
  });
}

/**
 * Which addresses ClearGate may connect to on behalf of what users registered (serving machines,
 * metrics URLs) or configured (chat webhooks). Only global unicast addresses pass, unless an
 * address falls in one of the allowed CIDRs: loopback, link-local (169.254.169.254, fe80::/10),
 * private (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT (100.64/10), unspecified
 * (0.0.0.0, ::), multicast, broadcast and every other special-purpose range are refused. An
 * IPv4-mapped IPv6 address (::ffff:127.0.0.1) counts as the IPv4 address it carries.
 *
 * Checked twice: when a URL is registered (`check`, every address its name resolves to), and on
 * every new connection (`lookup`, handed to `net.connect`), against the addresses the connection
 * is about to use, so a name that resolves elsewhere later (DNS rebinding) is refused too.
 * Literal addresses never reach a lookup: `refusal` checks them when the connection pool is made.
 */
export class AddressPolicy {
  private readonly allowed: Cidr[];
  private readonly resolver: Resolver;

  constructor(allowedCidrs: readonly string[] = [], options: { resolver?: Resolver } = {}) {
    this.allowed = parseCidrs(allowedCidrs);
    this.resolver = options.resolver ?? (dnsLookup as unknown as Resolver);
  }

  /** The range name that refuses `address` (an IP literal), or null when it may be reached. */
  verdict(address: string): string | null {
    let parsed: Address;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return 'invalid';
    }
    const range = parsed.range();
    if (range === 'unicast') return null;
    for (const [network, bits] of this.allowed) {
      if (network.kind() === parsed.kind() && parsed.match(network, bits)) return null;
    }
    return range;
  }

  /**
   * The refusal for a host as a URL carries it, without resolving names: an IP literal
   * (brackets allowed) is judged, `localhost` and `*.localhost` count as loopback (RFC 6761),
   * any other name is left to the lookup (null).
   */
  refusal(host: string): AddressRefused | null {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(bare)) {
      const range = this.verdict(bare);
      return range === null ? null : new AddressRefused(bare, bare, range);
    }
    const name = bare.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) {
      const range = this.verdict('127.0.0.1');
      return range === null ? null : new AddressRefused(name, '127.0.0.1', range);
    }
    return null;
  }

  /**
   * Checks a URL as it is registered: its host, and every address its name resolves to now. A
   * name that does not resolve (yet) passes: the connection is checked again anyway.
   */
  async check(url: string): Promise<AddressRefused | null> {
    const host = new URL(url).hostname;
    const literal = this.refusal(host);
    if (literal || isIP(host.replace(/^\[|\]$/g, ''))) return literal;
    let addresses: LookupAddress[];
    try {
      addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
        this.resolver(host, { all: true }, (err, found) => (err ? reject(err) : resolve(found))),
      );
    } catch {
      return null;
    }
    return this.firstRefused(host, addresses);
  }

  /**
   * `net.connect`'s `lookup`: resolves the name and fails the connection with AddressRefused when
   * any address it resolves to is refused. Runs once per new connection, never per request.
   */
  readonly lookup: ConnectLookup = (hostname, options, callback) => {
    this.resolver(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = this.firstRefused(hostname, addresses);
      if (refused) return callback(refused, []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };

  private firstRefused(host: string, addresses: LookupAddress[]): AddressRefused | null {
    for (const { address } of addresses) {
      const range = this.verdict(address);
      if (range !== null) return new AddressRefused(host, address, range);
    }
    return null;
  }
}
