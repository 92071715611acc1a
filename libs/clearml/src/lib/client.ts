import { ExponentialBackoff, halfJitterGenerator, handleWhen, retry, RetryPolicy } from 'cockatiel';
import { z } from 'zod';
import { CallKind, ClearmlRpc, DebugApi, EventsApi, ProjectsApi, QueuesApi, ServerApi, TasksApi, WorkersApi } from './api';
import { ClearmlApiError, ClearmlError, ClearmlNetworkError, ClearmlResponseError, isTransient } from './errors';
import { loginDataSchema } from './schemas';
import { TokenCache } from './token-cache';
import { ClearmlCallEvent, ClearmlLogger, ClearmlTransport } from './transport';

export interface ClearmlRetryOptions {
  /** Total attempts per call, the first one included. 1 disables retries. Default 4. */
  maxAttempts: number;
  /** Delay before the first retry; doubles per retry, with jitter in [delay/2, delay). Default 200. */
  baseDelayMs: number;
  /** Upper bound of one delay. Default 5000. */
  maxDelayMs: number;
}

export interface ClearmlClientOptions {
  /** e.g. `http://clearml-apiserver:8008`, or the web server's `https://host/api`. */
  apiHost: string;
  accessKey: string;
  secretKey: string;
  /** e.g. `'2.23'` → every path is prefixed with `/v2.23/`. Without it the server uses its newest version. */
  apiVersion?: string;
  /** Per HTTP request, from sending to the last byte of the response. */
  timeoutMs: number;
  /** Maximum sockets to the API host. Default 10. */
  connections?: number;
  retry?: Partial<ClearmlRetryOptions>;
  /** Log in again this many seconds before the token expires (capped at half its lifetime). Default 360, as the SDK. */
  tokenRefreshMarginSec?: number;
  /** Called once per HTTP request (logins and retries included); for metrics. */
  onCall?: (event: ClearmlCallEvent) => void;
  logger?: ClearmlLogger;
  /**
   * Extra headers for every request. The server records `X-Clearml-Trx` as the call's
   * transaction id (clearml-api.md §1.3), which ties its logs to ours.
   */
  headers?: () => Record<string, string>;
  /** Clock in epoch milliseconds, used for token expiry. Default `Date.now`. */
  now?: () => number;
}

const DEFAULT_RETRY: ClearmlRetryOptions = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Typed ClearML REST client.
 *
 * Retry policy (per call, with exponential backoff):
 * - Reads (`get_*`, `get_all*`, `debug.ping`, `server.info`, `events.get_task_log`, `workers.get_all`,
 *   `auth.login`) are retried on every transient error (see `isTransient`): network errors,
 *   timeouts, 429/502/503/504 and 500 general/internal errors.
 * - Writes (`tasks.clone/create/edit/edit_hyper_params/enqueue/stop/reset`, and `call(..., 'write')`)
 *   are retried only when the server cannot have applied them:
 *     - no connection could be made (refused, DNS failure, host unreachable, connect timeout),
 *       so the request was never written;
 *     - HTTP 503: the server is in maintenance and did not process the request;
 *     - the login that had to precede the request failed transiently, so it was never sent.
 *   A reset after the request was written, a timeout, a 502/504 or a 500 is ambiguous: the server
 *   may have applied the change (a second clone would create a second task). Those errors go to
 *   the caller, who owns idempotency (e.g. looks the task up before cloning again).
 * - A 401 on any authenticated call means the token was refused before the call ran: the client
 *   logs in once more and repeats the request once, for reads and writes alike.
 */
export class ClearmlClient {
  readonly debug: DebugApi;
  readonly server: ServerApi;
  readonly tasks: TasksApi;
  readonly queues: QueuesApi;
  readonly events: EventsApi;
  readonly projects: ProjectsApi;
  readonly workers: WorkersApi;

  readonly #transport: ClearmlTransport;
  readonly #tokens: TokenCache;
  readonly #basicAuth: string;
  readonly #readPolicy: RetryPolicy;
  readonly #writePolicy: RetryPolicy;
  readonly #logger: ClearmlLogger | undefined;
  /** Errors raised before the call's own request was sent (during login). */
  readonly #unsent = new WeakSet<object>();

  constructor(options: ClearmlClientOptions) {
    if (!options.accessKey || !options.secretKey) throw new TypeError('accessKey and secretKey are required');
    this.#logger = options.logger;
    this.#transport = new ClearmlTransport({
      apiHost: options.apiHost,
      apiVersion: options.apiVersion,
      timeoutMs: options.timeoutMs,
      connections: options.connections ?? 10,
      onCall: options.onCall,
      logger: options.logger,
      headers: options.headers,
    });
    this.#basicAuth = `Basic ${Buffer.from(`${options.accessKey}:${options.secretKey}`, 'utf8').toString('base64')}`;
    this.#tokens = new TokenCache({
      login: () => this.#login(),
      refreshMarginSec: options.tokenRefreshMarginSec ?? 360,
      now: options.now ?? Date.now,
      logger: options.logger,
    });

    const retryOptions = { ...DEFAULT_RETRY, ...options.retry };
    if (!(retryOptions.maxAttempts >= 1)) throw new TypeError('retry.maxAttempts must be at least 1');
    this.#readPolicy = this.#policy(retryOptions, (err) => isTransient(err));
    this.#writePolicy = this.#policy(retryOptions, (err) => this.#isWriteRetryable(err));

    const rpc: ClearmlRpc = { invoke: (endpoint, body, schema, kind) => this.#invoke(endpoint, body, schema, kind) };
    this.debug = new DebugApi(rpc);
    this.server = new ServerApi(rpc);
    this.tasks = new TasksApi(rpc);
    this.queues = new QueuesApi(rpc);
    this.events = new EventsApi(rpc);
    this.projects = new ProjectsApi(rpc);
    this.workers = new WorkersApi(rpc);
  }

  /**
   * Any endpoint without a typed wrapper, e.g. `call('tasks.dequeue', { task }, 'write')`.
   * `kind` decides the retry policy; when unsure, say `write`. Returns `data` unvalidated.
   */
  call(endpoint: string, body: object, kind: CallKind): Promise<unknown> {
    if (!/^[a-zA-Z_]\w+\.[a-zA-Z_]\w+$/.test(endpoint)) {
      return Promise.reject(new TypeError(`not a ClearML endpoint name: ${endpoint}`));
    }
    return this.#invoke(endpoint, body, z.unknown(), kind);
  }

  /** The server's current time (ms since epoch) from its last answer's Date header, if any. */
  serverNow(): number | undefined {
    return this.#transport.serverNow();
  }

  /** Closes the connection pool; in-flight requests finish first. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  async #invoke<T>(endpoint: string, body: object, schema: z.ZodType<T>, kind: CallKind): Promise<T> {
    const policy = kind === 'write' ? this.#writePolicy : this.#readPolicy;
    const data = await policy.execute(() =>
      kind === 'public' ? this.#transport.post(endpoint, body, undefined) : this.#authorized(endpoint, body),
    );
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'data';
      throw new ClearmlResponseError(endpoint, 200, `${where}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  async #authorized(endpoint: string, body: object): Promise<unknown> {
    const token = await this.#token();
    try {
      return await this.#transport.post(endpoint, body, `Bearer ${token}`);
    } catch (err) {
      if (!(err instanceof ClearmlApiError && err.httpStatus === 401)) throw err;
      this.#logger?.info({ endpoint, error: err.name }, 'clearml token refused; logging in again');
      this.#tokens.invalidate(token);
      const fresh = await this.#token();
      return await this.#transport.post(endpoint, body, `Bearer ${fresh}`);
    }
  }

  async #token(): Promise<string> {
    try {
      return await this.#tokens.get();
    } catch (err) {
      if (typeof err === 'object' && err !== null) this.#unsent.add(err);
      throw err;
    }
  }

  async #login(): Promise<string> {
    const data = await this.#transport.post('auth.login', {}, this.#basicAuth);
    const parsed = loginDataSchema.safeParse(data);
    if (!parsed.success) throw new ClearmlResponseError('auth.login', 200, 'data.token is missing');
    return parsed.data.token;
  }

  #isWriteRetryable(err: Error): boolean {
    if (this.#unsent.has(err)) return isTransient(err);
    if (err instanceof ClearmlNetworkError) return err.requestNeverSent;
    return err instanceof ClearmlApiError && err.httpStatus === 503;
  }

  #policy(options: ClearmlRetryOptions, shouldRetry: (err: Error) => boolean): RetryPolicy {
    const policy = retry(
      handleWhen((err) => err instanceof Error && shouldRetry(err)),
      {
        maxAttempts: options.maxAttempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: options.baseDelayMs,
          maxDelay: options.maxDelayMs,
          generator: halfJitterGenerator,
        }),
      },
    );
    policy.onRetry((event) => {
      if (!('error' in event)) return;
      const err = event.error;
      this.#logger?.warn(
        {
          endpoint: err instanceof ClearmlError ? err.endpoint : undefined,
          attempt: event.attempt,
          delayMs: Math.round(event.delay),
          error: describe(err),
        },
        'clearml call failed; retrying',
      );
    });
    return policy;
  }
}

function describe(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: typeof err };
  if (err instanceof ClearmlApiError) {
    return { name: err.name, httpStatus: err.httpStatus, code: err.code, subcode: err.subcode };
  }
  if (err instanceof ClearmlNetworkError) return { name: err.name, kind: err.kind, errorCode: err.errorCode };
  return { name: err.name };
}
