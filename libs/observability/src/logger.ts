import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { currentCorrelationId } from './correlation';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line: tokens, passwords, secrets and chat webhook URLs
 * (a webhook URL is itself the credential). Paths cover the value at the top level and nested
 * one or two levels, which is where request bodies, headers and configs put them.
 */
const SECRET_KEYS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'id_token',
  'token',
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'secret_key',
  'secretKey',
  'client_secret',
  'webhook_url',
  'webhookUrl',
  'api_key',
  'x-api-key',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) =>
  /^[A-Za-z_$][\w$]*$/.test(k) ? [k, `*.${k}`, `*.*.${k}`] : [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`],
);

export interface LoggerOptions {
  service: string;
  level?: string;
  destination?: pino.DestinationStream;
}

export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin() {
        const id = currentCorrelationId();
        return id ? { correlation_id: id } : {};
      },
    },
    destination,
  );
}

/** Routes NestJS's own log calls into the service's pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
