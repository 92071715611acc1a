// @ts-check
'use strict';

const { decodeBody, GatewayUnreachableError } = require('./gateway-client');
const { TokenError } = require('./token-source');

/** Statuses a run never leaves. */
const TERMINAL = ['completed', 'failed', 'stopped'];

/**
 * Longest single long-poll. The gateway caps it itself (RUN_WAIT_MAX_MS, 60 s by default); staying
 * under a minute also stays under the usual reverse-proxy read timeouts.
 */
const LONG_POLL_SEC = 50;

/**
 * @typedef {{ run_id: string, status: string, clearml_task_id?: string | null, queue?: string, error?: string | null }} Run
 * @typedef {{ outcome: 'done', run: Run }
 *   | { outcome: 'timeout', run: Run | undefined }
 *   | { outcome: 'refused', status: number, body: unknown }
 *   | { outcome: 'failed', error: unknown }} FollowResult
 */

/**
 * Follows a run with `GET /v1/runs/{id}?wait=` until `done(status)` says so or the deadline
 * passes. Each long-poll names the status last seen (`until_not`), so a change that happens
 * between two polls ends the next one at once instead of being waited past. Unanswered polls and
 * 5xx answers (a gateway restarting) are repeated with a growing pause; any other answer ends it.
 * @param {import('./gateway-client').GatewayClient} client
 * @param {string} runId
 * @param {{
 *   lastStatus: string,
 *   done: (status: string) => boolean,
 *   deadline: number,
 *   signal?: AbortSignal,
 *   requestId?: string,
 *   onStatus?: (status: string) => void,
 * }} options
 * @returns {Promise<FollowResult>}
 */
async function followRun(client, runId, options) {
  let lastStatus = options.lastStatus;
  /** @type {Run | undefined} */
  let run;
  let pauseMs = 500;
  for (;;) {
    const remainingMs = options.deadline - Date.now();
    if (remainingMs <= 0) return { outcome: 'timeout', run };
    const wait = Math.min(LONG_POLL_SEC, Math.ceil(remainingMs / 1000));
    const query = `?wait=${wait}&until_not=${encodeURIComponent(lastStatus)}`;
    let res;
    try {
      res = await client.call('GET', `/v1/runs/${encodeURIComponent(runId)}${query}`, {
        requestId: options.requestId,
        signal: options.signal,
        timeoutMs: (wait + 30) * 1000,
      });
    } catch (err) {
      if (err instanceof TokenError || (err instanceof GatewayUnreachableError && err.aborted)) return { outcome: 'failed', error: err };
      await pause(Math.min(pauseMs, options.deadline - Date.now()), options.signal);
      pauseMs = Math.min(pauseMs * 2, 10_000);
      continue;
    }
    const decoded = decodeBody(res);
    if (res.status >= 500) {
      await pause(Math.min(pauseMs, options.deadline - Date.now()), options.signal);
      pauseMs = Math.min(pauseMs * 2, 10_000);
      continue;
    }
    if (res.status !== 200 || !decoded.ok || !isRun(decoded.value)) {
      return { outcome: 'refused', status: res.status, body: decoded.ok ? decoded.value : decoded.text };
    }
    pauseMs = 500;
    run = decoded.value;
    if (run.status !== lastStatus) options.onStatus?.(run.status);
    if (options.done(run.status)) return { outcome: 'done', run };
    lastStatus = run.status;
  }
}

/**
 * @param {unknown} value
 * @returns {value is Run}
 */
function isRun(value) {
  const v = /** @type {Record<string, unknown> | null} */ (value);
  return v !== null && typeof v === 'object' && typeof v.run_id === 'string' && typeof v.status === 'string';
}

/**
 * @param {number} ms
 * @param {AbortSignal | undefined} signal
 */
function pause(ms, signal) {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve(undefined);
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve(undefined);
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

module.exports = { followRun, TERMINAL, LONG_POLL_SEC };
