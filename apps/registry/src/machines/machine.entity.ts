import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ServingProtocol } from '@cleargate/contracts';

@Entity({ name: 'machines' })
export class MachineEntity {
  @PrimaryColumn('uuid')
  id!: string;

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

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 255 })
  owner!: string;

  /** The owner's subject (token `sub`); null until a row stored before subjects were kept is claimed. */
  @Column({ name: 'owner_subject', type: 'varchar', length: 255, nullable: true })
  ownerSubject!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
