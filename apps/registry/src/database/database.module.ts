import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { RPC_ERROR_TRANSLATOR } from '@cleargate/messaging';
import { HealthRegistry, LOGGER, Logger } from '@cleargate/observability';
import { RegistryConfig } from '../config';
import { createDataSource, DatabaseTimeouts } from './data-source';
import { databaseUnavailable } from './unavailable';

export class PendingMigrationsError extends Error {
  constructor() {
    super('the database has pending migrations: run `npx nx run registry:migrate` or start with DATABASE_MIGRATE=true');
    this.name = 'PendingMigrationsError';
  }
}

export const databaseTimeouts = (config: RegistryConfig): DatabaseTimeouts => ({
  connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
});

/**
 * Connects and checks the schema before anything else starts: with DATABASE_MIGRATE the
 * pending migrations are applied, otherwise a pending migration stops the service.
 */
export async function openDatabase(config: RegistryConfig, logger: Logger): Promise<DataSource> {
  const dataSource = await createDataSource(config.DATABASE_URL, config.DATABASE_POOL_SIZE, databaseTimeouts(config)).initialize();
  try {
    if (config.DATABASE_MIGRATE) {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length) logger.info({ applied: applied.map((m) => m.name) }, 'migrations applied');
    } else if (await dataSource.showMigrations()) {
      throw new PendingMigrationsError();
    }
    return dataSource;
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}

/**
 * Plain `pg` connections for what TypeORM does not offer: COPY, PostgreSQL's bulk path. A small
 * pool of its own on the same database, so bulk writes never wait behind (or hold up) queries.
 */
export class PgClients {
  private readonly pool: Pool;

  constructor(url: string, timeouts: DatabaseTimeouts, size = 2, onError: (err: Error) => void = () => undefined) {
    this.pool = new Pool({
      connectionString: url,
      max: size,
      application_name: 'cleargate-registry-bulk',
      connectionTimeoutMillis: timeouts.connectTimeoutMs,
      statement_timeout: timeouts.statementTimeoutMs,
      keepAlive: true,
    });
    // An idle connection the server closed (a restart) is reported here; the pool drops it and
    // opens a new one when next needed. Without a listener the error would end the process.
    this.pool.on('error', onError);
  }

  async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // The connection can fail while the client is checked out (the server restarted during a
    // COPY): without a listener that error would end the process. The work fails instead, and the
    // broken connection is discarded rather than returned to the pool.
    let broken: Error | undefined;
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      return await work(client);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PgClients) private readonly clients: PgClients,
    health: HealthRegistry,
  ) {
    health.register('postgres', async () => {
      await dataSource.query('SELECT 1');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.clients.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forDataSource(dataSource: DataSource, url: string, timeouts: DatabaseTimeouts): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useValue: dataSource },
        {
          provide: PgClients,
          inject: [LOGGER],
          useFactory: (logger: Logger) =>
            new PgClients(url, timeouts, 2, (err) => logger.warn({ err: err.message }, 'a PostgreSQL connection of the bulk pool failed')),
        },
        DatabaseLifecycle,
        // A lost database answers 503 on the bus, not 500 (RpcServer asks this of failures).
        { provide: RPC_ERROR_TRANSLATOR, useValue: databaseUnavailable },
      ],
      exports: [DataSource, PgClients, RPC_ERROR_TRANSLATOR],
    };
  }
}
