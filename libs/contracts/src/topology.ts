import { alertRaised, taskStatusChanged } from './alerts/alerts';
import { enqueueCallRecorded, enqueueLogList, ondemandCallsRecorded, ondemandLogList, statsGet } from './calllogs';
import { BroadcastContract, MessageContract, RpcContract } from './contract';
import { circuitList, machineHealthGet } from './ondemand/health';
import { ONDEMAND_INVOKE_SUBJECT } from './ondemand/invoke';
import { OPENAI_INVOKE_SUBJECT, openaiModels } from './ondemand/openai';
import { endpointChanged, endpoints } from './registry/endpoints';
import { machineChanged, machines, machineTargets } from './registry/machines';
import { routingResolve, routingSnapshot } from './registry/routing';
import { utilsImport } from './registry/imports';
import { tasks } from './registry/tasks';
import {
  auditList,
  limitRuleDelete,
  limitRuleList,
  limitRuleSet,
  policyChanged,
  policySnapshot,
  suspensionList,
  userSuspend,
  userUnsuspend,
} from './limits';
import { runCreate, runGet, runList, runRequested, runStatusApplied, runStatusChanged, runStopRequested } from './runs/runs';
import { usageGet, usageTokensToday } from './usage';
import { ServiceName } from './services';
import { DEAD_LETTER_PREFIX } from './streams';

/** The durable consumers, by the name replicas share. */
export const DURABLES = {
  registryOndemandCalllog: 'registry-ondemand-calllog',
  registryEnqueueCalllog: 'registry-enqueue-calllog',
  registryRunStatus: 'registry-run-status',
  enqueueWorker: 'enqueue-worker',
  enqueueWorkerStops: 'enqueue-worker-stops',
  notifierAlerts: 'notifier-alerts',
} as const;

/** The JetStream KV buckets, each owned by one service. */
export const BUCKETS = {
  monitorState: 'MONITOR_STATE',
  monitorLease: 'MONITOR_LEASE',
  notifierDeliveries: 'NOTIFIER_DELIVERIES',
  gatewayRateLimits: 'GATEWAY_RATE_LIMITS',
} as const;

/** Limits, suspensions, the audit log and usage: administration the gateway asks of the registry. */
const policy: RpcContract[] = [
  limitRuleList,
  limitRuleSet,
  limitRuleDelete,
  policySnapshot,
  userSuspend,
  userUnsuspend,
  suspensionList,
  auditList,
  usageGet,
  usageTokensToday,
];

const crud = (c: typeof machines | typeof endpoints | typeof tasks): RpcContract[] => [c.create, c.get, c.list, c.update, c.delete];

/** What one service does on the bus. */
export interface ServiceTopology {
  /** RPCs it answers (request/reply, in its queue group). */
  serves: RpcContract[];
  /** RPCs it asks. */
  calls: RpcContract[];
  /**
   * Binary request frames it answers (queue group) or sends. A streamed answer's frames travel
   * on the caller's and the server's own inboxes (`_INBOX.<service>.>`): the two may publish on
   * each other's (libs/messaging permissions.ts).
   */
  servesFrames: string[];
  callsFrames: string[];
  /** Messages it stores in a stream. */
  publishes: MessageContract[];
  /** Messages it works through with a durable consumer (and may dead-letter), by durable name. */
  consumes: { contract: MessageContract; durable: string }[];
  /** Stream messages and broadcasts it hears as they pass (core subscriptions, no ack). */
  listens: (MessageContract | BroadcastContract)[];
  broadcasts: BroadcastContract[];
  /** JetStream KV buckets it owns. */
  buckets: string[];
}

const none: ServiceTopology = {
  serves: [],
  calls: [],
  servesFrames: [],
  callsFrames: [],
  publishes: [],
  consumes: [],
  listens: [],
  broadcasts: [],
  buckets: [],
};

/**
 * Who talks to whom: every subject each service uses, and how. The services' READMEs are
 * checked against it (tests/workspace), and the NATS permissions of each service derive from it.
 */
export const TOPOLOGY: Record<ServiceName, ServiceTopology> = {
  'auth-gateway': {
    ...none,
    calls: [
      ...crud(machines),
      ...crud(endpoints),
      ...crud(tasks),
      machineTargets,
      runCreate,
      runGet,
      runList,
      ondemandLogList,
      enqueueLogList,
      statsGet,
      openaiModels,
      ...policy,
    ],
    callsFrames: [ONDEMAND_INVOKE_SUBJECT, OPENAI_INVOKE_SUBJECT],
    listens: [policyChanged],
    buckets: [BUCKETS.gatewayRateLimits],
  },
  registry: {
    ...none,
    serves: [
      ...crud(machines),
      ...crud(endpoints),
      ...crud(tasks),
      machineTargets,
      machineHealthGet,
      routingSnapshot,
      routingResolve,
      utilsImport,
      runCreate,
      runGet,
      runList,
      ondemandLogList,
      enqueueLogList,
      statsGet,
      ...policy,
    ],
    publishes: [machineChanged, endpointChanged, runRequested, runStopRequested],
    consumes: [
      { contract: ondemandCallsRecorded, durable: DURABLES.registryOndemandCalllog },
      { contract: enqueueCallRecorded, durable: DURABLES.registryEnqueueCalllog },
      { contract: runStatusChanged, durable: DURABLES.registryRunStatus },
    ],
    listens: [runStatusApplied],
    broadcasts: [runStatusApplied, policyChanged],
  },
  'ondemand-router': {
    ...none,
    serves: [openaiModels, circuitList],
    calls: [routingSnapshot, routingResolve],
    servesFrames: [ONDEMAND_INVOKE_SUBJECT, OPENAI_INVOKE_SUBJECT],
    publishes: [ondemandCallsRecorded],
    listens: [machineChanged, endpointChanged],
  },
  'enqueue-worker': {
    ...none,
    publishes: [runStatusChanged, enqueueCallRecorded],
    consumes: [
      { contract: runRequested, durable: DURABLES.enqueueWorker },
      { contract: runStopRequested, durable: DURABLES.enqueueWorkerStops },
    ],
  },
  monitor: {
    ...none,
    publishes: [taskStatusChanged, runStatusChanged, alertRaised],
    buckets: [BUCKETS.monitorState, BUCKETS.monitorLease],
  },
  notifier: {
    ...none,
    // Alerts received from Alertmanager join the ALERTS work queue like the monitor's.
    publishes: [alertRaised],
    consumes: [{ contract: alertRaised, durable: DURABLES.notifierAlerts }],
    buckets: [BUCKETS.notifierDeliveries],
  },
};

/** Every subject a service uses, as the contracts spell it (no namespace); a consumer also dead-letters. */
export function subjectsOf(service: ServiceName): string[] {
  const t = TOPOLOGY[service];
  return [
    ...new Set([
      ...[...t.serves, ...t.calls, ...t.publishes, ...t.listens, ...t.broadcasts].map((c) => c.subject),
      ...t.consumes.flatMap((c) => [c.contract.subject, `${DEAD_LETTER_PREFIX}${c.contract.subject}`]),
      ...t.servesFrames,
      ...t.callsFrames,
    ]),
  ];
}
