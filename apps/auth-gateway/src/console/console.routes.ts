import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { taskLogUrl, webHostFromApiHost } from '@cleargate/clearml';
import { AppError } from '@cleargate/contracts';
import type { Logger } from '@cleargate/observability';
import type { GatewayConfig } from '../config';
import { errorEnvelope } from '../http/error.filter';
import { ConsoleAsset, ConsoleAssets } from './console-assets';

export const CONSOLE_PATH = '/console/';

/** What the console reads at start-up, so that one build runs against any realm and API. */
export interface ConsoleRuntimeConfig {
  oidc: { issuer: string; client_id: string; scope: string };
  /** Where the API is; empty for the origin that served the console. */
  api_base_url: string;
  /** A run's ClearML task log, with `{task_id}` to fill in; null when ClearML's web UI is not known. */
  clearml_task_log_url: string | null;
  version: string;
}

export function consoleRuntimeConfig(config: GatewayConfig, version: string): ConsoleRuntimeConfig {
  const web = config.CLEARML_WEB_HOST ?? (config.CLEARML_API_HOST ? webHostFromApiHost(config.CLEARML_API_HOST) : undefined);
  return {
    oidc: {
      issuer: (config.CONSOLE_OIDC_ISSUER_URL ?? config.OIDC_ISSUER_URL).replace(/\/+$/, ''),
      client_id: config.CONSOLE_OIDC_CLIENT_ID,
      scope: 'openid profile email',
    },
    api_base_url: config.CONSOLE_API_BASE_URL?.replace(/\/+$/, '') ?? '',
    // The API version is the monitor's to know; without it the SDK's older form, which ClearML's web UI still opens.
    clearml_task_log_url: web ? taskLogUrl(web, null, '{task_id}', undefined).replace(encodeURIComponent('{task_id}'), '{task_id}') : null,
    version,
  };
}

/**
 * The page's Content-Security-Policy: scripts only from the gateway (no inline script, no eval),
 * styles from the gateway or carrying this response's nonce (the UI library writes its styles
 * at run time), and connections only to the API and the realm (the token endpoint).
 */
export function contentSecurityPolicy(runtime: ConsoleRuntimeConfig, nonce: string): string {
  const origins = new Set<string>();
  for (const url of [runtime.oidc.issuer, runtime.api_base_url]) if (url) origins.add(new URL(url).origin);
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${[...origins].map((o) => ` ${o}`).join('')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The admin console under /console/: its files, index.html for every other path below it (the
 * app's own routes, so deep links work) and its runtime config at /console/config.json. `/`
 * leads there. Paths under /v1 and every other route are untouched.
 */
export function registerConsole(app: FastifyInstance, config: GatewayConfig, logger: Logger, version: string): void {
  if (!config.CONSOLE_ENABLED) return;
  const dir = config.CONSOLE_DIR ?? join(__dirname, '..', '..', '..', 'console');
  const assets = ConsoleAssets.load(dir);
  if (!assets) logger.warn({ dir }, 'the admin console is not built: /console/ answers 404 (run `npx nx run console:build`)');
  else logger.info({ dir }, 'serving the admin console at /console/');
  const runtime = consoleRuntimeConfig(config, version);
  const runtimeJson = JSON.stringify(runtime);

  const notFound = (req: FastifyRequest, reply: FastifyReply, message: string) => {
    const { status, body } = errorEnvelope(new AppError('not_found', message), req.id, logger, { method: req.method, route: req.url });
    return reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  };

  app.get('/', (_req, reply) => reply.redirect(CONSOLE_PATH, 302));
  app.get('/console', (_req, reply) => reply.redirect(CONSOLE_PATH, 302));
  app.get('/console/config.json', (_req, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(runtimeJson),
  );
  app.get('/console/*', (req, reply) => {
    if (!assets) return notFound(req, reply, 'the admin console is not installed on this gateway');
    const path = (req.params as { '*': string })['*'];
    const asset = assets.get(path);
    if (asset) return sendAsset(req, reply, asset);
    // A file that is not there (an old build's chunk, a typo) is a 404, not the app: only the app's routes fall back.
    if (path.startsWith('assets/') || /\.[A-Za-z0-9]+$/.test(path)) return notFound(req, reply, `no such file: /console/${path}`);
    const { html, nonce } = assets.index();
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(runtime, nonce))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(html);
  });
}

function sendAsset(req: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset) {
  void reply
    .header('content-type', asset.type)
    .header('etag', asset.etag)
    .header('cache-control', asset.immutable ? IMMUTABLE : 'no-cache')
    .header('x-content-type-options', 'nosniff');
  if (asset.gzip) void reply.header('vary', 'accept-encoding');
  if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  if (asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}
