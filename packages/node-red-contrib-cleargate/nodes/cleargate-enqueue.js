// @ts-check
'use strict';

const { decodeBody } = require('../lib/gateway-client');
const { isPlainObject, firstText, firstGiven, gatewayOf, failureOf, seconds } = require('../lib/flow-support');
const { followRun, TERMINAL } = require('../lib/runs');

/** Statuses of a run ClearML has not accepted yet (the gateway answered 202). */
const PENDING = ['accepted', 'retrying'];

/**
 * `cleargate enqueue`: runs a registered ClearML task through ClearGate, in place of Snap4City's
 * "ClearML Enqueue Task Auth" block, with the same fields (task_id, queue_name, input) and the
 * same first output (`{status: "ok", response: {status: "queued", task_id, run_id, queue}}`, or
 * `{status: "ko", error?, response?}`).
 *
 * It calls the compatible `POST /clearml/serve/enqueue_task`, which answers once ClearML queued
 * the clone with the clone's id, the answer the original block passed on. When ClearML is slow or
 * unreachable the gateway answers 202 and keeps retrying; the node then follows the run until it
 * is queued. With "wait for the end" the node has a second output that gets the run's final state
 * (`GET /v1/runs/{id}?wait=`), within the time limit.
 * @param {any} RED
 */
module.exports = function (RED) {
  /**
   * @this {any}
   * @param {Record<string, any>} config
   */
  function CleargateEnqueueNode(config) {
    RED.nodes.createNode(this, config);
    const waitForEnd = config.wait === true || config.wait === 'true';
    const limitSec = seconds(config.timeout, 600, 1, 7 * 24 * 3600);
    const closing = new AbortController();

    /** @param {unknown} first @param {unknown} [second] */
    const outputs = (first, second) => (waitForEnd ? [first, second ?? null] : first);

    this.on(
      'input',
      /**
       * @param {Record<string, any>} msg
       * @param {(msg: unknown) => void} send
       * @param {(err?: unknown) => void} done
       */
      async (msg, send, done) => {
        const deadline = Date.now() + limitSec * 1000;
        /**
         * @param {Record<string, unknown>} payload
         * @param {string} status
         * @param {string} [report] an error for the log and Catch nodes, as the original raised
         */
        const finish = (payload, status, report) => {
          this.status(
            payload.status === 'ok' ? { fill: 'green', shape: 'dot', text: status } : { fill: 'red', shape: 'ring', text: status },
          );
          msg.payload = payload;
          send(outputs(msg));
          done(report);
        };
        const given = isPlainObject(msg.payload) ? msg.payload : {};
        const taskId = firstText(given.task_id, config.task_id);
        if (!taskId) return finish({ status: 'ko', error: 'Task ID is missing' }, 'task id missing', 'Task ID is missing');
        const queue = firstText(given.queue_name, config.queue_name);
        const params = firstGiven(given.input, config.input) ?? {};

        const gateway = gatewayOf(RED, config.authentication);
        if ('error' in gateway) return finish({ status: 'ko', error: gateway.error }, 'not configured', gateway.error);
        const client = gateway.client;
        const requestId = msg._msgid;

        this.status({ fill: 'blue', shape: 'dot', text: 'enqueueing' });
        let res;
        try {
          res = await client.call('POST', '/clearml/serve/enqueue_task', {
            body: JSON.stringify({ task_id: taskId, ...(queue ? { queue } : {}), params }),
            contentType: 'application/json',
            requestId,
            signal: closing.signal,
          });
        } catch (err) {
          if (closing.signal.aborted) return done();
          const failure = failureOf(err, 'HTTP request error: ');
          return finish({ status: 'ko', error: failure.error }, failure.status, failure.report);
        }
        const decoded = decodeBody(res);
        if (!decoded.ok || !isPlainObject(decoded.value)) {
          const error = 'Failed to parse response body';
          const text = decoded.ok ? String(decoded.value) : decoded.text;
          return finish({ status: 'ko', error, responseBody: text }, `ko ${res.status}`, error);
        }
        /** @type {Record<string, any>} */
        let answer = decoded.value;
        if (res.status < 200 || res.status > 299) {
          const error = `Unexpected server response code: ${res.status}`;
          this.warn(error + (isPlainObject(answer.error) && typeof answer.error.code === 'string' ? ` (${answer.error.code})` : ''));
          return finish({ status: 'ko', error, response: answer }, `ko ${res.status}`);
        }

        if (res.status === 202 && typeof answer.run_id === 'string' && PENDING.includes(answer.status)) {
          // Stored, but ClearML has not taken it yet: the gateway keeps trying; follow it until queued.
          this.status({ fill: 'yellow', shape: 'ring', text: answer.status });
          const followed = await followRun(client, answer.run_id, {
            lastStatus: answer.status,
            done: (status) => !PENDING.includes(status),
            deadline,
            signal: closing.signal,
            requestId,
            onStatus: (status) => this.status({ fill: 'yellow', shape: 'ring', text: status }),
          });
          if (closing.signal.aborted) return done();
          if (followed.outcome !== 'done') {
            const failure = describe(followed, `The run was not queued within ${limitSec} s`);
            return finish({ status: 'ko', error: failure.error, response: failure.response ?? answer }, failure.status, failure.report);
          }
          const run = followed.run;
          if (run.status === 'failed' || !run.clearml_task_id) {
            const error = `The run ${run.status}${run.error ? `: ${run.error}` : ''}`;
            return finish({ status: 'ko', error, response: run }, run.status, error);
          }
          answer = { status: 'queued', task_id: run.clearml_task_id, run_id: run.run_id, queue: run.queue };
        }

        if (answer.status !== 'queued') return finish({ status: 'ko', response: answer }, String(answer.status ?? 'ko'));
        const ended = waitForEnd ? RED.util.cloneMessage(msg) : undefined;
        this.status({ fill: 'green', shape: 'dot', text: 'queued' });
        msg.payload = { status: 'ok', response: answer };
        send(outputs(msg));
        if (!ended) return done();

        const followed = await followRun(client, answer.run_id, {
          lastStatus: 'queued',
          done: (status) => TERMINAL.includes(status),
          deadline,
          signal: closing.signal,
          requestId,
          onStatus: (status) => this.status({ fill: 'blue', shape: 'ring', text: status }),
        });
        if (closing.signal.aborted) return done();
        if (followed.outcome === 'done') {
          const run = followed.run;
          const ok = run.status === 'completed';
          this.status(ok ? { fill: 'green', shape: 'dot', text: run.status } : { fill: 'red', shape: 'ring', text: run.status });
          ended.payload = ok
            ? { status: 'ok', response: run }
            : { status: 'ko', error: `The run ${run.status}${run.error ? `: ${run.error}` : ''}`, response: run };
        } else {
          const failure = describe(followed, `The run did not end within ${limitSec} s`);
          this.status({ fill: 'red', shape: 'ring', text: failure.status });
          ended.payload = { status: 'ko', error: failure.error, ...(failure.response !== undefined ? { response: failure.response } : {}) };
        }
        send([null, ended]);
        done();
      },
    );

    this.on('close', () => closing.abort());
  }

  /**
   * A follow that did not reach the awaited status, as an output and a node status.
   * @param {Exclude<import('../lib/runs').FollowResult, { outcome: 'done' }>} followed
   * @param {string} timeoutText
   * @returns {{ error: string, response?: unknown, status: string, report?: string }}
   */
  function describe(followed, timeoutText) {
    if (followed.outcome === 'timeout') return { error: timeoutText, response: followed.run, status: 'timed out' };
    if (followed.outcome === 'refused') {
      return { error: `Unexpected server response code: ${followed.status}`, response: followed.body, status: `ko ${followed.status}` };
    }
    const failure = failureOf(followed.error, 'HTTP request error: ');
    return { error: failure.error, status: failure.status, report: failure.report };
  }

  RED.nodes.registerType('cleargate-enqueue', CleargateEnqueueNode);
};
