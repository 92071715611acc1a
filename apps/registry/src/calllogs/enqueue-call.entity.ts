import { Column, Entity } from 'typeorm';
import type { CallRoute } from '@cleargate/contracts';
import { CallRecordEntity } from './call-record.entity';

@Entity({ name: 'enqueue_calls' })
export class EnqueueCallEntity extends CallRecordEntity {
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

  @Column({ type: 'integer' })
  attempts!: number;
}
