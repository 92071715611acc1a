// @ts-check
'use strict';

const { decodeBody } = require('../lib/gateway-client');
const { isPlainObject, firstText, firstGiven, gatewayOf, failureOf, binaryContentType } = require('../lib/flow-support');

/**
 * `cleargate ondemand`: calls a model on a serving machine through ClearGate, in place of
 * Snap4City's "ClearML On-Demand Serving Auth" block, with the same fields (machine_id, endpoint,
 * input) and the same output (`msg.payload = {status: "ok", response}` or
 * `{status: "ko", error, details?}`).
 *
 * Every call goes to `POST /v1/ondemand/{machine_id}/{endpoint}`, whose body is the model input
 * as-is: JSON input is sent as JSON, a Buffer (an image) untouched with its content type.
 * @param {any} RED
 */
module.exports = function (RED) {
  /**
   * @this {any}
   * @param {Record<string, any>} config
   */
  function CleargateOndemandNode(config) {
    RED.nodes.createNode(this, config);
    const closing = new AbortController();

    this.on(
      'input',
      /**
       * @param {Record<string, any>} msg
       * @param {(msg: unknown) => void} send
       * @param {(err?: unknown) => void} done
       */
      async (msg, send, done) => {
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
          send(msg);
          done(report);
        };
        const given = isPlainObject(msg.payload) ? msg.payload : {};
        const machineId = firstText(given.machine_id, msg.machine_id, config.machine_id);
        if (!machineId) return finish({ status: 'ko', error: 'Machine ID is missing' }, 'machine id missing', 'Machine ID is missing');
        const endpoint = firstText(given.endpoint, msg.endpoint, config.endpoint);
        if (!endpoint) return finish({ status: 'ko', error: 'Endpoint is missing' }, 'endpoint missing', 'Endpoint is missing');

        /** @type {Buffer | string} */
        let body;
        let contentType;
        const binary = Buffer.isBuffer(msg.payload) ? msg.payload : Buffer.isBuffer(given.input) ? given.input : undefined;
        if (binary) {
          body = binary;
          contentType = binaryContentType(msg, binary);
        } else {
          const input = firstGiven(given.input, config.input);
          contentType = 'application/json';
          if (input === undefined) body = '{}';
          else if (typeof input === 'string') {
            // The editor's input field (or a flow) gives JSON text: sent as written, once known to be JSON.
            try {
              JSON.parse(input);
            } catch {
              return finish({ status: 'ko', error: 'Input is not valid JSON' }, 'input not JSON', 'Input is not valid JSON');
            }
            body = input;
          } else body = JSON.stringify(input);
        }

        const gateway = gatewayOf(RED, config.authentication);
        if ('error' in gateway) return finish({ status: 'ko', error: gateway.error }, 'not configured', gateway.error);

        const path = `/v1/ondemand/${encodeURIComponent(machineId)}/${endpoint.split('/').map(encodeURIComponent).join('/')}`;
        this.status({ fill: 'blue', shape: 'dot', text: 'calling' });
        let res;
        try {
          res = await gateway.client.call('POST', path, { body, contentType, requestId: msg._msgid, signal: closing.signal });
        } catch (err) {
          if (closing.signal.aborted) return done();
          const failure = failureOf(err, 'Error in cleargate ondemand node: ');
          return finish({ status: 'ko', error: failure.error }, failure.status, failure.report);
        }
        const decoded = decodeBody(res);
        const value = decoded.ok ? decoded.value : decoded.text;
        if (res.status >= 200 && res.status <= 299) return finish({ status: 'ok', response: value }, `ok ${res.status}`);
        const error = `Unexpected server response: ${res.status}`;
        this.warn(`${error}${errorCode(value)}`);
        return finish({ status: 'ko', error, details: value }, `ko ${res.status}`);
      },
    );

    this.on('close', () => closing.abort());
  }

  RED.nodes.registerType('cleargate-ondemand', CleargateOndemandNode);
};

/**
 * ` (not_found)` from ClearGate's error envelope, for the log line.
 * @param {unknown} body
 */
function errorCode(body) {
  const error = isPlainObject(body) && isPlainObject(body.error) ? body.error : undefined;
  return error && typeof error.code === 'string' ? ` (${error.code})` : '';
}
