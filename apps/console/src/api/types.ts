import type { paths } from './schema';

/** The JSON body of an operation's answer with `status`, from the generated OpenAPI types. */
type Answer<P extends keyof paths, M extends 'get' | 'post' | 'patch' | 'put' | 'delete', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
/** The JSON body an operation takes. */
type Body<P extends keyof paths, M extends 'post' | 'patch' | 'put'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;
/** The query parameters an operation takes. */
export type Query<P extends keyof paths> = paths[P]['get'] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Machine = Answer<'/v1/machines/{id}', 'get', 200>;
export type MachineInput = Body<'/v1/machines', 'post'>;
export type MachineHealth = Answer<'/v1/machines/health', 'get', 200>['items'][number];
export type Endpoint = Answer<'/v1/endpoints/{id}', 'get', 200>;
export type EndpointInput = Body<'/v1/endpoints', 'post'>;
export type Task = Answer<'/v1/tasks/{id}', 'get', 200>;
export type TaskInput = Body<'/v1/tasks', 'post'>;
export type Run = Answer<'/v1/runs/{runId}', 'get', 200>;
export type RunStatus = Run['status'];
/** A run as react-admin holds it (its run_id as id). */
export type RunRecord = Run & { id: string };
export type OndemandCall = Answer<'/v1/logs/ondemand', 'get', 200>['items'][number];
export type EnqueueCall = Answer<'/v1/logs/enqueue', 'get', 200>['items'][number];
export type Stats = Answer<'/v1/stats', 'get', 200>;
export type StatsRange = NonNullable<Query<'/v1/stats'>['range']>;
export type Me = Answer<'/v1/me', 'get', 200>;
/** An LLM endpoint the caller may use, under the name `model` takes. */
export type OpenaiModel = Answer<'/openai/v1/models', 'get', 200>['data'][number];
export type ChatCompletionRequest = Body<'/openai/v1/chat/completions', 'post'>;
export type Usage = Answer<'/v1/usage', 'get', 200>;
export type UsageQuery = Query<'/v1/usage'>;
export type UsageBucket = NonNullable<UsageQuery['bucket']>;
export type UsageGroup = NonNullable<UsageQuery['group_by']>;
export type OndemandUsageRow = NonNullable<Usage['ondemand']>[number];
export type RunUsageRow = NonNullable<Usage['runs']>[number];
export type LimitRule = Answer<'/v1/limits', 'get', 200>['items'][number];
export type LimitRuleInput = Body<'/v1/limits', 'put'>;
export type LimitScope = LimitRule['scope'];
export type LimitValues = LimitRule['limits'];
export type Suspension = Answer<'/v1/admin/suspensions', 'get', 200>['items'][number];
export type AuditRecord = Answer<'/v1/admin/audit', 'get', 200>['items'][number];
export type AuditAction = AuditRecord['action'];
export type ListSort = NonNullable<Query<'/v1/machines'>['sort']>;
export type Visibility = Endpoint['visibility'];
export type OndemandOutcome = OndemandCall['outcome'];
export type EnqueueOutcome = EnqueueCall['outcome'];

export const RUN_STATUSES: readonly RunStatus[] = ['accepted', 'retrying', 'queued', 'in_progress', 'completed', 'failed', 'stopped'];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'stopped'];
export const ONDEMAND_OUTCOMES: readonly OndemandOutcome[] = [
  'ok',
  'client_error',
  'upstream_error',
  'timeout',
  'unavailable',
  'circuit_open',
  'not_found',
  'forbidden',
  'cancelled',
];
export const ENQUEUE_OUTCOMES: readonly EnqueueOutcome[] = ['queued', 'failed', 'rejected'];
export const STATS_RANGES: readonly StatsRange[] = ['1h', '24h', '7d', '30d'];
export const USAGE_GROUPS: readonly UsageGroup[] = ['none', 'user', 'endpoint', 'task', 'queue'];
export const LIMIT_SCOPES: readonly LimitScope[] = ['role', 'user', 'endpoint', 'task'];
export const LIMIT_FIELDS: readonly (keyof LimitValues)[] = [
  'calls_per_second',
  'burst',
  'max_in_flight',
  'runs_per_day',
  'max_concurrent_runs',
];
export const AUDIT_ACTIONS: readonly AuditAction[] = ['user.suspend', 'user.unsuspend', 'limits.set', 'limits.delete'];
