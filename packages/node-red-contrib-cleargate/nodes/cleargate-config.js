// @ts-check
'use strict';

const { TokenSource, realmTokenUrl } = require('../lib/token-source');
const { GatewayClient } = require('../lib/gateway-client');
const { firstText, seconds } = require('../lib/flow-support');

/**
 * The gateway and the realm login, shared by every cleargate node that points at it: one token
 * source, so one cached token and one login at a time for all of them. Credentials are Node-RED
 * credentials (kept in the encrypted credentials file, never in the flow).
 * @param {any} RED
 */
module.exports = function (RED) {
  /**
   * @this {any}
   * @param {Record<string, any>} config
   */
  function CleargateConfigNode(config) {
    RED.nodes.createNode(this, config);
    this.name = config.name;
    /** @type {Record<string, unknown>} */
    const credentials = this.credentials ?? {};
    try {
      const tokenUrl = realmTokenUrl(config);
      this.tokens = new TokenSource({
        tokenUrl,
        clientId: firstText(config.clientId) ?? '',
        grant: config.grant === 'client_credentials' ? 'client_credentials' : 'password',
        username: firstText(credentials.username),
        password: typeof credentials.password === 'string' && credentials.password !== '' ? credentials.password : undefined,
        clientSecret:
          typeof credentials.clientSecret === 'string' && credentials.clientSecret !== '' ? credentials.clientSecret : undefined,
        scope: typeof config.scope === 'string' ? config.scope : undefined,
      });
      this.client = new GatewayClient({
        url: firstText(config.gatewayUrl) ?? '',
        tokens: this.tokens,
        timeoutMs: seconds(config.timeout, 130, 1, 3600) * 1000,
      });
    } catch (err) {
      this.configError = err instanceof Error ? err.message : String(err);
      this.error(`invalid configuration: ${this.configError}`);
    }
    this.on('close', () => this.tokens?.clear());
  }

  RED.nodes.registerType('cleargate-config', CleargateConfigNode, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      clientSecret: { type: 'password' },
    },
  });
};
