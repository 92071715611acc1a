import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CallRoute, ErrorCode, RunStatus } from '@cleargate/contracts';

@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId!: string;

  @Column({ name: 'task_public_id', type: 'char', length: 64 })
  taskPublicId!: string;

  @Column({ name: 'template_name', type: 'varchar', length: 200, nullable: true })
  templateName!: string | null;

  @Column({ type: 'varchar', length: 255 })
  caller!: string;

  /** The caller's subject (token `sub`); null for records stored before subjects were kept. */
  @Column({ name: 'caller_subject', type: 'varchar', length: 255, nullable: true })
  callerSubject!: string | null;

  @Column({ type: 'jsonb' })
  params!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 200 })
  queue!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: RunStatus;

  /** The route the run was requested on; null for runs stored before it was kept. */
  @Column({ type: 'varchar', length: 8, nullable: true })
  route!: CallRoute | null;

  @Column({ name: 'clearml_task_id', type: 'varchar', length: 64, nullable: true })
  clearmlTaskId!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode!: ErrorCode | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt!: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** The ClearML worker that ran it (`last_worker`), once the monitor saw it. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  worker!: string | null;

  @Column({ name: 'gpu_seconds', type: 'double precision', nullable: true })
  gpuSeconds!: number | null;
}
