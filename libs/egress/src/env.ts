import { z } from 'zod';
import { parseCidrs } from './address-policy';

/**
 * EGRESS_ALLOWED_CIDRS: the private, loopback or link-local ranges outbound connections may reach
 * after all (comma-separated CIDRs; empty: global unicast addresses only). A local demo allows
 * loopback (127.0.0.0/8,::1/128); an installation whose serving machines sit on a private network
 * names that network, and nothing wider.
 */
export const envCidrList = () =>
  z
    .string()
    .default('')
    .transform((value, ctx) => {
      const list = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        parseCidrs(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
      return list;
    });

/** The variable of every service that connects to user-given or configured URLs. */
export const egressEnv = { EGRESS_ALLOWED_CIDRS: envCidrList() };
