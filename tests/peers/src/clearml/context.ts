import type { IncomingHttpHeaders } from 'node:http';
import type { TokenSigner } from './jwt';
import type { Identity, PeerStore } from './store';
import type { Doc } from './types';
import type { Req } from './validate';

/** Settings shared by all endpoints. */
export interface PeerEnv {
  signer: TokenSigner;
  apiVersion: string;
  serverVersion: string;
  serverBuild: string;
  serverCommit: string;
  serverUid: string;
  defaultTokenTtlSec: number;
  webHost: string;
}

export interface CallContext {
  store: PeerStore;
  env: PeerEnv;
  /** Authenticated identity (undefined only for endpoints that need no authorization). */
  identity: Identity;
  data: Doc;
  req: Req;
  /** Requested API version as [major, minor]. */
  version: [number, number];
  headers: IncomingHttpHeaders;
  /** Cookies to set on the response. */
  cookies: Record<string, string>;
}

export type Handler = (ctx: CallContext) => Doc;

export interface EndpointDef {
  name: string;
  /** min_version of the implementation; the highest one not above the requested version is used. */
  minVersion: string;
  handler: Handler;
  /** false for endpoints that need no token (debug.ping). */
  authorize?: boolean;
  /** Counted as a write call. */
  write?: boolean;
}

export const versionTuple = (v: string): [number, number] => {
  const [maj, min] = v.split('.');
  return [Number(maj) || 0, Number(min ?? 0) || 0];
};

export const versionCmp = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];
