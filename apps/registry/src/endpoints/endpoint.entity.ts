import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { SharedWith } from '@cleargate/contracts';
import { MachineEntity } from '../machines/machine.entity';

@Entity({ name: 'endpoints' })
@Unique('uq_endpoints_machine_name', ['machineId', 'name'])
export class EndpointEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'machine_id', type: 'uuid' })
  machineId!: string;

  @ManyToOne(() => MachineEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'machine_id' })
  machine?: MachineEntity;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  path!: string | null;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({ type: 'varchar', length: 16 })
  visibility!: 'public' | 'private' | 'shared';

  @Column({ name: 'shared_with', type: 'jsonb' })
  sharedWith!: SharedWith;

  @Column({ name: 'count_predictions', type: 'jsonb', nullable: true })
  countPredictions!: { json_path: string; max_values: number } | null;

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
