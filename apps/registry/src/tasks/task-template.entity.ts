import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { SharedWith } from '@cleargate/contracts';

@Entity({ name: 'task_templates' })
export class TaskTemplateEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'public_id', type: 'char', length: 64, unique: true })
  publicId!: string;

  @Column({ name: 'clearml_task_id', type: 'varchar', length: 64 })
  clearmlTaskId!: string;

  @Column({ name: 'default_queue', type: 'varchar', length: 200 })
  defaultQueue!: string;

  /** Queues a caller may choose besides the default. */
  @Column({ name: 'allowed_queues', type: 'jsonb' })
  allowedQueues!: string[];

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  @Column({ name: 'params_schema', type: 'jsonb', nullable: true })
  paramsSchema!: Record<string, unknown> | null;

  @Column({ name: 'params_section', type: 'varchar', length: 100 })
  paramsSection!: string;

  @Column({ type: 'varchar', length: 16 })
  visibility!: 'public' | 'private' | 'shared';

  @Column({ name: 'shared_with', type: 'jsonb' })
  sharedWith!: SharedWith;

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
