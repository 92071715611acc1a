// @ts-check
'use strict';

const { TokenError } = require('./token-source');
const { GatewayUnreachableError } = require('./gateway-client');

/**
 * What the cleargate ondemand and enqueue nodes share: reading their inputs the way Snap4City's
 * ClearML blocks did (from `msg.payload`, else from the editor) and turning failures into the
 * blocks' `{status: "ko", error}` output.
 */

/**
 * A plain object (not null, an array or a Buffer).
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * The first of the values that is a non-empty string (trimmed), or undefined.
 * @param {...unknown} values
 */
function firstText(...values) {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

/**
 * The first value that is given: not undefined, null or an empty string (the original blocks used
 * `||`, which also skipped 0 and false, valid model inputs).
 * @param {...unknown} values
 */
function firstGiven(...values) {
  for (const v of values) if (v !== undefined && v !== null && v !== '') return v;
  return undefined;
}

/**
 * @typedef {object} ConfigNode
 * @property {import('./gateway-client').GatewayClient} [client]
 * @property {import('./token-source').TokenSource} [tokens]
 * @property {string} [configError]
 */

/**
 * The gateway client of the config node a node points at, or the reason there is none.
 * @param {any} RED
 * @param {string | undefined} id
 * @returns {{ client: import('./gateway-client').GatewayClient } | { error: string }}
 */
function gatewayOf(RED, id) {
  /** @type {ConfigNode | null} */
  const config = id ? RED.nodes.getNode(id) : null;
  if (!config) return { error: 'Authentication failed: no cleargate-config node is selected' };
  if (!config.client) return { error: `Configuration error: ${config.configError ?? 'the cleargate-config node is not valid'}` };
  return { client: config.client };
}

/**
 * A call that got no answer: the output's `error` text, the error raised for the log and Catch
 * nodes (worded as the original blocks did: a transport error gets `reportPrefix`), and the
 * node's status text.
 * @param {unknown} err
 * @param {string} reportPrefix
 */
function failureOf(err, reportPrefix) {
  if (err instanceof TokenError) {
    const error = `Authentication failed: ${err.message}`;
    return { error, report: error, status: 'authentication failed' };
  }
  const error = err instanceof Error ? err.message : String(err);
  const status = err instanceof GatewayUnreachableError ? (err.timedOut ? 'timed out' : 'unreachable') : 'failed';
  return { error, report: `${reportPrefix}${error}`, status };
}

/**
 * Media type of a binary model input: the message's own (`msg.contentType`, or the
 * `content-type` an http request node left in `msg.headers`), else recognised from the bytes
 * for the usual image formats, else `application/octet-stream`.
 * @param {Record<string, any>} msg
 * @param {Buffer} bytes
 */
function binaryContentType(msg, bytes) {
  const headers = isPlainObject(msg.headers) ? msg.headers : {};
  const declared = firstText(
    msg.contentType,
    ...Object.entries(headers)
      .filter(([k]) => k.toLowerCase() === 'content-type')
      .map(([, v]) => v),
  );
  return declared ?? sniffImage(bytes) ?? 'application/octet-stream';
}

/**
 * @param {Buffer} b
 * @returns {string | undefined}
 */
function sniffImage(b) {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  const head = b.subarray(0, 4).toString('latin1');
  if (head === 'GIF8') return 'image/gif';
  if (head === 'RIFF' && b.length >= 12 && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (head === 'II*\u0000' || head === 'MM\u0000*') return 'image/tiff';
  if (head.startsWith('BM')) return 'image/bmp';
  return undefined;
}

/**
 * Seconds from an editor field, within [min, max], else the default.
 * @param {unknown} value
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function seconds(value, fallback, min, max) {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, n));
}

module.exports = { isPlainObject, firstText, firstGiven, gatewayOf, failureOf, binaryContentType, sniffImage, seconds };
