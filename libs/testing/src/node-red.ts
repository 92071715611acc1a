// The Node-RED package's nodes in a Node-RED runtime (node-red-node-test-helper), for
// tests/nodered and tests/interop. Its own entry point, `@cleargate/testing/node-red`, so that
// only the tests that run flows load Node-RED.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes';
import { waitFor } from './wait';

export const PACKAGE_DIR = join(ROOT, 'packages', 'node-red-contrib-cleargate');

/** The parts of node-red-node-test-helper these tests use. */
interface NodeRedTestHelper {
  init(runtimePath: string, userSettings?: Record<string, unknown>): void;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: unknown[], flow: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): RuntimeNode;
  log(): Spy;
  _NodePrototype: Record<string, Spy>;
  /** The runtime `init` loaded. */
  _RED: { version(): string };
}

interface Spy {
  getCalls(): { args: unknown[] }[];
}

export interface RuntimeNode {
  receive(msg: Record<string, unknown>): void;
  on(event: string, listener: (msg: Record<string, any>) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  [key: string]: unknown;
}

export type FlowNode = { id: string; type: string; wires?: string[][] } & Record<string, unknown>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper: NodeRedTestHelper = require('node-red-node-test-helper');
/**
 * The Node-RED the flows run in: the current release (`node-red`), or the one before it where
 * `NODE_RED_PACKAGE` names it (`node-red-4`, an npm alias; the `nodered-4` Jest project).
 */
export const NODE_RED_PACKAGE = process.env.NODE_RED_PACKAGE ?? 'node-red';
helper.init(require.resolve(NODE_RED_PACKAGE));

/**
 * The node modules of the package, found through the `node-red.nodes` map of its package.json,
 * as Node-RED itself finds them.
 */
export function packageNodes(dir = PACKAGE_DIR): unknown[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return Object.values(pkg['node-red'].nodes).map((file) => require(join(dir, file)));
}

export interface Realm {
  gatewayUrl: string;
  tokenUrl: string;
  /** instead of the token URL: Keycloak's URL (with its context path) and the realm name */
  keycloakUrl?: string;
  realmName?: string;
  clientId?: string;
  grant?: 'password' | 'client_credentials';
  credentials: Record<string, string>;
  scope?: string;
  timeout?: number;
}

export interface LoadedFlow {
  /** messages each output of each node under test sent, by `<node id>-out<output index>` */
  outputs: Record<string, Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  node(id: string): RuntimeNode;
  /** the next `count` messages on `<node id>-out<output>` (waiting for them) */
  next(port: string, count?: number, timeoutMs?: number): Promise<Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Loads a flow: one cleargate-config node `cfg` for `realm`, the given nodes (their outputs wired
 * to helper nodes that record every message) and starts it.
 */
export async function loadFlow(realm: Realm, nodes: FlowNode[]): Promise<LoadedFlow> {
  const outputs: LoadedFlow['outputs'] = {};
  const flow: FlowNode[] = [
    {
      id: 'cfg',
      type: 'cleargate-config',
      name: 'test realm',
      gatewayUrl: realm.gatewayUrl,
      tokenUrl: realm.tokenUrl,
      keycloakUrl: realm.keycloakUrl ?? '',
      realm: realm.realmName ?? '',
      clientId: realm.clientId ?? 'nodered-iotedge',
      grant: realm.grant ?? 'password',
      scope: realm.scope ?? 'openid',
      timeout: realm.timeout ?? 30,
    },
  ];
  for (const node of nodes) {
    const count = node.type === 'cleargate-enqueue' && node.wait ? 2 : 1;
    const wires = Array.from({ length: count }, (_, i) => [`${node.id}-out${i}`]);
    flow.push({ authentication: 'cfg', ...node, wires });
    for (let i = 0; i < count; i++) {
      flow.push({ id: `${node.id}-out${i}`, type: 'helper' });
      outputs[`${node.id}-out${i}`] = [];
    }
  }
  await helper.load(packageNodes(), flow, { cfg: realm.credentials });
  for (const port of Object.keys(outputs)) helper.getNode(port).on('input', (msg) => outputs[port]!.push(msg));
  const seen: Record<string, number> = {};
  return {
    outputs,
    node: (id) => helper.getNode(id),
    async next(port, count = 1, timeoutMs = 20_000) {
      const from = seen[port] ?? 0;
      await waitFor(() => outputs[port]!.length >= from + count, { timeoutMs, message: `${count} message(s) on ${port}` });
      seen[port] = from + count;
      return outputs[port]!.slice(from, from + count);
    },
  };
}

/**
 * Everything the nodes wrote where a person or another node can read it: every runtime log entry,
 * every node status, log, warning, error and sent message, as text.
 */
export function everythingTheNodesSaid(): string {
  const texts: string[] = [];
  const text = (v: unknown) =>
    JSON.stringify(v, (_k, value) =>
      value && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data) ? '<buffer>' : value,
    ) ?? String(v);
  for (const call of helper.log().getCalls()) texts.push(text(call.args));
  for (const method of ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send']) {
    for (const call of helper._NodePrototype[method]!.getCalls()) texts.push(`${method}: ${text(call.args)}`);
  }
  return texts.join('\n');
}

/** A JWT (access, refresh and id tokens of Keycloak and of the OIDC peer are all JWTs). */
export const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
