// jsdom for the console's units, with the platform the browser has and jsdom lacks: fetch and
// its classes, text encoding and streams (Node's own, which are the WHATWG ones).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest loads environments as CommonJS
const { TestEnvironment } = require('jest-environment-jsdom');

const FROM_NODE = [
  'fetch',
  'Request',
  'Response',
  'Headers',
  'FormData',
  'Blob',
  'AbortController',
  'AbortSignal',
  'TextEncoder',
  'TextDecoder',
  'TextDecoderStream',
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'structuredClone',
];

class ConsoleEnvironment extends TestEnvironment {
  constructor(...args) {
    super(...args);
    for (const name of FROM_NODE) this.global[name] = globalThis[name];
  }
}

module.exports = ConsoleEnvironment;
