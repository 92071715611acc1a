import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CallRoute } from '@cleargate/contracts';

@Entity({ name: 'enqueue_calls' })
export class EnqueueCallEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  @Column({ type: 'varchar', length: 255 })
  caller!: string;

  /** The caller's subject (token `sub`); null for records stored before subjects were kept. */
  @Column({ name: 'caller_subject', type: 'varchar', length: 255, nullable: true })
  callerSubject!: string | null;

  @Column({ name: 'task_id', type: 'varchar', length: 64 })
  taskId!: string;

  @Column({ name: 'template_name', type: 'varchar', length: 200, nullable: true })
  templateName!: string | null;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @Column({ name: 'clearml_task_id', type: 'varchar', length: 64, nullable: true })
  clearmlTaskId!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  queue!: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  route!: CallRoute | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: string;

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
