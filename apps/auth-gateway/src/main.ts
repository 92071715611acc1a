import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRuntime, NestPinoLogger, runMain, startService } from '@cleargate/observability';
import { GatewayModule } from './app.module';
import { GatewayConfig, loadGatewayConfig } from './config';
import { ErrorEnvelopeFilter } from './http/error.filter';
import { configureFastify, requestIdFrom } from './http/fastify-setup';
import { HttpMetrics } from './http/http-metrics';
import { AuthService } from './auth/auth.service';
import { registerOndemandRoutes } from './ondemand/ondemand.routes';
import { OndemandService } from './ondemand/ondemand.service';

export async function startGateway(config: GatewayConfig, runtime = createRuntime('auth-gateway', config.LOG_LEVEL)) {
  let httpPort = 0;
  const service = await startService({
    runtime,
    config,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    createApp: async (rt) => {
      const adapter = new FastifyAdapter({
        bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
        trustProxy: config.HTTP_TRUST_PROXY,
        genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => requestIdFrom(req.headers),
        requestIdHeader: false,
        logger: false,
        keepAliveTimeout: 65_000,
        // No Nest middleware is used; skipping @fastify/middie saves a hook on every request.
        skipMiddie: true,
      });
      const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config, rt), adapter, {
        logger: new NestPinoLogger(rt.logger),
        abortOnError: false,
        bodyParser: false,
      });
      const fastify = app.getHttpAdapter().getInstance();
      configureFastify(fastify, config.HTTP_BODY_LIMIT_BYTES);
      new HttpMetrics(rt.metrics).register(fastify);
      registerOndemandRoutes(fastify, app.get(AuthService), app.get(OndemandService), rt.logger);
      app.useGlobalFilters(new ErrorEnvelopeFilter(rt.logger));
      await app.listen(config.HTTP_PORT, config.HTTP_HOST);
      httpPort = (fastify.server.address() as { port: number }).port;
      rt.logger.info({ port: httpPort }, 'HTTP listening');
      return app;
    },
  });
  return Object.assign(service, { httpPort });
}

if (require.main === module) {
  runMain(async () => startGateway(loadGatewayConfig()), Number(process.env.SHUTDOWN_GRACE_MS) || 10_000);
}
