import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { REGISTRY_CONFIG, RegistryConfig } from '../config';

/**
 * Public ids (a machine's `machine_id`, a task's `task_id`) are HMAC-SHA256 of the internal
 * id under a server secret: 64 hex characters, as Snap4City clients already send, but not
 * derivable from anything a caller knows.
 */
@Injectable()
export class PublicIdService {
  constructor(@Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig) {}

  mint(internalId: string): string {
    return createHmac('sha256', this.config.PUBLIC_ID_SECRET).update(internalId).digest('hex');
  }
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
