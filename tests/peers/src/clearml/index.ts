/**
 * ClearML API server peer: a stand-in for the ClearML REST API used by integration tests, system
 * tests, the benchmark and the demo. See README.md in this folder.
 *
 * Names are prefixed with "Clearml" because tests/peers/src/index.ts re-exports every peer.
 */
import { ClearmlPeer } from './server';
import { ClearmlPeerOptions } from './types';

export { ClearmlPeer, ENDPOINT_NAMES as CLEARML_ENDPOINTS } from './server';
export type {
  PeerControl as ClearmlPeerControl,
  AppendLogOptions as ClearmlAppendLogOptions,
  FailSpec as ClearmlFailSpec,
  PeerFailure as ClearmlPeerFailure,
  ResetSpec as ClearmlResetSpec,
} from './control';
export type { PeerStore as ClearmlPeerStore } from './store';
export {
  DEFAULT_SCRIPT as DEFAULT_CLEARML_SCRIPT,
  SCRIPT_CONFIGURATION as CLEARML_SCRIPT_CONFIGURATION,
  SCRIPT_PARAMS as CLEARML_SCRIPT_PARAMS,
  resolveScript as resolveClearmlScript,
} from './agents';
export { STATE_MACHINE as CLEARML_STATE_MACHINE } from './status';
export {
  DEMO_SEED as CLEARML_DEMO_SEED,
  DEMO_IDS as CLEARML_DEMO_IDS,
  trafficForecastSeed as clearmlTrafficForecastSeed,
} from './demo-seed';
export { TASK_STATUSES as CLEARML_TASK_STATUSES, TASK_TYPES as CLEARML_TASK_TYPES } from './types';
export type {
  ClearmlPeerOptions,
  AgentsOptions as ClearmlAgentsOptions,
  Credential as ClearmlCredential,
  LogEvent as ClearmlLogEvent,
  ScriptRule as ClearmlScriptRule,
  Seed as ClearmlSeed,
  SeedProject as ClearmlSeedProject,
  SeedQueue as ClearmlSeedQueue,
  SeedTask as ClearmlSeedTask,
  SeedUser as ClearmlSeedUser,
  TaskDoc as ClearmlTaskDoc,
  TaskScript as ClearmlTaskScript,
  TaskStatus as ClearmlTaskStatus,
} from './types';
export { PeerClient as ClearmlRawClient, type Envelope as ClearmlEnvelope } from './testing';

/** Start a peer listening on options.port (default: an ephemeral port) and options.host (default 127.0.0.1). */
export async function startClearmlPeer(options: ClearmlPeerOptions = {}): Promise<ClearmlPeer> {
  const peer = new ClearmlPeer(options);
  await peer.start();
  return peer;
}
