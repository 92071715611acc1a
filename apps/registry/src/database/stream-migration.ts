import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ensureStreams, NatsService } from '@cleargate/messaging';
import { InjectLogger, Logger } from '@cleargate/observability';
import { REGISTRY_CONFIG, RegistryConfig, streamLimitsOf } from '../config';

/**
 * With DATABASE_MIGRATE the registry is its own migration step: besides the database schema it
 * creates (or updates) the JetStream streams, before any of its consumers starts. Otherwise
 * `registry:migrate` does it, and every service waits for the streams it uses.
 */
@Injectable()
export class StreamMigration implements OnModuleInit {
  constructor(
    private readonly nats: NatsService,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.DATABASE_MIGRATE) return;
    await ensureStreams(this.nats, undefined, streamLimitsOf(this.config));
    this.logger.info('JetStream streams in step with the contracts');
  }
}
