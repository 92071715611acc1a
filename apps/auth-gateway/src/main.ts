import 'reflect-metadata';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import fastifyCors from '@fastify/cors';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { GatewayModule } from './app.module';
import { GatewayConfig, loadGatewayConfig } from './config';
import { registerConsole } from './console/console.routes';
import { drainAfterAnswer, guardServer } from './http/connection-guard';
import { CorsPolicy } from './http/cors';
import { ErrorEnvelopeFilter, errorEnvelope } from './http/error.filter';
import { configureFastify, frameworkErrors, requestIdFrom } from './http/fastify-setup';
import { HttpMetrics } from './http/http-metrics';
import { RouteMethods } from './http/route-methods';
import { AuthService } from './auth/auth.service';
import { CallLimiter } from './limits/call-limiter';
import { TokenQuota } from './limits/token-quota';
import { OndemandHttp } from './ondemand/ondemand.http';
import { ONDEMAND_ROUTES } from './ondemand/ondemand.routes';
import { OndemandService } from './ondemand/ondemand.service';
import { OpenaiHttp } from './openai/openai.http';
import { NatsService, RpcClient } from '@cleargate/messaging';

/** Longer than the idle timeout of the load balancers in front (AWS ALB: 60 s), so they close first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startGateway(config: GatewayConfig, runtime = createRuntime('auth-gateway', config.LOG_LEVEL)) {
  let httpPort = 0;
  // Set once a stop begins: keep-alive connections are closed as soon as they fall idle, so the
  // calls in hand finish and the server can close without waiting for clients to hang up.
  let stopping = false;
  let httpServer: Server | undefined;
  const service = await startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      // The on-demand routes are answered before Fastify sees them (see OndemandHttp), which
      // needs the app's services and so is attached once the app exists, before it listens.
      const ondemand: { http?: OndemandHttp; openai?: OpenaiHttp } = {};
      const adapter = new FastifyAdapter({
        serverFactory: (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void) => {
          const server = createServer(
            {
              maxHeaderSize: config.HTTP_MAX_HEADER_BYTES,
              // How often Node looks for requests past their timeouts (30 s by default, which would stretch them).
              connectionsCheckingInterval: Math.min(5_000, Math.max(250, config.HTTP_HEADERS_TIMEOUT_MS / 4)),
            },
            (req, res) => {
              if (stopping) res.shouldKeepAlive = false;
              else res.once('finish', () => stopping && server.closeIdleConnections());
              if (ondemand.http?.handle(req, res) || ondemand.openai?.handle(req, res)) return;
              drainAfterAnswer(req, res);
              fastifyHandler(req, res);
            },
          );
          guardServer(server, {
            headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
            requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
            keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
          });
          httpServer = server;
          return server;
        },
        bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
        trustProxy: config.HTTP_TRUST_PROXY,
        genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => requestIdFrom(req.headers),
        requestIdHeader: false,
        logger: false,
        // No Nest middleware is used; skipping @fastify/middie saves a hook on every request.
        skipMiddie: true,
        frameworkErrors,
      });
      const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, rt), adapter, {
        logger: new NestPinoLogger(rt.logger),
        abortOnError: false,
        bodyParser: false,
      });
      const fastify = app.getHttpAdapter().getInstance();
      const routeMethods = new RouteMethods();
      for (const { pattern, method } of Object.values(ONDEMAND_ROUTES)) routeMethods.add(pattern, method);
      configureFastify(fastify, config.HTTP_BODY_LIMIT_BYTES, routeMethods);
      const cors = new CorsPolicy(config);
      // Without allowed origins there is no CORS at all: a preflight is an OPTIONS like any other (405).
      if (cors.enabled) {
        fastify.addHook('onRequest', (req, reply, done) => {
          const refusal = cors.refusal(req.method, req.headers);
          if (!refusal) return done();
          const { status, body } = errorEnvelope(refusal, req.id, rt.logger, { method: req.method, route: undefined });
          void reply.status(status).header('vary', 'Origin').header('content-type', 'application/json; charset=utf-8').send(body);
        });
        await app.register(fastifyCors, cors.fastifyOptions());
      }
      registerConsole(fastify, config, rt.logger, process.env.npm_package_version ?? '0.1.0');
      const httpMetrics = new HttpMetrics(rt.metrics);
      httpMetrics.register(fastify);
      ondemand.http = new OndemandHttp(
        app.get(AuthService),
        app.get(OndemandService),
        app.get(CallLimiter),
        httpMetrics,
        rt.logger,
        { body: config.HTTP_BODY_LIMIT_BYTES, compatBody: config.HTTP_COMPAT_BODY_LIMIT_BYTES },
        cors,
      );
      ondemand.openai = new OpenaiHttp(
        app.get(AuthService),
        app.get(NatsService),
        app.get(RpcClient),
        app.get(CallLimiter),
        app.get(TokenQuota),
        httpMetrics,
        rt.logger,
        config,
        cors,
      );
      app.useGlobalFilters(new ErrorEnvelopeFilter(rt.logger, routeMethods));
      await app.listen(config.HTTP_PORT, config.HTTP_HOST);
      httpPort = (fastify.server.address() as { port: number }).port;
      rt.logger.info({ port: httpPort }, 'HTTP listening');
      return app;
    },
  });
  const close = service.close;
  return Object.assign(service, {
    httpPort,
    close: () => {
      stopping = true;
      httpServer?.closeIdleConnections();
      return close();
    },
  });
}

if (require.main === module) {
  runMain(loadGatewayConfig, (config) => startGateway(config));
}
