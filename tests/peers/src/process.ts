/**
 * What every peer shares as a process: listening on a port, reading its command line and
 * environment, announcing itself once ready and closing on SIGTERM/SIGINT.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { parseArgs } from 'node:util';

/** Listen on `port` (0: any free one) and resolve with the bound port; a bind error rejects. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

/** Stop listening and drop every open connection, idle or mid-request: the peer is gone. */
export function closeServer(server: HttpServer): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/** A peer's options: each is `--name value`, `--name=value` or its environment variable, in that order. */
export interface PeerOptions {
  string(name: string): string | undefined;
  number(name: string): number | undefined;
  port(name: string): number | undefined;
  flag(name: string): boolean;
}

/**
 * Parse the command line against the options a peer declares (`{ port: 'SERVING_PEER_PORT' }`,
 * `null` for no environment variable); an unknown option or a malformed number is an error.
 */
export function peerOptions(
  strings: Record<string, string | null>,
  flags: readonly string[] = [],
  args: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): PeerOptions {
  const values: Record<string, unknown> = parseArgs({
    args,
    options: Object.fromEntries([
      ...Object.keys(strings).map((name) => [name, { type: 'string' as const }]),
      ...flags.map((name) => [name, { type: 'boolean' as const }]),
    ]),
  }).values;
  const string = (name: string): string | undefined => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const variable = strings[name];
    return (variable && env[variable]) || undefined;
  };
  const number = (name: string): number | undefined => {
    const text = string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${JSON.stringify(text)}`);
    return value;
  };
  return {
    string,
    number,
    port: (name) => {
      const value = number(name);
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 65535))
        throw new Error(`--${name} must be a port number, got ${value}`);
      return value;
    },
    flag: (name) => values[name] === true,
  };
}

/**
 * Start a peer as its own process: print one JSON line `{"peer": name, ...}` once it listens,
 * close it on SIGTERM/SIGINT, and exit 1 with the reason when it cannot start.
 */
export function runPeer<P extends { close(): Promise<void> }>(
  name: string,
  start: () => Promise<P>,
  announce: (peer: P) => Record<string, unknown>,
): void {
  Promise.resolve()
    .then(start)
    .then(
      (peer) => {
        process.stdout.write(`${JSON.stringify({ peer: name, ...announce(peer) })}\n`);
        let closing = false;
        const shutdown = (): void => {
          if (closing) return;
          closing = true;
          peer.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on('SIGTERM', shutdown);
        process.on('SIGINT', shutdown);
      },
      (err: unknown) => {
        process.stderr.write(`${name} peer failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
}
