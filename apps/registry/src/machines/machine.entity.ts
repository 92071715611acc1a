import { Column, Entity } from 'typeorm';
import type { ServingProtocol } from '@cleargate/contracts';
import { OwnedEntity } from '../database/owned.entity';

@Entity({ name: 'machines' })
export class MachineEntity extends OwnedEntity {
  @Column({ name: 'public_id', type: 'char', length: 64, unique: true })
  publicId!: string;

  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ name: 'base_url', type: 'text' })
  baseUrl!: string;

  @Column({ type: 'varchar', length: 32 })
  protocol!: ServingProtocol;

  @Column({ name: 'serving_task_id', type: 'varchar', length: 64, nullable: true })
  servingTaskId!: string | null;

  @Column({ name: 'metrics_url', type: 'text', nullable: true })
  metricsUrl!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  labels!: Record<string, string>;

  @Column({ name: 'max_in_flight', type: 'integer', nullable: true })
  maxInFlight!: number | null;
}
