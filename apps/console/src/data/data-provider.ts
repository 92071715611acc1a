import { HttpError, type DataProvider, type GetListParams, type Identifier } from 'react-admin';
import type { ApiClient } from '../api/client';
import { apiError } from '../api/errors';
import type {
  ChatCompletionRequest,
  LimitRule,
  LimitRuleInput,
  ListSort,
  Me,
  MachineHealth,
  OpenaiModel,
  Run,
  Stats,
  StatsRange,
  Suspension,
  Usage,
  UsageQuery,
} from '../api/types';
import { LIMIT_FIELDS } from '../api/types';
import { ChatFailure, openaiError, type SendChat } from '../llm/chat-stream';
import { collect, CursorPage, CursorPages, MAX_PAGE } from './cursor-pages';

export type ResourceName =
  'machines' | 'endpoints' | 'tasks' | 'runs' | 'ondemand-log' | 'enqueue-log' | 'limits' | 'suspensions' | 'audit';

/** Administrators' lists the API answers whole (no pages): paged, ordered and filtered here. */
type WholeList = 'limits' | 'suspensions';
const WHOLE = new Set<ResourceName>(['limits', 'suspensions']);

/** Fields each registry resource accepts in a PATCH; the rest of a record is the server's. */
const WRITABLE: Record<'machines' | 'endpoints' | 'tasks', readonly string[]> = {
  machines: ['name', 'base_url', 'protocol', 'serving_task_id', 'metrics_url', 'labels', 'max_in_flight', 'enabled'],
  endpoints: ['name', 'path', 'timeout_ms', 'visibility', 'shared_with', 'count_predictions', 'max_in_flight', 'enabled'],
  tasks: [
    'clearml_task_id',
    'default_queue',
    'allowed_queues',
    'name',
    'params_schema',
    'params_section',
    'visibility',
    'shared_with',
    'enabled',
  ],
};

/** List filters each resource passes to the API (anything else in the UI's filter is not sent). */
const FILTERS: Record<ResourceName, readonly string[]> = {
  machines: ['name', 'enabled'],
  endpoints: ['machine_id', 'name'],
  tasks: ['name'],
  runs: ['status', 'task_id', 'caller'],
  'ondemand-log': ['machine_id', 'endpoint', 'outcome', 'caller', 'since', 'until'],
  'enqueue-log': ['task_id', 'run_id', 'outcome', 'caller', 'since', 'until'],
  limits: ['scope'],
  suspensions: [],
  audit: ['action', 'target', 'actor', 'since', 'until'],
};

/** The logs' rolling periods. */
const RANGE_MS: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** Resources whose API lists take an order (name or creation, both ways); the logs and runs are newest first. */
const SORTABLE = new Set<ResourceName>(['machines', 'endpoints', 'tasks']);

export interface InvokeAnswer {
  status: number;
  contentType: string | null;
  body: Blob;
  /** Milliseconds from sending the request to having the whole answer. */
  ms: number;
  requestId: string | null;
}

/** What the console asks of the API besides react-admin's CRUD. */
export interface ConsoleDataProvider extends DataProvider {
  me(): Promise<Me>;
  stats(range: StatsRange): Promise<Stats>;
  machineHealth(ids: string[]): Promise<MachineHealth[]>;
  /** A run, after its next status change when `waitSec` is given (long-poll). */
  waitRun(runId: string, waitSec: number, signal?: AbortSignal): Promise<Run>;
  /** Calls an on-demand endpoint with any body, as a client would. */
  invoke(machineId: string, endpoint: string, body: Blob | string, contentType: string, signal?: AbortSignal): Promise<InvokeAnswer>;
  /** Usage per day or month (`GET /v1/usage`): the caller's own, or (administrators) everyone's, grouped. */
  usage(query: UsageQuery, signal?: AbortSignal): Promise<Usage>;
  /** The same query as CSV, as the API writes it, with the file name it gives. */
  usageCsv(query: UsageQuery): Promise<{ text: string; filename: string }>;
  /** The LLM endpoints the caller may chat with (`GET /openai/v1/models`). */
  openaiModels(signal?: AbortSignal): Promise<OpenaiModel[]>;
  /** A streamed chat completion (`POST /openai/v1/chat/completions`): the event stream once the call is accepted. */
  openaiChat: SendChat;
}

type Json = Record<string, unknown>;

/** A value the UI's filter form holds → what the API takes (empty means absent; dates as ISO text with offset). */
function filterValue(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if ((key === 'since' || key === 'until') && (value instanceof Date || typeof value === 'string')) {
    const date = value instanceof Date ? value : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  return String(value);
}

export function listQuery(resource: ResourceName, params: Pick<GetListParams, 'filter' | 'sort'>): Record<string, string> {
  const query: Record<string, string> = {};
  const filter = (params.filter ?? {}) as Json;
  for (const key of FILTERS[resource]) {
    // The list's search box is `q`; it searches names.
    const value = filterValue(key, key === 'name' && filter['q'] !== undefined && filter['q'] !== '' ? filter['q'] : filter[key]);
    if (value !== undefined) query[key] = value;
  }
  // The logs' period: a rolling window (`range`) unless a start is given.
  const range = RANGE_MS[String(filter['range'])];
  if (range !== undefined && query['since'] === undefined) query['since'] = new Date(Date.now() - range).toISOString();
  if (SORTABLE.has(resource) && params.sort && (params.sort.field === 'name' || params.sort.field === 'created_at')) {
    query['sort'] = `${params.sort.order === 'DESC' ? '-' : ''}${params.sort.field}` satisfies ListSort;
  }
  return query;
}

/** Runs are named by `run_id`; react-admin wants `id`. */
const withId = <T extends { run_id: string }>(run: T) => ({ ...run, id: run.run_id });

/** The PATCH of a registry record: the writable fields whose value changed. */
export function changedFields(resource: 'machines' | 'endpoints' | 'tasks', data: Json, previous: Json | undefined): Json {
  const patch: Json = {};
  for (const field of WRITABLE[resource]) {
    if (!(field in data)) continue;
    if (previous && JSON.stringify(data[field] ?? null) === JSON.stringify(previous[field] ?? null)) continue;
    patch[field] = data[field];
  }
  return patch;
}

/** A limit rule as the console's forms hold it: its limits, and which of them are lifted (null) explicitly. */
export type LimitRuleRecord = LimitRule & { unlimited: Partial<Record<keyof LimitRule['limits'], boolean>> };

export function limitRuleRecord(rule: LimitRule): LimitRuleRecord {
  const unlimited: LimitRuleRecord['unlimited'] = {};
  for (const field of LIMIT_FIELDS) if (rule.limits[field] === null) unlimited[field] = true;
  return { ...rule, unlimited };
}

/**
 * The body of `PUT /v1/limits` from a limit form: each field a number, null when marked
 * unlimited, absent (inherited) when empty. A rule's scope, subject and user name it: an edit
 * keeps those of the rule it edits.
 */
export function limitRuleInput(data: Json, previous?: Json): LimitRuleInput {
  const from = previous ?? data;
  const values = (data['limits'] ?? {}) as Json;
  const unlimited = (data['unlimited'] ?? {}) as Json;
  const limits: Json = {};
  for (const field of LIMIT_FIELDS) {
    if (unlimited[field] === true) limits[field] = null;
    else if (typeof values[field] === 'number' && Number.isFinite(values[field])) limits[field] = values[field];
  }
  const user = typeof from['user'] === 'string' && from['user'].trim() ? from['user'].trim() : undefined;
  const reason = typeof data['reason'] === 'string' && data['reason'].trim() ? data['reason'].trim() : undefined;
  return {
    scope: from['scope'] as LimitRuleInput['scope'],
    subject: String(from['subject'] ?? '').trim(),
    ...(user ? { user } : {}),
    limits: limits as LimitRuleInput['limits'],
    ...(reason ? { reason } : {}),
  };
}

/** A suspension is named by its user. */
const suspensionRecord = (s: Suspension) => ({ ...s, id: s.username });

/** One page of a list the API answers whole, in the order asked (by a text or number field). */
export function pageOfWhole<T extends Json>(items: T[], params: Pick<GetListParams, 'pagination' | 'sort'>): { data: T[]; total: number } {
  const field = params.sort?.field;
  const sorted =
    field && items.some((i) => field in i)
      ? [...items].sort((a, b) => {
          const x = a[field] ?? '';
          const y = b[field] ?? '';
          const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
          return params.sort?.order === 'DESC' ? -order : order;
        })
      : items;
  const perPage = params.pagination?.perPage ?? 25;
  const page = params.pagination?.page ?? 1;
  return { data: sorted.slice(perPage * (page - 1), perPage * page), total: items.length };
}

/** The file name in a Content-Disposition header (`attachment; filename="…"`). */
export function dispositionFilename(header: string | null, fallback: string): string {
  const name = /filename="?([^";]+)"?/i.exec(header ?? '')?.[1];
  return name && /^[\w.-]+$/.test(name) ? name : fallback;
}

/** The body of a new registry record: its writable fields (and for an endpoint, its machine), without empty optional ones. */
function inputOf(resource: 'machines' | 'endpoints' | 'tasks', data: Json): Json {
  const fields = resource === 'endpoints' ? ['machine_id', ...WRITABLE.endpoints] : WRITABLE[resource];
  const body: Json = {};
  for (const field of fields) {
    const value = data[field];
    if (value === undefined || value === '' || value === null) continue;
    body[field] = value;
  }
  return body;
}

async function unwrap<T>(result: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer;
  try {
    answer = await result;
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw apiError(0, undefined);
  }
  if (answer.error !== undefined || !answer.response.ok) throw apiError(answer.response.status, answer.error);
  return answer.data as T;
}

/**
 * react-admin's data provider over the gateway's typed client: cursor pages mapped to page
 * numbers, list filters and orders to query parameters, edits to PATCHes of the changed fields,
 * and every error answer to the envelope's message (with the failing fields for forms).
 */
export function createDataProvider(
  api: ApiClient,
  fetchWithToken: (request: Request) => Promise<Response>,
  baseUrl: string,
): ConsoleDataProvider {
  const pages = new CursorPages();

  function fetchPage(resource: ResourceName, query: Record<string, string>, signal?: AbortSignal) {
    return async (cursor: string | undefined, limit: number): Promise<CursorPage<Json>> => {
      const q = { ...query, limit, ...(cursor ? { cursor } : {}) };
      switch (resource) {
        case 'machines':
          return unwrap(api.GET('/v1/machines', { params: { query: q as never }, signal }));
        case 'endpoints':
          return unwrap(api.GET('/v1/endpoints', { params: { query: q as never }, signal }));
        case 'tasks':
          return unwrap(api.GET('/v1/tasks', { params: { query: q as never }, signal }));
        case 'runs': {
          const page = await unwrap(api.GET('/v1/runs', { params: { query: q as never }, signal }));
          return { items: page.items.map(withId), next_cursor: page.next_cursor };
        }
        case 'ondemand-log':
          return unwrap(api.GET('/v1/logs/ondemand', { params: { query: q as never }, signal }));
        case 'enqueue-log':
          return unwrap(api.GET('/v1/logs/enqueue', { params: { query: q as never }, signal }));
        case 'audit':
          return unwrap(api.GET('/v1/admin/audit', { params: { query: q as never }, signal }));
        default:
          throw new Error(`${resource} is not paged`);
      }
    };
  }

  async function whole(resource: WholeList, query: Record<string, string>, signal?: AbortSignal): Promise<Json[]> {
    if (resource === 'limits') {
      const { items } = await unwrap(api.GET('/v1/limits', { params: { query: query as never }, signal }));
      return items.map(limitRuleRecord);
    }
    const { items } = await unwrap(api.GET('/v1/admin/suspensions', { signal }));
    return items.map(suspensionRecord);
  }

  async function getOne(resource: ResourceName, id: Identifier, signal?: AbortSignal): Promise<Json> {
    const path = { id: String(id) };
    switch (resource) {
      case 'machines':
        return unwrap(api.GET('/v1/machines/{id}', { params: { path }, signal }));
      case 'endpoints':
        return unwrap(api.GET('/v1/endpoints/{id}', { params: { path }, signal }));
      case 'tasks':
        return unwrap(api.GET('/v1/tasks/{id}', { params: { path }, signal }));
      case 'runs':
        return withId(await unwrap(api.GET('/v1/runs/{runId}', { params: { path: { runId: String(id) }, query: {} }, signal })));
      case 'limits':
      case 'suspensions': {
        const found = (await whole(resource, {}, signal)).find((r) => r['id'] === String(id));
        if (!found) throw new HttpError(`no such ${resource === 'limits' ? 'limit rule' : 'suspension'}: ${id}`, 404);
        return found;
      }
      default:
        // The logs have no record route: their rows carry everything and are shown in place.
        throw new Error(`${resource} records are read from their list`);
    }
  }

  const known = (name: string): ResourceName => {
    if (!(name in FILTERS)) throw new Error(`no such resource: ${name}`);
    return name as ResourceName;
  };
  const registry = (resource: ResourceName): resource is 'machines' | 'endpoints' | 'tasks' =>
    resource === 'machines' || resource === 'endpoints' || resource === 'tasks';

  const provider: ConsoleDataProvider = {
    supportAbortSignal: true,

    async getList(name, params) {
      const resource = known(name);
      const query = listQuery(resource, params);
      if (WHOLE.has(resource)) {
        const { data, total } = pageOfWhole(await whole(resource as WholeList, query, params.signal), params);
        return { data: data as never, total };
      }
      const perPage = params.pagination?.perPage ?? 25;
      const page = params.pagination?.page ?? 1;
      if (perPage > MAX_PAGE) {
        // More than the API's page, as for an export: from the start, following cursors.
        const { items, complete } = await collect(fetchPage(resource, query, params.signal), perPage * page);
        return { data: items.slice(perPage * (page - 1)) as never, pageInfo: { hasNextPage: !complete, hasPreviousPage: page > 1 } };
      }
      // Pages are remembered per list as the user set it up (a rolling period gives a new `since` each time).
      const list = JSON.stringify([resource, params.filter ?? {}, SORTABLE.has(resource) ? params.sort : null, perPage]);
      const { items, hasNextPage } = await pages.page(list, page, perPage, fetchPage(resource, query, params.signal));
      // The API has no totals; on the last page the total is known, elsewhere "more than".
      return {
        data: items as never,
        pageInfo: { hasNextPage, hasPreviousPage: page > 1 },
        ...(hasNextPage ? {} : { total: (page - 1) * perPage + items.length }),
      };
    },

    async getOne(name, params) {
      return { data: (await getOne(known(name), params.id, params.signal)) as never };
    },

    async getMany(name, params) {
      const resource = known(name);
      const records = await Promise.all(params.ids.map((id) => getOne(resource, id, params.signal).catch(() => null)));
      return { data: records.filter((r): r is Json => r !== null) as never };
    },

    async getManyReference(resource, params) {
      const { data, pageInfo } = await provider.getList(resource, {
        ...params,
        filter: { ...params.filter, [params.target]: params.id },
      });
      return { data, pageInfo };
    },

    async create(resource, params) {
      const data = params.data as Json;
      let created: Json;
      switch (resource) {
        case 'machines':
          created = await unwrap(api.POST('/v1/machines', { body: inputOf(resource, data) as never }));
          break;
        case 'endpoints':
          created = await unwrap(api.POST('/v1/endpoints', { body: inputOf(resource, data) as never }));
          break;
        case 'tasks':
          created = await unwrap(api.POST('/v1/tasks', { body: inputOf(resource, data) as never }));
          break;
        case 'runs': {
          const body = {
            task_id: data['task_id'] as string,
            params: (data['params'] ?? {}) as Json,
            ...(data['queue'] ? { queue: data['queue'] as string } : {}),
          };
          const run = await unwrap(api.POST('/v1/runs', { body }));
          created = { ...body, ...run, id: run.run_id };
          break;
        }
        case 'limits':
          created = limitRuleRecord(await unwrap(api.PUT('/v1/limits', { body: limitRuleInput(data) })));
          break;
        case 'suspensions': {
          const username = String(data['username'] ?? '').trim();
          const body = { reason: String(data['reason'] ?? '').trim(), stop_runs: data['stop_runs'] === true };
          created = suspensionRecord(await unwrap(api.PUT('/v1/admin/suspensions/{username}', { params: { path: { username } }, body })));
          break;
        }
        default:
          throw new Error(`${resource} cannot be created`);
      }
      pages.clear();
      return { data: created as never };
    },

    async update(name, params) {
      const resource = known(name);
      if (resource === 'limits') {
        // A rule is named by its scope, subject and user: the edit replaces its limits.
        const body = limitRuleInput(params.data as Json, params.previousData as Json | undefined);
        return { data: limitRuleRecord(await unwrap(api.PUT('/v1/limits', { body }))) as never };
      }
      if (!registry(resource)) throw new Error(`${resource} cannot be changed`);
      const patch = changedFields(resource, params.data as Json, params.previousData as Json | undefined);
      const path = { id: String(params.id) };
      if (!Object.keys(patch).length) return { data: (params.previousData ?? params.data) as never };
      let updated: Json;
      if (resource === 'machines') updated = await unwrap(api.PATCH('/v1/machines/{id}', { params: { path }, body: patch as never }));
      else if (resource === 'endpoints')
        updated = await unwrap(api.PATCH('/v1/endpoints/{id}', { params: { path }, body: patch as never }));
      else updated = await unwrap(api.PATCH('/v1/tasks/{id}', { params: { path }, body: patch as never }));
      return { data: updated as never };
    },

    async updateMany() {
      throw new Error('records are changed one at a time');
    },

    async delete(resource, params) {
      const path = { id: String(params.id) };
      if (resource === 'machines') await unwrap(api.DELETE('/v1/machines/{id}', { params: { path } }));
      else if (resource === 'endpoints') await unwrap(api.DELETE('/v1/endpoints/{id}', { params: { path } }));
      else if (resource === 'tasks') await unwrap(api.DELETE('/v1/tasks/{id}', { params: { path } }));
      else if (resource === 'limits') await unwrap(api.DELETE('/v1/limits/{id}', { params: { path, query: {} } }));
      else if (resource === 'suspensions')
        await unwrap(api.DELETE('/v1/admin/suspensions/{username}', { params: { path: { username: String(params.id) }, query: {} } }));
      else throw new Error(`${resource} cannot be deleted`);
      pages.clear();
      return { data: (params.previousData ?? { id: params.id }) as never };
    },

    async deleteMany(resource, params) {
      for (const id of params.ids) await provider.delete(resource, { id });
      return { data: params.ids };
    },

    me: () => unwrap(api.GET('/v1/me')),

    stats: (range) => unwrap(api.GET('/v1/stats', { params: { query: { range } } })),

    async machineHealth(ids) {
      if (!ids.length) return [];
      return (await unwrap(api.GET('/v1/machines/health', { params: { query: { ids: ids.join(',') } } }))).items;
    },

    async waitRun(runId, waitSec, signal) {
      return unwrap(api.GET('/v1/runs/{runId}', { params: { path: { runId }, query: { wait: waitSec } }, signal }));
    },

    async invoke(machineId, endpoint, body, contentType, signal) {
      const url = `${baseUrl || window.location.origin}/v1/ondemand/${encodeURIComponent(machineId)}/${endpoint
        .split('/')
        .map(encodeURIComponent)
        .join('/')}`;
      const started = performance.now();
      let res: Response;
      try {
        res = await fetchWithToken(new Request(url, { method: 'POST', body, headers: { 'content-type': contentType }, signal }));
      } catch (err) {
        if ((err as Error)?.name === 'AbortError') throw err;
        throw apiError(0, undefined);
      }
      const answer = await res.blob();
      return {
        status: res.status,
        contentType: res.headers.get('content-type'),
        body: answer,
        ms: Math.round((performance.now() - started) * 10) / 10,
        requestId: res.headers.get('x-request-id'),
      };
    },

    // The route answers JSON or CSV: the JSON one is asked for.
    usage: async (query, signal) =>
      (await unwrap(api.GET('/v1/usage', { params: { query: { ...query, format: 'json' } }, signal }))) as Usage,

    async usageCsv(query) {
      let answer;
      try {
        answer = await api.GET('/v1/usage', { params: { query: { ...query, format: 'csv' } }, parseAs: 'text' });
      } catch {
        throw apiError(0, undefined);
      }
      if (!answer.response.ok || answer.data === undefined) throw apiError(answer.response.status, answer.error);
      return { text: answer.data, filename: dispositionFilename(answer.response.headers.get('content-disposition'), 'usage.csv') };
    },

    async openaiModels(signal) {
      let answer;
      try {
        answer = await api.GET('/openai/v1/models', { signal });
      } catch (err) {
        if ((err as Error)?.name === 'AbortError') throw err;
        throw apiError(0, undefined);
      }
      if (!answer.response.ok || !answer.data) {
        // These routes answer in OpenAI's error shape, not the envelope.
        const status = answer.response.status;
        throw new HttpError(openaiError(answer.error)?.message ?? `The API answered ${status}`, status, answer.error);
      }
      return answer.data.data;
    },

    async openaiChat(request, signal) {
      const body: ChatCompletionRequest = { ...request, stream: true, stream_options: { include_usage: true } };
      let answer;
      try {
        answer = await api.POST('/openai/v1/chat/completions', { body, parseAs: 'stream', signal });
      } catch (err) {
        if (signal.aborted) throw err;
        throw new ChatFailure({ message: 'The ClearGate API could not be reached' });
      }
      const requestId = answer.response.headers.get('x-request-id');
      if (!answer.response.ok || !answer.data) {
        const error = openaiError(answer.error) ?? { message: `The API answered ${answer.response.status}` };
        throw new ChatFailure({ ...error, status: answer.response.status, requestId });
      }
      return { body: answer.data, requestId };
    },
  };
  return provider;
}
