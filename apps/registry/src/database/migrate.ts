import { z } from 'zod';
import { commonEnv, envUrl, loadConfig } from '@cleargate/config';
import { ensureStreams, natsOptionsOf, NatsService } from '@cleargate/messaging';
import { createLogger } from '@cleargate/observability';
import { databaseTimeoutVariables, jetstreamVariables, streamLimitsOf } from '../config';
import { createDataSource } from './data-source';

const migrateEnv = z.object({
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  NATS_URL: commonEnv.NATS_URL,
  NATS_NAMESPACE: commonEnv.NATS_NAMESPACE,
  NATS_USER: commonEnv.NATS_USER,
  NATS_PASSWORD: commonEnv.NATS_PASSWORD,
  NATS_ANONYMOUS: commonEnv.NATS_ANONYMOUS,
  NATS_TLS_CA_FILE: commonEnv.NATS_TLS_CA_FILE,
  NATS_REQUEST_TIMEOUT_MS: commonEnv.NATS_REQUEST_TIMEOUT_MS,
  DATABASE_CONNECT_TIMEOUT_MS: databaseTimeoutVariables.DATABASE_CONNECT_TIMEOUT_MS,
  ...jetstreamVariables,
});

/**
 * `nx run registry:migrate`: applies pending database migrations (`--revert` undoes the last
 * one), then creates or updates the JetStream streams to their definitions in libs/contracts.
 */
async function main(): Promise<void> {
  const config = loadConfig('registry-migrate', migrateEnv);
  const logger = createLogger({ service: 'registry-migrate' });
  // No statement timeout: a migration may rewrite a large table.
  const dataSource = await createDataSource(config.DATABASE_URL, 1, {
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: 0,
  }).initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      logger.info('reverted the last migration');
      return;
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    logger.info({ applied: applied.map((m) => m.name) }, applied.length ? 'migrations applied' : 'no pending migrations');
  } finally {
    await dataSource.destroy();
  }
  const nats = await NatsService.connect(natsOptionsOf('registry', config), logger);
  try {
    await ensureStreams(nats, undefined, streamLimitsOf(config));
    logger.info('JetStream streams in step with the contracts');
  } finally {
    await nats.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
