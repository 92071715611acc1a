import { createLogger } from '@cleargate/observability';
import { z } from 'zod';
import { envUrl, loadConfig } from '@cleargate/config';
import { createDataSource } from './data-source';

/** `nx run registry:migrate`: applies pending migrations (`--revert` undoes the last one). */
async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig('registry-migrate', z.object({ DATABASE_URL: envUrl(['postgres', 'postgresql']) }));
  const logger = createLogger({ service: 'registry-migrate' });
  const dataSource = await createDataSource(DATABASE_URL, 1).initialize();
  try {
    if (process.argv.includes('--revert')) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      logger.info('reverted the last migration');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      logger.info({ applied: applied.map((m) => m.name) }, applied.length ? 'migrations applied' : 'no pending migrations');
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
