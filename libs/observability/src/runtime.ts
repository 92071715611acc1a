import { DynamicModule, Global, INestApplicationContext, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { describeConfig } from '@cleargate/config';
import { CLOCK, Clock, systemClock } from './clock';
import { HealthRegistry } from './health';

import { Metrics } from './metrics';
import { createLogger, NestPinoLogger } from './logger';
import { OpsServer, startOpsServer } from './ops-server';

export const LOGGER = Symbol('LOGGER');
/** Injects the service's pino logger. */
export const InjectLogger = () => Inject(LOGGER);

/** What every service shares: one logger, one metrics registry, one set of readiness checks. */
export interface Runtime {
  service: string;
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
  clock: Clock;
}

export function createRuntime(service: string, logLevel = 'info', logger?: Logger, clock: Clock = systemClock): Runtime {
  return {
    service,
    logger: logger ?? createLogger({ service, level: logLevel }),
    metrics: new Metrics(service),
    health: new HealthRegistry(),
    clock,
  };
}

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(runtime: Runtime): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [
        { provide: LOGGER, useValue: runtime.logger },
        { provide: Metrics, useValue: runtime.metrics },
        { provide: HealthRegistry, useValue: runtime.health },
        { provide: CLOCK, useValue: runtime.clock },
      ],
      exports: [LOGGER, Metrics, HealthRegistry, CLOCK],
    };
  }
}

export interface RunningService {
  runtime: Runtime;
  app: INestApplicationContext;
  opsPort: number;
  /** Graceful stop: readiness fails first, then the app drains its work, then the ops port closes. */
  close(): Promise<void>;
}

/**
 * Starts one service: the Nest application built by `createApp` plus the operations server.
 * Used by every app's main.ts and by tests that run a service in-process.
 */
export async function startService(options: {
  runtime: Runtime;
  ops: { host: string; port: number };
  createApp: (runtime: Runtime) => Promise<INestApplicationContext>;
  /** The validated configuration, logged once at start with secrets masked. */
  config?: Record<string, unknown>;
}): Promise<RunningService> {
  const { runtime } = options;
  if (options.config) runtime.logger.info({ config: describeConfig(options.config) }, 'configuration');
  const app = await options.createApp(runtime);
  const unfinished = await runtime.health.completeStartup();
  if (Object.keys(unfinished).length > 0)
    runtime.logger.warn({ steps: unfinished }, 'start-up steps did not complete; readiness will tell');
  let ops: OpsServer;
  try {
    ops = await startOpsServer({ ...options.ops, metrics: runtime.metrics, health: runtime.health, logger: runtime.logger });
  } catch (err) {
    await app.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    runtime,
    app,
    opsPort: ops.port,
    close: () =>
      (closing ??= (async () => {
        runtime.health.markShuttingDown();
        try {
          await app.close();
        } finally {
          await ops.close();
        }
      })()),
  };
}

/**
 * Starts a service without an HTTP port of its own (all but the gateway): the Nest application
 * context of `module` plus the operations server.
 */
export function startContextService(options: {
  runtime: Runtime;
  config: { OPS_HOST: string; OPS_PORT: number } & Record<string, unknown>;
  module: (runtime: Runtime) => DynamicModule;
}): Promise<RunningService> {
  return startService({
    runtime: options.runtime,
    config: options.config,
    ops: { host: options.config.OPS_HOST, port: options.config.OPS_PORT },
    createApp: (rt) =>
      NestFactory.createApplicationContext(options.module(rt), { logger: new NestPinoLogger(rt.logger), abortOnError: false }),
  });
}

/**
 * The body of every main.ts: load and validate the configuration, start, then stop gracefully
 * on SIGTERM/SIGINT within the configured SHUTDOWN_GRACE_MS. A configuration error is printed
 * plainly and exits with status 1.
 */
export function runMain<C extends { SHUTDOWN_GRACE_MS: number }>(load: () => C, start: (config: C) => Promise<RunningService>): void {
  const fail = (err: Error) => {
    process.stderr.write(`${err.name === 'ConfigError' ? err.message : (err.stack ?? String(err))}\n`);
    process.exit(1);
  };
  let config: C;
  try {
    config = load();
  } catch (err) {
    return fail(err as Error);
  }
  const graceMs = config.SHUTDOWN_GRACE_MS;
  start(config).then((service) => {
    const { logger } = service.runtime;
    logger.info({ ops_port: service.opsPort }, 'service started');
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ grace_ms: graceMs }, 'shutdown grace period exceeded, exiting');
        process.exit(1);
      }, graceMs);
      timer.unref();
      service.close().then(
        () => {
          logger.info('stopped');
          logger.flush();
          process.exit(0);
        },
        (err) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  }, fail);
}
