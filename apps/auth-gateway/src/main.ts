import 'reflect-metadata';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { GatewayModule } from './app.module';
import { GatewayConfig, loadGatewayConfig } from './config';
import { ErrorEnvelopeFilter } from './http/error.filter';
import { configureFastify, requestIdFrom } from './http/fastify-setup';
import { HttpMetrics } from './http/http-metrics';
import { RouteMethods } from './http/route-methods';
import { AuthService } from './auth/auth.service';
import { CallLimiter } from './limits/call-limiter';
import { OndemandHttp } from './ondemand/ondemand.http';
import { ONDEMAND_ROUTES } from './ondemand/ondemand.routes';
import { OndemandService } from './ondemand/ondemand.service';

/** Longer than the idle timeout of the load balancers in front (AWS ALB: 60 s), so they close first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startGateway(config: GatewayConfig, runtime = createRuntime('auth-gateway', config.LOG_LEVEL)) {
  let httpPort = 0;
  const service = await startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      // The on-demand routes are answered before Fastify sees them (see OndemandHttp), which
      // needs the app's services and so is attached once the app exists, before it listens.
      const ondemand: { http?: OndemandHttp } = {};
      const adapter = new FastifyAdapter({
        serverFactory: (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void) => {
          const server = createServer((req, res) => {
            if (!ondemand.http?.handle(req, res)) fastifyHandler(req, res);
          });
          server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
          return server;
        },
        bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
        trustProxy: config.HTTP_TRUST_PROXY,
        genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => requestIdFrom(req.headers),
        requestIdHeader: false,
        logger: false,
        // No Nest middleware is used; skipping @fastify/middie saves a hook on every request.
        skipMiddie: true,
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
      const httpMetrics = new HttpMetrics(rt.metrics);
      httpMetrics.register(fastify);
      ondemand.http = new OndemandHttp(
        app.get(AuthService),
        app.get(OndemandService),
        app.get(CallLimiter),
        httpMetrics,
        rt.logger,
        config.HTTP_BODY_LIMIT_BYTES,
      );
      app.useGlobalFilters(new ErrorEnvelopeFilter(rt.logger, routeMethods));
      await app.listen(config.HTTP_PORT, config.HTTP_HOST);
      httpPort = (fastify.server.address() as { port: number }).port;
      rt.logger.info({ port: httpPort }, 'HTTP listening');
      return app;
    },
  });
  return Object.assign(service, { httpPort });
}

if (require.main === module) {
  runMain(loadGatewayConfig, (config) => startGateway(config));
}
